import type { mapJson, Shape } from '../../functions/lib/publish/site-data.ts';
import { formatNumber, MISSING, pageLang, unitIn } from './lib/format.ts';

// The home page's table of the communes, drawn from data/map.json (which the map reads anyway: the
// page's HTML stays light): one row per commune, alphabetically, sortable by every column (a button
// in each header, so the keyboard sorts too; aria-sort says the order), and the columns beyond the
// first of each theme behind a « plus de colonnes » toggle. Without JavaScript the page links to the
// list of every commune (each page has the figures) and to the downloads.

const lang = pageLang();
const fr = lang === 'fr';

type MapData = Shape<typeof mapJson>;
type Layer = MapData['layers'][number];

function cell(tag: 'th' | 'td', className: string, content: string | Node): HTMLTableCellElement {
  const c = document.createElement(tag);
  if (className) c.className = className;
  c.append(content);
  return c;
}

/** the column header of a layer: its short name and unit; `extra` beyond the first layer of its theme */
function layerHeader(layer: Layer, classes: string): HTMLTableCellElement {
  const th = cell('th', classes, layer.short[lang]);
  th.scope = 'col';
  th.dataset.layer = layer.id;
  th.dataset.sort = 'number';
  if (layer.unit) {
    const unit = document.createElement('span');
    unit.className = 'unit';
    unit.textContent = `(${unitIn(lang, layer.unit)})`;
    th.append(' ', unit);
  }
  return th;
}

/** a commune's row: its name (a link to its page), its département, its value in each layer (« pas de données » for none) */
function communeRow(commune: MapData['communes'][number], layers: readonly Layer[], classes: readonly string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.insee = commune.insee;
  const link = document.createElement('a');
  link.href = `commune/${commune.insee}/`;
  link.textContent = commune.name;
  const name = cell('th', '', link);
  name.scope = 'row';
  tr.append(name, cell('td', '', commune.departement));
  layers.forEach((l, i) => {
    const v = l.values[commune.insee] ?? null;
    const missing = document.createElement('span');
    missing.className = 'missing';
    missing.textContent = MISSING[lang];
    const td = cell('td', classes[i] ?? 'num', v === null ? missing : formatNumber(lang, v, l.decimals));
    td.dataset.layer = l.id;
    if (v !== null) td.dataset.v = String(v);
    tr.append(td);
  });
  return tr;
}

/** the table of every commune's figures in `region` (replacing what it says without JavaScript) */
export function drawCommunesTable(region: HTMLElement, data: MapData): HTMLTableElement {
  const { layers } = data;
  // the first layer of each theme is what a planner compares first; the others are behind « plus de colonnes »
  const primary = new Set(data.groups.map((g) => layers.find((l) => l.group === g.id)?.id));
  const classes = layers.map((l) => `num${primary.has(l.id) ? '' : ' extra'}${l.id === data.default_layer ? ' current' : ''}`);
  const table = document.createElement('table');
  table.id = 'communes-tableau';
  table.className = 'communes-table sortable';
  const caption = table.createCaption();
  const sortNote = document.createElement('span');
  sortNote.className = 'sort-note';
  sortNote.textContent = fr ? ', par ordre alphabétique' : ', in alphabetical order';
  caption.append(region.getAttribute('aria-label') ?? '', sortNote);
  const head = table.createTHead().insertRow();
  const byName = cell('th', '', 'Commune');
  byName.scope = 'col';
  byName.dataset.sort = 'text';
  byName.setAttribute('aria-sort', 'ascending');
  const dep = cell('th', '', fr ? 'Dép.' : 'Dep.');
  dep.scope = 'col';
  dep.dataset.sort = 'text';
  head.append(byName, dep, ...layers.map((l, i) => layerHeader(l, classes[i] ?? 'num')));
  const collator = new Intl.Collator('fr');
  const rows = [...data.communes].sort((a, b) => collator.compare(a.name, b.name)).map((c) => communeRow(c, layers, classes));
  table.createTBody().append(...rows);
  region.replaceChildren(table);
  const more = document.querySelector<HTMLButtonElement>('.table-tools .more-columns');
  const extra = classes.filter((c) => c.includes('extra')).length;
  if (more) more.dataset.more = more.textContent = fr ? `Plus de colonnes (${extra})` : `More columns (${extra})`;
  return table;
}

export function setupCommunesTable(table: HTMLTableElement): void {
  const tbody = table.tBodies[0];
  const headRow = table.tHead?.rows[0];
  if (!tbody || !headRow) return;
  const headers = [...headRow.cells];
  const status = document.querySelector<HTMLElement>('#tri-statut');
  const note = table.querySelector<HTMLElement>('caption .sort-note');
  const tools = document.querySelector<HTMLElement>('.table-tools');
  const more = document.querySelector<HTMLButtonElement>('.table-tools .more-columns');
  const collator = new Intl.Collator(fr ? 'fr' : 'en');

  const key = (row: HTMLTableRowElement, i: number, kind: string): string | number | null => {
    const c = row.cells[i];
    if (kind === 'number') return c?.dataset.v === undefined ? null : Number(c.dataset.v);
    return (c?.textContent ?? '').trim();
  };

  const sortBy = (i: number, direction: 'ascending' | 'descending') => {
    const th = headers[i];
    if (!th) return;
    const kind = th.dataset.sort ?? 'text';
    const sign = direction === 'ascending' ? 1 : -1;
    const rows = [...tbody.rows];
    rows.sort((a, b) => {
      const x = key(a, i, kind);
      const y = key(b, i, kind);
      // communes without data stay at the end, whichever the order
      if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return c * sign || collator.compare(a.cells[0]?.textContent ?? '', b.cells[0]?.textContent ?? '');
    });
    tbody.append(...rows);
    headers.forEach((h) => (h === th ? h.setAttribute('aria-sort', direction) : h.removeAttribute('aria-sort')));
    const label = th.querySelector('button')?.firstChild?.textContent?.trim() ?? '';
    const order = direction === 'ascending' ? (fr ? 'ordre croissant' : 'ascending order') : fr ? 'ordre décroissant' : 'descending order';
    if (note) note.textContent = fr ? `, triés par ${label.toLowerCase()}, ${order}` : `, sorted by ${label}, ${order}`;
    if (status) status.textContent = fr ? `Tableau trié par ${label}, ${order}.` : `Table sorted by ${label}, ${order}.`;
  };

  headers.forEach((th, i) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.append(...th.childNodes);
    const icon = document.createElement('span');
    icon.className = 'sort-icon';
    icon.setAttribute('aria-hidden', 'true');
    button.append(icon);
    th.append(button);
    button.addEventListener('click', () => {
      const current = th.getAttribute('aria-sort');
      // figures start with the highest, names with A
      const first = th.dataset.sort === 'number' ? 'descending' : 'ascending';
      sortBy(i, current === first ? (first === 'ascending' ? 'descending' : 'ascending') : first);
    });
  });

  if (tools) tools.hidden = false;
  if (more && table.querySelector('.extra')) {
    table.classList.add('compact');
    more.addEventListener('click', () => {
      const open = table.classList.toggle('compact') === false;
      more.setAttribute('aria-expanded', String(open));
      more.textContent = (open ? more.dataset.less : more.dataset.more) ?? '';
    });
  } else more?.remove();
}
