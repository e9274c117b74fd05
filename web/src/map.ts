import type { PublishedLayer } from '../../functions/lib/publish/contract.ts';
import { mapJson, type Shape } from '../../functions/lib/publish/site-data.ts';
import { fetchData, showDataProblem } from './data.ts';
import { MISSING, pageLang, valueText } from './lib/format.ts';
import { drawCommunesTable, setupCommunesTable } from './table.ts';

// The home page's map is in the HTML already (one link per commune, coloured by the default layer).
// This script adds the layer choice, the tooltip, the highlight of the commune under the pointer or
// the keyboard focus, and the sensors toggle. It reads data/map.json (values and classes per layer).

const lang = pageLang();
const HASH_KEY = 'couche';
const sep = lang === 'fr' ? ' : ' : ': ';

type Figure = { readonly value: number | null; readonly k: number };

/** the names on the map, and what a commune or an arrondissement shows for a layer: undefined when the layer does not carry it (see-through) */
function mapFigures(data: Shape<typeof mapJson>) {
  const sub = data.arrondissements;
  const areas = new Set(sub?.names.map((n) => n.insee));
  const names = new Map([...data.communes.map((c) => [c.insee, c.name] as const), ...(sub?.names.map((n) => [n.insee, n.name[lang]] as const) ?? [])]);
  // Paris's arrondissements over Paris: their own value where the layer carries one, else see-through
  const figure = (layer: PublishedLayer, insee: string): Figure | undefined => {
    if (!areas.has(insee)) return { value: layer.values[insee] ?? null, k: layer.class_of[insee] ?? -1 };
    const values = sub?.values[layer.id];
    return values ? { value: values[insee] ?? null, k: sub?.class_of[layer.id]?.[insee] ?? -1 } : undefined;
  };
  return { names, figure };
}

/** the tooltip's lines: the name, and the value and its class when the layer carries one */
function fillTooltip(tooltip: HTMLElement, name: string, layer: PublishedLayer, f: Figure | undefined): void {
  tooltip.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = name;
  tooltip.append(title);
  if (!f) return;
  const line = document.createElement('div');
  line.textContent = `${layer.short[lang]}${sep}${valueText(lang, f.value, layer.decimals, layer.unit)}`;
  const band = document.createElement('div');
  band.className = 'small';
  const cls = layer.classes[f.k];
  band.textContent = cls ? `${lang === 'fr' ? 'Classe' : 'Class'}${sep}${cls.label[lang]}` : (layer.missingLabel ?? MISSING)[lang];
  tooltip.append(line, band);
}

/** the shape under the pointer or the focus, outlined (a halo and an edge drawn from its path) */
/** the communes table, its column of the layer shown on the map marked */
function showTable(data: Shape<typeof mapJson>, layerId: string | undefined): void {
  const region = document.querySelector<HTMLElement>('[data-communes-table]');
  if (!region) return;
  setupCommunesTable(drawCommunesTable(region, data));
  if (layerId) markColumn(layerId);
}

/** the communes table's column of the layer shown on the map */
function markColumn(layerId: string): void {
  for (const cell of document.querySelectorAll<HTMLElement>('.communes-table [data-layer]')) cell.classList.toggle('current', cell.dataset.layer === layerId);
}

function outline(highlight: SVGGElement, insee: string): void {
  const uses = ['halo', 'edge'].map((cls) => {
    const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
    use.setAttribute('href', `#p-${insee}`);
    use.setAttribute('class', cls);
    return use;
  });
  highlight.replaceChildren(...uses);
}

async function main(): Promise<void> {
  const svg = document.querySelector<SVGSVGElement>('svg#carte');
  if (!svg) return;
  const data = await fetchData('data/map.json', mapJson);
  const layers = new Map(data.layers.map((l) => [l.id, l]));
  const { names, figure } = mapFigures(data);
  const links = [...svg.querySelectorAll<SVGAElement>('a.commune, a.area')];
  const select = document.querySelector<HTMLSelectElement>('#couche');
  const status = document.querySelector<HTMLElement>('#carte-statut');
  const tooltip = document.querySelector<HTMLElement>('.map-wrap .tooltip');
  const highlight = svg.querySelector<SVGGElement>('g.highlight');
  const controls = document.querySelector<HTMLElement>('.map-controls');
  let current: PublishedLayer | undefined = data.default_layer ? layers.get(data.default_layer) : undefined;

  const apply = (layer: PublishedLayer, announce: boolean) => {
    current = layer;
    for (const a of links) {
      const insee = a.dataset.insee ?? '';
      const f = figure(layer, insee);
      const colour = f === undefined ? 'none' : (layer.classes[f.k]?.color ?? 'url(#pas-de-donnees)');
      a.querySelector('path')?.setAttribute('fill', colour);
      const name = names.get(insee) ?? insee;
      a.setAttribute('aria-label', f === undefined ? name : `${name}${sep}${layer.short[lang]} ${valueText(lang, f.value, layer.decimals, layer.unit)}`);
    }
    for (const legend of document.querySelectorAll<HTMLElement>('.legend[data-layer]')) legend.hidden = legend.dataset.layer !== layer.id;
    markColumn(layer.id);
    if (select) select.value = layer.id;
    if (announce && status) status.textContent = `${lang === 'fr' ? 'Carte' : 'Map'}${sep}${layer.title[lang]}`;
  };

  const fromHash = new URLSearchParams(location.hash.slice(1)).get(HASH_KEY);
  // the page is drawn with the default layer already: only another one asked for in the URL is applied
  const asked = fromHash ? layers.get(fromHash) : undefined;
  if (asked && asked.id !== current?.id) apply(asked, false);

  if (controls) controls.hidden = false;
  // the table in a task of its own once the map answers: its 130 rows of every layer are the page's longest work
  setTimeout(() => showTable(data, current?.id));
  select?.addEventListener('change', () => {
    const layer = layers.get(select.value);
    if (!layer) return;
    apply(layer, true);
    history.replaceState(null, '', `#${HASH_KEY}=${encodeURIComponent(layer.id)}`);
  });
  for (const box of document.querySelectorAll<HTMLInputElement>('.map-controls input[data-group]')) {
    box.addEventListener('change', () => {
      svg.querySelector<SVGGElement>(`g.points[data-group="${CSS.escape(box.dataset.group ?? '')}"]`)?.toggleAttribute('hidden', !box.checked);
    });
  }

  const show = (a: SVGAElement, at?: { x: number; y: number }) => {
    const insee = a.dataset.insee ?? '';
    if (highlight) outline(highlight, insee);
    if (!tooltip?.parentElement || !current) return;
    fillTooltip(tooltip, names.get(insee) ?? insee, current, figure(current, insee));
    tooltip.hidden = false;
    const wrap = tooltip.parentElement.getBoundingClientRect();
    const box = a.getBoundingClientRect();
    const x = at ? at.x - wrap.left : box.left + box.width / 2 - wrap.left;
    const y = at ? at.y - wrap.top : box.top - wrap.top;
    const left = Math.max(4, Math.min(x + 14, wrap.width - tooltip.offsetWidth - 4));
    const top = Math.max(4, y - tooltip.offsetHeight - 10);
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${top}px`;
  };
  const hide = () => {
    highlight?.replaceChildren();
    if (tooltip) tooltip.hidden = true;
  };
  svg.addEventListener('pointermove', (e) => {
    const a = (e.target as Element).closest<SVGAElement>('a.commune, a.area');
    if (a) show(a, { x: e.clientX, y: e.clientY });
    else hide();
  });
  svg.addEventListener('pointerleave', hide);
  svg.addEventListener('focusin', (e) => {
    const a = (e.target as Element).closest<SVGAElement>('a.commune, a.area');
    if (a) show(a);
  });
  svg.addEventListener('focusout', hide);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hide();
  });
}

main().catch((e: unknown) => {
  // the pre-rendered map, legend and table stay usable; a malformed file is said at the top
  showDataProblem(e, lang);
});
