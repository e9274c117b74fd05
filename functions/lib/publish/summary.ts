import type { MapLayer, Period } from './contract.ts';
import { formatDay, formatNumber, LANGS, type Lang, type Text } from './i18n.ts';
import { vigilanceWord } from './outlook.ts';

// The plain-language summary at the top of a commune's page (issue 20): « Saint-Denis : nuits plus
// bruyantes que 80 % des communes mesurées ; 5 jours de canicule du … au … ; crues : vigilance verte ».
// Built from the map's figures by fixed templates, each part left out when its figure is missing.

export interface SummaryFacts {
  /** the share of the other measured communes whose mean Lnight is lower (%, rounded), and how many they are */
  readonly quieterNights: { readonly share: number; readonly of: number } | null;
  readonly heatwaveDays: { readonly days: number; readonly period: Period } | null;
  /** the flood vigilance level of the latest day (1–4), for a commune along a monitored section */
  readonly vigilance: number | null;
}

const layerValue = (layers: readonly MapLayer[], id: string, insee: string) => layers.find((l) => l.id === id)?.values[insee] ?? null;

export function summaryFacts(insee: string, layers: readonly MapLayer[]): SummaryFacts {
  const lnight = layers.find((l) => l.id === 'noise-lnight');
  const mine = lnight?.values[insee] ?? null;
  const others = lnight ? Object.entries(lnight.values).filter(([k, v]) => k !== insee && v !== null).map(([, v]) => v!) : [];
  const heat = layers.find((l) => l.id === 'heat-heatwave-days');
  const days = layerValue(layers, 'heat-heatwave-days', insee);
  return {
    quieterNights: mine !== null && others.length ? { share: Math.round((100 * others.filter((v) => v < mine).length) / others.length), of: others.length } : null,
    heatwaveDays: days !== null && heat?.period ? { days, period: heat.period } : null,
    vigilance: layerValue(layers, 'flood-vigilance', insee),
  };
}

export function summaryText(lang: Lang, name: string, f: SummaryFacts): string {
  const fr = lang === 'fr';
  const parts: string[] = [];
  if (f.quieterNights) {
    parts.push(
      fr
        ? `nuits plus bruyantes que ${formatNumber(lang, f.quieterNights.share, 0)} % des ${f.quieterNights.of} autres communes mesurées`
        : `nights noisier than ${formatNumber(lang, f.quieterNights.share, 0)} % of the ${f.quieterNights.of} other measured communes`,
    );
  }
  if (f.heatwaveDays) {
    const { days, period } = f.heatwaveDays;
    const span = fr ? `du ${formatDay(lang, period.from)} au ${formatDay(lang, period.to)}` : `from ${formatDay(lang, period.from)} to ${formatDay(lang, period.to)}`;
    parts.push(fr ? `${days} jour${days > 1 ? 's' : ''} de canicule ${span}` : `${days} heat-wave day${days === 1 ? '' : 's'} ${span}`);
  }
  if (f.vigilance !== null) parts.push(fr ? `crues : vigilance ${vigilanceWord(f.vigilance, lang)}` : `floods: ${vigilanceWord(f.vigilance, lang)} vigilance`);
  if (parts.length === 0) return fr ? `${name} : pas encore de mesure publiée pour cette commune.` : `${name}: no measurement published for this commune yet.`;
  return `${name}${fr ? ' : ' : ': '}${parts.join(fr ? ' ; ' : '; ')}.`;
}

export const summaryTexts = (name: string, f: SummaryFacts): Text => Object.fromEntries(LANGS.map((l) => [l, summaryText(l, name, f)])) as unknown as Text;

/**
 * An arrondissement's summary: its own mean Lnight beside Paris's (never a rank among the communes),
 * or that it has no sensor; then Paris's heat and flood parts, which are the arrondissement's too.
 */
export function arrondissementSummaryText(lang: Lang, name: string, own: { lnight: number | null; paris: number | null }, paris: SummaryFacts): string {
  const fr = lang === 'fr';
  const db = (v: number) => `${formatNumber(lang, v, 1)} dB(A)`;
  const noise =
    own.lnight === null
      ? fr
        ? 'aucun capteur de bruit mesuré dans l’arrondissement, les niveaux de bruit sont ceux de Paris'
        : 'no noise sensor measured in the arrondissement, the noise levels are those of Paris'
      : fr
        ? `Lnight moyen ${db(own.lnight)}${own.paris === null ? '' : ` (Paris : ${db(own.paris)})`}`
        : `mean Lnight ${db(own.lnight)}${own.paris === null ? '' : ` (Paris: ${db(own.paris)})`}`;
  const rest = summaryText(lang, name, { ...paris, quieterNights: null });
  const tail = rest.includes(fr ? ' : pas encore' : ': no measurement') ? '' : rest.slice(name.length + (fr ? 3 : 2), -1);
  return `${name}${fr ? ' : ' : ': '}${noise}${tail ? (fr ? ` ; ${tail}` : `; ${tail}`) : ''}.`;
}

export const arrondissementSummaryTexts = (name: (l: Lang) => string, own: { lnight: number | null; paris: number | null }, paris: SummaryFacts): Text =>
  Object.fromEntries(LANGS.map((l) => [l, arrondissementSummaryText(l, name(l), own, paris)])) as unknown as Text;
