import type { MapJson, PublishedLayer } from '../../functions/lib/publish/contract.ts';
import { MISSING, pageLang, valueText } from './lib/format.ts';
import { setupCommunesTable } from './table.ts';

// The home page's map is in the HTML already (one link per commune, coloured by the default layer).
// This script adds the layer choice, the tooltip, the highlight of the commune under the pointer or
// the keyboard focus, and the sensors toggle. It reads data/map.json (values and classes per layer).

const lang = pageLang();
const siteRoot = new URL('../', import.meta.url);
const HASH_KEY = 'couche';
const sep = lang === 'fr' ? ' : ' : ': ';

async function main(): Promise<void> {
  const table = document.querySelector<HTMLTableElement>('table#communes-tableau');
  if (table) setupCommunesTable(table);
  const svg = document.querySelector<SVGSVGElement>('svg#carte');
  if (!svg) return;
  const response = await fetch(new URL('data/map.json', siteRoot));
  if (!response.ok) throw new Error(`map: data/map.json answered ${response.status}`);
  const data = (await response.json()) as MapJson;
  const layers = new Map(data.layers.map((l) => [l.id, l]));
  const names = new Map(data.communes.map((c) => [c.insee, c.name]));
  const links = [...svg.querySelectorAll<SVGAElement>('a.commune')];
  const select = document.querySelector<HTMLSelectElement>('#couche');
  const status = document.querySelector<HTMLElement>('#carte-statut');
  const tooltip = document.querySelector<HTMLElement>('.map-wrap .tooltip');
  const highlight = svg.querySelector<SVGGElement>('g.highlight');
  const controls = document.querySelector<HTMLElement>('.map-controls');
  let current: PublishedLayer | undefined = data.default_layer ? layers.get(data.default_layer) : undefined;

  const apply = (layer: PublishedLayer, announce: boolean) => {
    current = layer;
    for (const a of links) {
      const insee = a.dataset.insee!;
      const k = layer.class_of[insee] ?? -1;
      a.querySelector('path')!.setAttribute('fill', k < 0 ? 'url(#pas-de-donnees)' : layer.classes[k]!.color);
      a.setAttribute('aria-label', `${names.get(insee) ?? insee}${sep}${layer.short[lang]} ${valueText(lang, layer.values[insee], layer.decimals, layer.unit)}`);
    }
    for (const legend of document.querySelectorAll<HTMLElement>('.legend[data-layer]')) legend.hidden = legend.dataset.layer !== layer.id;
    for (const cell of document.querySelectorAll<HTMLElement>('.communes-table [data-layer]')) cell.classList.toggle('current', cell.dataset.layer === layer.id);
    if (select) select.value = layer.id;
    if (announce && status) status.textContent = `${lang === 'fr' ? 'Carte' : 'Map'}${sep}${layer.title[lang]}`;
  };

  const fromHash = new URLSearchParams(location.hash.slice(1)).get(HASH_KEY);
  // the page is drawn with the default layer already: only another one asked for in the URL is applied
  if (fromHash && layers.has(fromHash) && fromHash !== current?.id) apply(layers.get(fromHash)!, false);

  if (controls) controls.hidden = false;
  select?.addEventListener('change', () => {
    const layer = layers.get(select.value);
    if (!layer) return;
    apply(layer, true);
    history.replaceState(null, '', `#${HASH_KEY}=${encodeURIComponent(layer.id)}`);
  });
  for (const box of document.querySelectorAll<HTMLInputElement>('.map-controls input[data-group]')) {
    box.addEventListener('change', () => {
      svg.querySelector<SVGGElement>(`g.points[data-group="${CSS.escape(box.dataset.group!)}"]`)?.toggleAttribute('hidden', !box.checked);
    });
  }

  const show = (a: SVGAElement, at?: { x: number; y: number }) => {
    const insee = a.dataset.insee!;
    if (highlight) {
      const uses = ['halo', 'edge'].map((cls) => {
        const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
        use.setAttribute('href', `#p-${insee}`);
        use.setAttribute('class', cls);
        return use;
      });
      highlight.replaceChildren(...uses);
    }
    if (!tooltip || !current) return;
    const value = current.values[insee];
    const k = current.class_of[insee] ?? -1;
    tooltip.replaceChildren();
    const title = document.createElement('strong');
    title.textContent = names.get(insee) ?? insee;
    const line = document.createElement('div');
    line.textContent = `${current.short[lang]}${sep}${valueText(lang, value, current.decimals, current.unit)}`;
    const band = document.createElement('div');
    band.className = 'small';
    band.textContent = k < 0 ? (current.missingLabel ?? MISSING)[lang] : `${lang === 'fr' ? 'Classe' : 'Class'}${sep}${current.classes[k]!.label[lang]}`;
    tooltip.append(title, line, band);
    tooltip.hidden = false;
    const wrap = tooltip.parentElement!.getBoundingClientRect();
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
    const a = (e.target as Element).closest<SVGAElement>('a.commune');
    if (a) show(a, { x: e.clientX, y: e.clientY });
    else hide();
  });
  svg.addEventListener('pointerleave', hide);
  svg.addEventListener('focusin', (e) => {
    const a = (e.target as Element).closest<SVGAElement>('a.commune');
    if (a) show(a);
  });
  svg.addEventListener('focusout', hide);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hide();
  });
}

main().catch((e: unknown) => {
  // the pre-rendered map, legend and table stay usable
  console.error(e);
});
