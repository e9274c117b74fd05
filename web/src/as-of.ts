import type { Lang } from './lib/format.ts';

// The « data as of » line of a page: the HTML says the day (it changes with the page's content); the
// exact times come from a small JSON file the publisher rewrites at every run (data/site.json, or the
// commune's data/live/<insee>.json), so that a new hour of data does not rewrite every page.

export function showAsOf(text: Readonly<Record<Lang, string>> | undefined, lang: Lang): void {
  const line = document.querySelector<HTMLElement>('[data-as-of]');
  if (line && text?.[lang]) line.textContent = text[lang];
}
