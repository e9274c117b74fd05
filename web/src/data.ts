import type * as z from 'zod/mini';
import { checkSiteData, SiteDataError, type Shape } from '../../functions/lib/publish/site-data.ts';
import type { Lang } from './lib/format.ts';

// What the scripts fetch under data/, parsed with the publisher's own schemas
// (functions/lib/publish/site-data.ts): a file that does not have the expected shape is a clear
// message on the page, never a half-drawn panel; the figures printed in the page stay as they are.

export const siteRoot = new URL('../', import.meta.url);

/** the file, checked against its schema; a SiteDataError naming the file and the misfit fields otherwise */
export async function fetchData<S extends z.ZodMiniType>(path: string, schema: S): Promise<Shape<S>> {
  const response = await fetch(new URL(path, siteRoot));
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch (e) {
    throw new SiteDataError(path, [`not JSON (${(e as Error).message})`]);
  }
  return checkSiteData(path, schema, body);
}

/**
 * a file that could not be read: a malformed one is said on the page, in `where` (a panel) or at the top
 * of the content, once per file; any other failure (the network) goes to the console only
 */
export function showDataProblem(e: unknown, lang: Lang, where?: HTMLElement | null): void {
  if (!(e instanceof SiteDataError)) {
    console.error(e);
    return;
  }
  const box = where ?? document.querySelector<HTMLElement>('main');
  if (!box || box.querySelector(`[data-problem="${CSS.escape(e.file)}"]`)) return;
  const p = document.createElement('p');
  p.className = 'data-problem';
  p.setAttribute('role', 'alert');
  p.dataset.problem = e.file;
  p.textContent =
    lang === 'fr'
      ? `Les données ${e.file} n’ont pas la forme attendue : cette partie de la page ne peut pas s’afficher (les chiffres écrits dans la page restent valables). Détail : ${e.issues.slice(0, 2).join(' ; ')}.`
      : `The data file ${e.file} does not have the expected shape: this part of the page cannot be shown (the figures written in the page still hold). Details: ${e.issues.slice(0, 2).join('; ')}.`;
  if (where) where.replaceChildren(p);
  else box.prepend(p);
}
