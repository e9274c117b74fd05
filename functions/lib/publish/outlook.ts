import { floodVigilance, floodVigilanceCommuneDaily, sensors as sensorsDataset } from '../datasets/index.ts';
import type { Commune } from '../domain/geo/communes.ts';
import { parisDate } from '../domain/time/paris.ts';
import { FRESHNESS_HOURS } from '../models/freshness.ts';
import type { StageContext } from '../stages/context.ts';
import { html } from './html.ts';
import { formatDay, formatInstant, formatNumber, LANGS, text, type Lang, type Text } from './i18n.ts';
import { referenceStation } from './stations.ts';
import { addDays, num, rows, str, type Row } from './sql.ts';
import { both, dayStartIso, iso } from './sections/common.ts';
import { methodLabel, sectionLabel } from './words.ts';
import type { communeOutlook, outlookDay, outlookItem, Shape } from './site-data.ts';

// « Les 3 prochains jours » at the top of a commune's page (issue 20): for today and the next two
// Paris days, the flood vigilance of the river sections along the commune (Vigicrues), the heat-wave
// probability at the commune's reference weather station, and the probability that a night goes above
// the WHO guideline and the French limit value at its sensors — each with when it was issued and what
// made it (the observatory's model, or a named baseline), « pas de prévision récente » when the latest
// run is older than the forecast's freshness limit (models/freshness.ts, the same rule as the forecast
// section), and what to read next at the official sources. Served in the commune's live file.

export const OUTLOOK_DAYS = 3;
/** hours after a Vigicrues bulletin beyond which the vigilance is not shown as current: bulletins come twice a day */
export const VIGILANCE_FRESH_HOURS = 36;

export type OutlookStatus = OutlookItem['status'];
export type OutlookDay = Shape<typeof outlookDay>;
export type OutlookItem = Shape<typeof outlookItem>;
export type CommuneOutlook = Shape<typeof communeOutlook>;

export const OFFICIAL_SOURCES: readonly { readonly id: string; readonly label: Text; readonly href: string }[] = [
  { id: 'vigicrues', label: text('Vigicrues : vigilance crues en cours', 'Vigicrues: current flood vigilance'), href: 'https://www.vigicrues.gouv.fr/' },
  {
    id: 'meteo-france',
    label: text('Météo-France : vigilance canicule', 'Météo-France: heat-wave vigilance'),
    href: 'https://vigilance.meteofrance.fr/fr',
  },
  { id: 'bruitparif', label: text('Bruitparif : l’observatoire régional du bruit', 'Bruitparif: the regional noise observatory'), href: 'https://www.bruitparif.fr/' },
];

const VIGILANCE: Readonly<Record<number, Text>> = {
  1: text('verte', 'green'),
  2: text('jaune', 'yellow'),
  3: text('orange', 'orange'),
  4: text('rouge', 'red'),
};
export const vigilanceWord = (level: number, l: Lang): string => VIGILANCE[level]?.[l] ?? String(level);

const TITLES = {
  flood: text('Crues', 'Floods'),
  heat: text('Canicule', 'Heat wave'),
  'noise-who': text('Nuits au-dessus de la recommandation OMS', 'Nights above the WHO guideline'),
  'noise-fr': text('Nuits au-dessus de la valeur limite française', 'Nights above the French limit value'),
} as const;

const NIGHT_THRESHOLDS = { 'noise-who': 'who_lnight', 'noise-fr': 'fr_ln' } as const;

interface OutlookInput {
  readonly ctx: StageContext;
  readonly communes: readonly Commune[];
  readonly has: (dataset: string) => Promise<boolean>;
  /** « now » for freshness: the wall clock, or the demo clock of a demo lake */
  readonly now: Date;
  readonly demo: boolean;
}

/**
 * when the first forecast or bulletin shown now turns stale (null: none shown, or a demo clock, which
 * does not move): a publish with no new input still renders from then on, so that a forecast is
 * withdrawn when it ages, not only when new data come
 */
/** an instant its column guarantees (declared non-null), as ISO text: an error naming it when it is not */
function instant(v: unknown, column: string): string {
  const t = iso(v);
  if (t === null) throw new Error(`outlook: ${column} is NULL, which its declaration forbids`);
  return t;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export async function freshUntil(ctx: StageContext, has: (d: string) => Promise<boolean>, now: Date, demo: boolean): Promise<string | null> {
  if (demo) return null;
  const limits: number[] = [];
  if (await has('predictions')) {
    for (const r of await rows(ctx.lake, `SELECT model, max(origin_time) AS origin FROM predictions GROUP BY model`)) {
      limits.push(Date.parse(instant(r.origin, 'predictions.origin_time')) + (FRESHNESS_HOURS[String(r.model)] ?? 24) * 3_600_000);
    }
  }
  for (const v of (await latestVigilance(ctx, has)).values()) if (v.bulletin_at) limits.push(Date.parse(v.bulletin_at) + VIGILANCE_FRESH_HOURS * 3_600_000);
  const future = limits.filter((t) => t > now.getTime());
  return future.length ? new Date(Math.min(...future)).toISOString() : null;
}

/** the outlook of every commune */
export async function buildOutlooks({ ctx, communes, has, now, demo }: OutlookInput): Promise<Map<string, CommuneOutlook>> {
  const today = parisDate(now);
  const days = Array.from({ length: OUTLOOK_DAYS }, (_, i) => addDays(today, i));
  const predictions = (await has('predictions'))
    ? await rows(
        ctx.lake,
        `SELECT model, run_time, origin_time, target_time, entity_kind, entity, variable, threshold_name, probability, source, method
         FROM predictions WHERE model IN ('heat', 'noise') QUALIFY run_time = max(run_time) OVER (PARTITION BY model)`,
      )
    : [];
  const sensorCommune = (await has(sensorsDataset.name))
    ? new Map((await rows(ctx.lake, `SELECT sensor_id, commune_insee FROM ${sensorsDataset.name}`)).map((r) => [String(r.sensor_id), str(r.commune_insee)]))
    : new Map<string, string | null>();
  const vigilance = await latestVigilance(ctx, has);
  const out = new Map<string, CommuneOutlook>();
  for (const c of communes) {
    const station = referenceStation(c.commune_insee).station_id;
    const heat = predictions.filter((r) => r.model === 'heat' && r.entity_kind === 'station' && String(r.entity) === station);
    const mine = (r: Row) =>
      (r.entity_kind === 'commune' && String(r.entity) === c.commune_insee) || (r.entity_kind === 'sensor' && sensorCommune.get(String(r.entity)) === c.commune_insee);
    const noise = predictions.filter((r) => r.model === 'noise' && mine(r));
    out.set(c.commune_insee, {
      days,
      now: now.toISOString(),
      demo,
      items: [
        floodItem(days, vigilance.get(c.commune_insee), now),
        forecastItem('heat', 'heat', days, heat, now),
        forecastItem('noise-who', 'noise', days, noise.filter((r) => r.threshold_name === NIGHT_THRESHOLDS['noise-who']), now),
        forecastItem('noise-fr', 'noise', days, noise.filter((r) => r.threshold_name === NIGHT_THRESHOLDS['noise-fr']), now),
      ],
    });
  }
  return out;
}

interface Vigilance {
  readonly level: number;
  readonly bulletin_at: string | null;
  readonly sections: readonly Text[];
}

/** per commune, the latest vigilance of the sections along it, and when its bulletin was issued */
async function latestVigilance(ctx: StageContext, has: (d: string) => Promise<boolean>): Promise<Map<string, Vigilance>> {
  const out = new Map<string, Vigilance>();
  if (!(await has(floodVigilanceCommuneDaily.name))) return out;
  const bulletins = (await has(floodVigilance.name))
    ? new Map(
        (
          await rows(
            ctx.lake,
            `SELECT section_code, section_label, level, bulletin_at FROM ${floodVigilance.name} WHERE in_metropole
             QUALIFY row_number() OVER (PARTITION BY section_code ORDER BY bulletin_at DESC) = 1`,
          )
        ).map((r) => [String(r.section_code), r]),
      )
    : new Map<string, Row>();
  for (const r of await rows(
    ctx.lake,
    `SELECT commune_insee, CAST(day AS VARCHAR) AS day, level_max, sections FROM ${floodVigilanceCommuneDaily.name}
     QUALIFY row_number() OVER (PARTITION BY commune_insee ORDER BY day DESC) = 1`,
  )) {
    const codes = (str(r.sections) ?? '').split(/[,;\s]+/).filter(Boolean);
    const issued = codes.map((s) => iso(bulletins.get(s)?.bulletin_at)).filter((x): x is string => x !== null);
    out.set(String(r.commune_insee), {
      level: num(r.level_max) ?? 1,
      // without the bulletins, the start of the day the level is known for (never later than it was issued)
      bulletin_at: issued.length ? issued.reduce((a, b) => (a > b ? a : b)) : dayStartIso(String(r.day)),
      sections: codes.map((s) => sectionLabel(s, str(bulletins.get(s)?.section_label))),
    });
  }
  return out;
}

function floodItem(days: readonly string[], v: Vigilance | undefined, now: Date): OutlookItem {
  if (!v) {
    return {
      id: 'flood',
      title: TITLES.flood,
      status: 'none',
      days: days.map((day) => ({ day, value: null })),
      issued_at: null,
      source: null,
      message: text('Commune non riveraine d’un tronçon surveillé par Vigicrues.', 'The commune is not along a river section Vigicrues monitors.'),
    };
  }
  const bulletinAt = v.bulletin_at;
  const fresh = bulletinAt !== null && (now.getTime() - Date.parse(bulletinAt)) / 3_600_000 <= VIGILANCE_FRESH_HOURS;
  const sections = (l: Lang) => v.sections.map((s) => s[l]).join(', ');
  // a Vigicrues bulletin covers the next 24 hours: it is shown for today only
  return {
    id: 'flood',
    title: TITLES.flood,
    status: fresh ? 'forecast' : 'stale',
    days: days.map((day, i) => ({ day, value: fresh && i === 0 ? v.level : null })),
    issued_at: v.bulletin_at,
    source: text('Vigicrues (bulletin officiel)', 'Vigicrues (official bulletin)'),
    message:
      fresh && bulletinAt !== null
        ? both((l) =>
            l === 'fr'
              ? `Vigilance ${vigilanceWord(v.level, l)}${v.sections.length ? ` sur ${sections(l)}` : ''} (bulletin du ${formatInstant(l, bulletinAt)}, valable 24 h).`
              : `${capitalised(vigilanceWord(v.level, l))} vigilance${v.sections.length ? ` on ${sections(l)}` : ''} (bulletin of ${formatInstant(l, bulletinAt)}, valid 24 h).`,
          )
        : staleMessage(v.bulletin_at),
  };
}

const staleMessage = (issued: string | null): Text =>
  both((l) =>
    l === 'fr'
      ? `Pas de prévision récente${issued ? ` (la dernière date du ${formatInstant(l, issued)})` : ''}.`
      : `No recent forecast${issued ? ` (the latest dates from ${formatInstant(l, issued)})` : ''}.`,
  );

/** what made a forecast: the observatory's model, or a named baseline */
function sourceOf(r: Row): Text {
  const method = methodLabel(str(r.method));
  return r.source === 'model'
    ? both((l) => (l === 'fr' ? `modèle de l’observatoire (${method[l]})` : `the observatory’s model (${method[l]})`))
    : both((l) => (l === 'fr' ? `prévision de référence : ${method[l]}` : `baseline forecast: ${method[l]}`));
}

function forecastItem(id: OutlookItem['id'], model: string, days: readonly string[], list: readonly Row[], now: Date): OutlookItem {
  const title = TITLES[id];
  const [first] = list;
  if (first === undefined) {
    return {
      id,
      title,
      status: 'none',
      days: days.map((day) => ({ day, value: null })),
      issued_at: null,
      source: null,
      message:
        model === 'heat'
          ? text('Pas de prévision de canicule pour la station de référence de la commune.', 'No heat-wave forecast for the commune’s reference station.')
          : text('Pas de prévision de bruit nocturne pour cette commune (pas de capteur, ou pas encore assez d’historique).', 'No night-noise forecast for this commune (no sensor, or not enough history yet).'),
    };
  }
  const origin = list.map((r) => instant(r.origin_time, 'predictions.origin_time')).reduce((a, b) => (a > b ? a : b));
  const issued = list.map((r) => instant(r.run_time, 'predictions.run_time')).reduce((a, b) => (a > b ? a : b));
  const fresh = (now.getTime() - Date.parse(origin)) / 3_600_000 <= (FRESHNESS_HOURS[model] ?? 24);
  if (!fresh) return { id, title, status: 'stale', days: days.map((day) => ({ day, value: null })), issued_at: issued, source: sourceOf(first), message: staleMessage(issued) };
  // a target counts for the Paris day it starts on (a night, for the evening it begins); the highest probability of the day
  const byDay = new Map<string, number>();
  for (const r of list) {
    const p = num(r.probability);
    if (p === null) continue;
    const day = parisDate(new Date(instant(r.target_time, 'predictions.target_time')));
    byDay.set(day, Math.max(byDay.get(day) ?? 0, Math.round(p * 100)));
  }
  const values = days.map((day) => ({ day, value: byDay.get(day) ?? null }));
  const shown = values.filter((d) => d.value !== null);
  const what = (l: Lang) => (model === 'heat' ? (l === 'fr' ? 'épisode de canicule' : 'heat wave') : l === 'fr' ? 'nuit au-dessus du seuil' : 'night above the threshold');
  return {
    id,
    title,
    status: 'forecast',
    days: values,
    issued_at: issued,
    source: sourceOf(first),
    message: both((l) => {
      if (shown.length === 0) return l === 'fr' ? 'Aucune échéance de cette prévision ne tombe dans les 3 prochains jours.' : 'No target of this forecast falls in the next 3 days.';
      const top = shown.reduce((a, b) => ((b.value ?? 0) > (a.value ?? 0) ? b : a));
      const highest = top.value ?? 0;
      if (highest === 0) return l === 'fr' ? `Probabilité nulle sur les jours prévus (${what(l)}).` : `Zero probability on the forecast days (${what(l)}).`;
      return l === 'fr'
        ? `Probabilité la plus haute : ${formatNumber(l, highest, 0)} % (${what(l)}) le ${formatDay(l, top.day)}.`
        : `Highest probability: ${formatNumber(l, highest, 0)} % (${what(l)}) on ${formatDay(l, top.day)}.`;
    }),
  };
}

/** the panel, rendered (the commune page's script puts it in place; the file is linked for readers without JavaScript) */
export function outlookPanel(lang: Lang, o: CommuneOutlook): string {
  const fr = lang === 'fr';
  const dayHead = (day: string, i: number) => (i === 0 ? (fr ? 'Aujourd’hui' : 'Today') : formatDay(lang, day));
  const cell = (item: OutlookItem, d: OutlookDay) => {
    if (d.value === null) return '—';
    return item.id === 'flood' ? vigilanceWord(d.value, lang) : `${formatNumber(lang, d.value, 0)} %`;
  };
  // on a phone the table scrolls inside its own labelled region, not the page
  return String(html`<div class="table-wrap" role="region" tabindex="0" aria-label="${fr ? 'Tableau des risques des 3 prochains jours' : 'Table of the hazards of the next 3 days'}"><table class="outlook"><caption>${fr ? 'Les 3 prochains jours' : 'The next 3 days'}${o.demo ? (fr ? ' (horloge de démonstration)' : ' (demo clock)') : ''}</caption>
<thead><tr><th scope="col">${fr ? 'Risque' : 'Hazard'}</th>${o.days.map((d, i) => html`<th scope="col"><time datetime="${d}">${dayHead(d, i)}</time></th>`)}<th scope="col">${fr ? 'Prévision' : 'Forecast'}</th></tr></thead>
<tbody>${o.items.map(
    (item) => html`<tr data-outlook="${item.id}" data-status="${item.status}"><th scope="row">${item.title[lang]}</th>${item.days.map((d) => html`<td>${cell(item, d)}</td>`)}<td>${item.message[lang]}${
      item.issued_at && item.source
        ? html` <span class="note">${fr ? 'Émise le' : 'Issued'} <time datetime="${item.issued_at}">${formatInstant(lang, item.issued_at)}</time> · ${fr ? 'source' : 'source'} : ${item.source[lang]}</span>`
        : ''
    }</td></tr>`,
  )}</tbody></table></div>
<p class="note">${fr ? 'Sources officielles, à consulter avant toute décision :' : 'Official sources, to read before any decision:'} ${OFFICIAL_SOURCES.map((s, i) => html`${i ? ' · ' : ''}<a href="${s.href}" rel="external">${s.label[lang]}</a>`)}</p>`);
}

export const outlookPanels = (o: CommuneOutlook): Record<Lang, string> => Object.fromEntries(LANGS.map((l) => [l, outlookPanel(l, o)])) as Record<Lang, string>;
