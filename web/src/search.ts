import { searchIndex, siteJson } from '../../functions/lib/publish/site-data.ts';
import { showAsOf } from './as-of.ts';
import { fetchData, showDataProblem, siteRoot } from './data.ts';
import { pageLang } from './lib/format.ts';
import { search, type SearchEntry, type SearchIndex } from './lib/search.ts';

// The search field of every page, as an ARIA 1.2 combobox: typing lists the matching communes
// (listbox), the arrow keys move through them (aria-activedescendant), Enter opens the one chosen or
// the first, Escape closes the list. Without this script the field's form opens the list of all
// the communes. The index (data/search.json) is fetched on the first keystroke or focus.

const lang = pageLang();
const fr = lang === 'fr';
const MAX = 8;

let index: Promise<SearchIndex> | undefined;
const loadIndex = () =>
  (index ??= fetchData('data/search.json', searchIndex));

const href = (e: SearchEntry) => new URL(`${fr ? '' : `${lang}/`}commune/${e.c}/`, siteRoot).href;

/** the field as an ARIA 1.2 combobox: its listbox and its status line, after the field */
function combobox(form: HTMLFormElement, input: HTMLInputElement): { list: HTMLUListElement; status: HTMLParagraphElement; listId: string } {
  const listId = `${input.id}-liste`;
  const list = document.createElement('ul');
  list.id = listId;
  list.className = 'search-results';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', fr ? 'Communes trouvées' : 'Communes found');
  list.hidden = true;
  const status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  (form.querySelector('.search-field') ?? input).after(list, status);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listId);
  // mousedown, not click: the input's blur would close the list first
  list.addEventListener('mousedown', (e) => {
    const target = (e.target as Element).closest<HTMLElement>('[role="option"]')?.dataset.href;
    if (!target) return;
    e.preventDefault();
    location.assign(target);
  });
  return { list, status, listId };
}

/** a match in the listbox: its name, département, postcodes, and the page it opens when not its own */
function option(m: SearchEntry, id: string): HTMLLIElement {
  const li = document.createElement('li');
  li.id = id;
  li.setAttribute('role', 'option');
  li.setAttribute('aria-selected', 'false');
  li.dataset.href = href(m);
  const name = document.createElement('span');
  name.className = 'search-name';
  name.textContent = m.n;
  const detail = document.createElement('span');
  detail.className = 'search-detail';
  const where = m.of ? (fr ? ` · page de ${m.of}` : ` · ${m.of}’s page`) : '';
  detail.textContent = `${m.d} · ${m.p.slice(0, 3).join(', ')}${m.p.length > 3 ? '…' : ''}${where}`;
  li.append(name, ' ', detail);
  return li;
}

/** the status line: how many communes were found, and what to do next */
function foundText(n: number): string {
  if (n === 0) return fr ? 'Aucune commune trouvée.' : 'No commune found.';
  return fr
    ? `${n} commune${n > 1 ? 's' : ''} trouvée${n > 1 ? 's' : ''}, flèches haut et bas pour choisir, Entrée pour ouvrir.`
    : `${n} commune${n > 1 ? 's' : ''} found, up and down arrows to choose, Enter to open.`;
}

function setup(form: HTMLFormElement): void {
  const input = form.querySelector<HTMLInputElement>('input[type="search"]');
  if (!input) return;
  const { list, status, listId } = combobox(form, input);

  let matches: SearchEntry[] = [];
  let active = -1;

  const close = () => {
    list.hidden = true;
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  const mark = (i: number) => {
    active = i;
    list.querySelectorAll<HTMLElement>('[role="option"]').forEach((o, k) => o.setAttribute('aria-selected', String(k === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', `${listId}-${i}`);
      list.children[i]?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const render = () => {
    list.replaceChildren(
      ...matches.map((m, i) => option(m, `${listId}-${i}`)),
    );
    const open = matches.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    active = -1;
    input.removeAttribute('aria-activedescendant');
    status.textContent = input.value.trim() ? foundText(matches.length) : '';
  };
  const update = async () => {
    const q = input.value;
    const idx = await loadIndex();
    if (q !== input.value) return; // typed on meanwhile
    matches = search(idx, q, MAX);
    render();
  };
  const go = (i: number) => {
    const m = matches[i];
    if (m) location.assign(href(m));
  };

  // fetched ahead on focus; a failure is said when typing asks for the index
  input.addEventListener('focus', () => void loadIndex().catch(() => (index = undefined)), { once: true });
  input.addEventListener('input', () => void update().catch((e: unknown) => showDataProblem(e, lang)));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (list.hidden && matches.length) render();
      if (matches.length) mark((active + 1) % matches.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (matches.length) mark(active <= 0 ? matches.length - 1 : active - 1);
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault();
        close();
      } else input.value = '';
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!list.hidden && active >= 0) return go(active);
    // Enter right after typing: what is typed may not have been searched yet
    void loadIndex().then(
      (idx) => {
        matches = search(idx, input.value, MAX);
        if (matches.length) go(0);
        else render();
      },
      () => form.submit(),
    );
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}

document.querySelectorAll<HTMLFormElement>('form[data-search]').forEach(setup);

// every page but a commune's (its own script reads the commune's live file) takes the data's times from site.json
if (!document.querySelector('h1[data-insee]')) {
  fetchData('data/site.json', siteJson)
    .then((site) => showAsOf(site.as_of_text, lang))
    .catch((e: unknown) => showDataProblem(e, lang)); // the line keeps the day the page was published with
}
