import { pageLang } from './lib/format.ts';

// The home page's table of the communes: sortable by every column (a button in each header, so the
// keyboard sorts too; aria-sort says the order), and the columns beyond the first of each theme behind
// a « plus de colonnes » toggle. Without this script the table shows every column, alphabetically.

const lang = pageLang();
const fr = lang === 'fr';

export function setupCommunesTable(table: HTMLTableElement): void {
  const tbody = table.tBodies[0];
  const headers = [...table.tHead!.rows[0]!.cells] as HTMLTableCellElement[];
  if (!tbody) return;
  const status = document.querySelector<HTMLElement>('#tri-statut');
  const note = table.querySelector<HTMLElement>('caption .sort-note');
  const tools = document.querySelector<HTMLElement>('.table-tools');
  const more = document.querySelector<HTMLButtonElement>('.table-tools .more-columns');
  const collator = new Intl.Collator(fr ? 'fr' : 'en');

  const key = (row: HTMLTableRowElement, i: number, kind: string): string | number | null => {
    const cell = row.cells[i]!;
    if (kind === 'number') return cell.dataset.v === undefined ? null : Number(cell.dataset.v);
    return (cell.textContent ?? '').trim();
  };

  const sortBy = (i: number, direction: 'ascending' | 'descending') => {
    const th = headers[i]!;
    const kind = th.dataset.sort ?? 'text';
    const sign = direction === 'ascending' ? 1 : -1;
    const rows = [...tbody.rows];
    rows.sort((a, b) => {
      const x = key(a, i, kind);
      const y = key(b, i, kind);
      // communes without data stay at the end, whichever the order
      if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return c * sign || collator.compare(a.cells[0]!.textContent ?? '', b.cells[0]!.textContent ?? '');
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
