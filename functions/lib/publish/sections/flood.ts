import {
  floodIndicatorsDaily,
  floodVigilance,
  floodVigilanceCommuneDaily,
  riverStations,
} from '../../datasets/index.ts';
import { REFERENCE_FLOODS } from '../../domain/flood/config.ts';
import { sectionLabel } from '../words.ts';
import { STAGE_1910_M } from '../../domain/flood/reference-floods.ts';
import { SECTIONS as VIGICRUES_SECTIONS } from '../../domain/flood/sections.ts';
import type { Alert, ChartSpec, CommuneSection, LayerClass, MapLayer, MethodBlock, SectionInput, SectionOutput, SiteSection, TableSpec } from '../contract.ts';
import { formatDay, formatNumber, text, type Text } from '../i18n.ts';
import { addDays, dateLiteral, daysBetween, num, roundTo, rows, str, type Row } from '../sql.ts';
import { both, countClasses, dailyByCommune, type DailySeries, dayEndIso, dayStartIso, groupBy, iso, rollingPeriod, spanWords } from './common.ts';

// The flood themes. « flood »: the Vigicrues vigilance level in force on each commune's river sections
// (map, daily chart, alerts when orange or red starts). « river »: the gauging stations (map points,
// daily highest stage with the reference floods of Paris-Austerlitz for the communes that host one).

export const FLOOD_PERIOD_DAYS = 365;
export const FLOOD_CHART_DAYS = 92;
export const FLOOD_ALERT_DAYS = 92;

const VIGICRUES = text('Vigicrues (© VIGICRUES), vigilance crues par tronçon', 'Vigicrues (© VIGICRUES), flood vigilance per river section');
const HUBEAU = text('Hub’Eau hydrométrie (OFB, SCHAPI / réseau Vigicrues)', 'Hub’Eau hydrometry (OFB, SCHAPI / Vigicrues network)');

export const LEVEL_NAMES: Readonly<Record<number, Text>> = {
  1: text('vert', 'green'),
  2: text('jaune', 'yellow'),
  3: text('orange', 'orange'),
  4: text('rouge', 'red'),
};

// the official colours, each lighter than the next so that the order reads without hue
const LEVEL_CLASSES: LayerClass[] = [
  { min: 1, max: 2, color: '#e5f5e0', label: text('1 — vert : pas de vigilance particulière', '1 — green: no particular vigilance') },
  { min: 2, max: 3, color: '#fed976', label: text('2 — jaune : risque de crue modérée', '2 — yellow: risk of a moderate flood') },
  { min: 3, max: 4, color: '#f0701f', label: text('3 — orange : risque de crue importante', '3 — orange: risk of a major flood') },
  { min: 4, max: null, color: '#a50026', label: text('4 — rouge : risque de crue majeure', '4 — red: risk of an exceptional flood') },
];

const NOT_CONCERNED = text('non riveraine d’un tronçon surveillé, ou pas de données', 'not along a monitored section, or no data');
const DAYS = text('j', 'd');

export const floodSection: SiteSection = {
  id: 'flood',
  title: text('Crues', 'Floods'),
  requires: [floodVigilanceCommuneDaily.name],
  build: buildFlood,
};

interface FloodData {
  last: string;
  period: { from: string; to: string };
  span: Text;
  latest: Map<string, Row>;
  totals: Map<string, Row>;
  chartFrom: string;
  history: Row[];
  daily: Map<string, DailySeries>;
}

async function buildFlood({ ctx, communes, has }: SectionInput): Promise<SectionOutput> {
  const data = await readFlood(ctx.lake);
  const { sectionInfo, asOf } = await readBulletins(ctx.lake, has, data.last);
  const communeSections = new Map<string, CommuneSection>();
  for (const c of communes) {
    const section = floodCommuneSection(c.commune_insee, data, sectionInfo);
    if (section) communeSections.set(c.commune_insee, section);
  }
  return {
    asOf,
    layers: floodLayers(communes, data),
    points: [],
    communes: communeSections,
    alerts: floodAlerts(data.history, data.chartFrom),
    downloads: [
      { dataset: floodVigilanceCommuneDaily.name, perCommune: false },
      ...((await has(floodVigilance.name))
        ? [{ dataset: floodVigilance.name, perCommune: false, csvColumns: ['section_code', 'section_label', 'level', 'level_label', 'bulletin_at', 'bulletin_time_source', 'in_metropole', 'dt'] }]
        : []),
    ],
    methodology: [floodMethodology()],
  };
}

/** the communes' daily levels: the latest day, the totals over the period, the chart's days */
async function readFlood(duck: SectionInput['ctx']['lake']): Promise<FloodData> {
  const t = floodVigilanceCommuneDaily.name;
  const [bounds] = await rows(duck, `SELECT CAST(max(day) AS VARCHAR) AS last, CAST(min(day) FILTER (WHERE day > (SELECT max(day) FROM ${t}) - ${FLOOD_PERIOD_DAYS}) AS VARCHAR) AS first FROM ${t}`);
  const last = str(bounds?.last) ?? '';
  const period = rollingPeriod(last, str(bounds?.first), FLOOD_PERIOD_DAYS);
  // the words of the period actually covered (« 12 mois glissants » only when the data fill it)
  const span = spanWords(period, FLOOD_PERIOD_DAYS);
  const latest = new Map(
    (
      await rows(
        duck,
        `SELECT commune_insee, CAST(day AS VARCHAR) AS day, level_max, sections, bulletins FROM ${t}
         QUALIFY row_number() OVER (PARTITION BY commune_insee ORDER BY day DESC) = 1`,
      )
    ).map((r) => [String(r.commune_insee), r]),
  );
  const totals = new Map(
    (
      await rows(
        duck,
        `SELECT commune_insee, count(*) FILTER (WHERE level_max >= 3) AS orange_days, count(*) FILTER (WHERE level_max >= 2) AS yellow_days, count(*) AS days
         FROM ${t} WHERE day BETWEEN ${dateLiteral(period.from)} AND ${dateLiteral(period.to)} GROUP BY 1`,
      )
    ).map((r) => [String(r.commune_insee), r]),
  );
  const chartFrom = addDays(last, 1 - FLOOD_CHART_DAYS);
  const history = await rows(duck, `SELECT commune_insee, CAST(day AS VARCHAR) AS day, level_max FROM ${t} WHERE day >= ${dateLiteral(addDays(chartFrom, -1))} ORDER BY commune_insee, day`);
  const daily = dailyByCommune(history.filter((r) => String(r.day) >= chartFrom), ['level_max'], last, 0);
  return { last, period, span, latest, totals, chartFrom, history, daily };
}

/** the sections' names and latest bulletins, when the bulletins are in the lake */
async function readBulletins(duck: SectionInput['ctx']['lake'], has: SectionInput['has'], last: string): Promise<{ sectionInfo: Map<string, Row>; asOf: string | null }> {
  const sectionInfo = new Map<string, Row>();
  let asOf: string | null = dayEndIso(last);
  if (await has(floodVigilance.name)) {
    for (const r of await rows(
      duck,
      `SELECT section_code, section_label, level, bulletin_at FROM ${floodVigilance.name} WHERE in_metropole
       QUALIFY row_number() OVER (PARTITION BY section_code ORDER BY bulletin_at DESC) = 1`,
    ))
      sectionInfo.set(String(r.section_code), r);
    const [b] = await rows(duck, `SELECT max(bulletin_at) AS t FROM ${floodVigilance.name} WHERE in_metropole`);
    asOf = iso(b?.t) ?? asOf;
  }
  return { sectionInfo, asOf };
}

function floodLayers(communes: SectionInput['communes'], { last, period, span, latest, totals }: FloodData): MapLayer[] {
  const values = (f: (insee: string) => number | null) => Object.fromEntries(communes.map((c) => [c.commune_insee, f(c.commune_insee)]));
  return [
    {
      id: 'flood-vigilance',
      group: 'flood',
      title: text('Vigilance crues (dernier jour)', 'Flood vigilance (latest day)'),
      short: text('Vigilance crues', 'Flood vigilance'),
      unit: '',
      decimals: 0,
      description: text(
        'Niveau de vigilance Vigicrues le plus élevé en vigueur sur les tronçons de rivière qui bordent la commune, au dernier jour connu.',
        'Highest Vigicrues vigilance level in force on the river sections along the commune, on the latest known day.',
      ),
      source: VIGICRUES,
      period: { from: last, to: last },
      classes: LEVEL_CLASSES,
      values: values((k) => num(latest.get(k)?.level_max)),
      missingLabel: NOT_CONCERNED,
    },
    {
      id: 'flood-orange-days',
      group: 'flood',
      title: text('Jours en vigilance orange ou rouge', 'Days at orange or red vigilance'),
      short: text('Jours orange ou rouge', 'Orange or red days'),
      unit: DAYS.fr,
      decimals: 0,
      description: both((l) => (l === 'fr' ? `Jours où un tronçon bordant la commune était en vigilance orange ou rouge, sur ${span.fr}.` : `Days when a section along the commune was at orange or red vigilance, over ${span.en}.`)),
      source: VIGICRUES,
      period,
      classes: countClasses([1, 3, 7, 15], 'blues', DAYS),
      values: values((k) => num(totals.get(k)?.orange_days)),
      missingLabel: NOT_CONCERNED,
    },
  ];
}

function floodCommuneSection(k: string, { latest, totals, span, daily }: FloodData, sectionInfo: ReadonlyMap<string, Row>): CommuneSection | null {
  const lat = latest.get(k);
  const tot = totals.get(k);
  if (!lat && !tot) return null;
  const level = num(lat?.level_max);
  const codes = (str(lat?.sections) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const configured = VIGICRUES_SECTIONS.filter((s) => s.communes.includes(k));
  return {
    id: 'flood',
    title: text('Crues', 'Floods'),
    indicators: [
      {
        id: 'flood-level',
        label: text('Vigilance crues (1 vert … 4 rouge)', 'Flood vigilance (1 green … 4 red)'),
        unit: '',
        decimals: 0,
        value: level,
        trend: null,
        note: both((l) => (lat ? `${l === 'fr' ? 'le' : 'on'} ${formatDay(l, String(lat.day))}${level ? ` : ${LEVEL_NAMES[level]?.[l] ?? ''}` : ''}` : '—')),
      },
      {
        id: 'flood-orange-days',
        label: text('Jours en vigilance orange ou rouge', 'Days at orange or red vigilance'),
        unit: DAYS.fr,
        decimals: 0,
        value: num(tot?.orange_days),
        trend: null,
        note: span,
      },
      {
        id: 'flood-yellow-days',
        label: text('Jours en vigilance jaune ou plus', 'Days at yellow vigilance or above'),
        unit: DAYS.fr,
        decimals: 0,
        value: num(tot?.yellow_days),
        trend: null,
        note: span,
      },
    ],
    charts: [vigilanceChart(daily.get(k))],
    tables: [sectionsTable(configured.map((s) => s.code), codes, sectionInfo)],
    facts: [{ label: text('Jours avec un niveau connu', 'Days with a known level'), value: both((l) => formatNumber(l, num(tot?.days) ?? 0, 0)) }],
  };
}

/** an alert when a commune enters orange or red, or goes from orange to red */
function floodAlerts(history: readonly Row[], chartFrom: string): Map<string, Alert[]> {
  const alerts = new Map<string, Alert[]>();
  for (const [k, list] of groupBy(history, (r) => String(r.commune_insee))) {
    let previous: number | null = null;
    let previousDay: string | null = null;
    for (const r of list) {
      const day = String(r.day);
      const level = num(r.level_max) ?? 0;
      const continuous = previousDay !== null && addDays(previousDay, 1) === day;
      if (level >= 3 && day >= chartFrom && (!continuous || (previous ?? 0) < level)) {
        const name = LEVEL_NAMES[level] ?? text(String(level), String(level));
        const alert: Alert = {
          id: `urn:observatoire-grand-paris:alerte:vigilance-crues:${k}:${day}:${level}`,
          kind: 'flood-vigilance',
          severity: level >= 4 ? 'danger' : 'warning',
          start: dayStartIso(day),
          updated: dayEndIso(day),
          title: text(`Vigilance crues ${name.fr} le ${formatDay('fr', day)}`, `Flood vigilance ${name.en} on ${formatDay('en', day)}`),
          content: text(
            `Un tronçon de rivière bordant la commune passe en vigilance ${name.fr} (${str(r.sections) ?? 'tronçons'}). Consultez vigicrues.gouv.fr et les consignes de la préfecture.`,
            `A river section along the commune goes to ${name.en} vigilance (${str(r.sections) ?? 'sections'}). See vigicrues.gouv.fr and the prefecture's instructions.`,
          ),
          value: level,
          threshold: 3,
          unit: '',
        };
        alerts.set(k, [alert, ...(alerts.get(k) ?? [])]);
      }
      previous = level;
      previousDay = day;
    }
  }
  return alerts;
}

function vigilanceChart(series: DailySeries | undefined): ChartSpec {
  const days = series?.days ?? [];
  const levels = series?.columns.level_max ?? [];
  const known = levels.filter((v): v is number => v !== null);
  const orange = known.filter((v) => v >= 3).length;
  return {
    id: 'flood-vigilance-daily',
    title: text(`Vigilance crues journalière (${FLOOD_CHART_DAYS} derniers jours au plus)`, `Daily flood vigilance (last ${FLOOD_CHART_DAYS} days at most)`),
    summary:
      known.length === 0
        ? text('Aucun niveau de vigilance connu sur la période.', 'No known vigilance level over the period.')
        : both((l) =>
            l === 'fr'
              ? `Du ${formatDay(l, (days[0] ?? ''))} au ${formatDay(l, (days.at(-1) ?? ''))}, niveau le plus élevé : ${Math.max(...known)} (${LEVEL_NAMES[Math.max(...known)]?.fr ?? ''}) ; ${orange} jour${orange > 1 ? 's' : ''} en orange ou rouge.`
              : `From ${formatDay(l, (days[0] ?? ''))} to ${formatDay(l, (days.at(-1) ?? ''))}, highest level: ${Math.max(...known)} (${LEVEL_NAMES[Math.max(...known)]?.en ?? ''}); ${orange} day${orange > 1 ? 's' : ''} at orange or red.`,
          ),
    x: { kind: 'day', label: text('Jour', 'Day'), values: days },
    y: { label: text('Niveau de vigilance', 'Vigilance level'), unit: '', decimals: 0, domain: [1, 4] },
    series: [{ id: 'level', label: text('Niveau le plus élevé', 'Highest level'), values: levels }],
    step: true,
    thresholds: [{ value: 3, kind: 'ref', label: text('Orange (3)', 'Orange (3)') }],
    source: VIGICRUES,
  };
}

function sectionsTable(configured: readonly string[], atLevel: readonly string[], info: ReadonlyMap<string, Row>): TableSpec {
  const codes = [...new Set([...configured, ...atLevel])];
  return {
    id: 'flood-sections',
    title: text('Tronçons Vigicrues de la commune', 'Vigicrues sections of the commune'),
    columns: [
      { id: 'label', label: text('Tronçon', 'Section'), kind: 'text' },
      { id: 'level', label: text('Dernier niveau', 'Latest level'), kind: 'text' },
      { id: 'bulletin', label: text('Bulletin', 'Bulletin'), kind: 'instant' },
      { id: 'code', label: text('Code', 'Code'), kind: 'code' },
    ],
    rows: codes.map((code) => {
      const r = info.get(code);
      const level = num(r?.level);
      return {
        label: sectionLabel(code, str(r?.section_label) ?? null),
        level: level === null ? null : both((l) => `${level} — ${LEVEL_NAMES[level]?.[l] ?? ''}`),
        bulletin: iso(r?.bulletin_at),
        code,
      };
    }),
    note: text(
      'Tronçons Vigicrues bordant la commune, d’après la liste de l’observatoire ; leurs codes restent à confirmer auprès de Vigicrues.',
      'Vigicrues sections along the commune, from the observatory’s list; their codes are still to be confirmed with Vigicrues.',
    ),
    empty: text('Aucun tronçon surveillé ne borde la commune.', 'No monitored section along the commune.'),
  };
}

function floodMethodology(): MethodBlock {
  return {
    id: 'flood-indicators',
    title: text('Vigilance crues', 'Flood vigilance'),
    paragraphs: [
      text(
        'Vigicrues publie au moins deux fois par jour un niveau de vigilance par tronçon de rivière : 1 vert, 2 jaune, 3 orange, 4 rouge. Le niveau d’un tronçon un jour donné est le plus élevé des bulletins du jour et du dernier bulletin de la veille s’il date de moins de 24 heures ; celui d’une commune, le plus élevé des tronçons qui la bordent.',
        'Vigicrues publishes a vigilance level per river section at least twice a day: 1 green, 2 yellow, 3 orange, 4 red. A section’s level on a day is the highest of the day’s bulletins and of the previous bulletin if less than 24 hours old; a commune’s, the highest of the sections along it.',
      ),
      text(
        'Une alerte est publiée lorsqu’une commune passe en vigilance orange ou rouge, ou de l’orange au rouge.',
        'An alert is published when a commune goes to orange or red vigilance, or from orange to red.',
      ),
    ],
    formulas: [],
    tables: [],
  };
}

// ── river stations ────────────────────────────────────────────────────────────────────────────────

export const riverSection: SiteSection = {
  id: 'river',
  title: text('Cours d’eau', 'Rivers'),
  requires: [floodIndicatorsDaily.name, riverStations.name],
  build: buildRiver,
};

async function buildRiver({ ctx, communes }: SectionInput): Promise<SectionOutput> {
  const duck = ctx.lake;
  const stations = await rows(
    duck,
    `SELECT station_code, site_code, label, river, commune_insee, lon, lat FROM ${riverStations.name} ORDER BY station_code`,
  );
  const latest = new Map(
    (
      await rows(
        duck,
        `SELECT station_code, CAST(day AS VARCHAR) AS day, h_max, h_max_at, q_max, ratio_1910, flood_rank, reference_floods FROM ${floodIndicatorsDaily.name}
         WHERE station_code IS NOT NULL QUALIFY row_number() OVER (PARTITION BY station_code ORDER BY day DESC) = 1`,
      )
    ).map((r) => [String(r.station_code), r]),
  );
  const [bounds] = await rows(duck, `SELECT CAST(max(day) AS VARCHAR) AS last, max(greatest(h_max_at, q_max_at)) AS at FROM ${floodIndicatorsDaily.name}`);
  const last = str(bounds?.last);
  const chartFrom = last ? addDays(last, 1 - FLOOD_CHART_DAYS) : '9999-12-31';
  const history = groupBy(
    await rows(duck, `SELECT station_code, CAST(day AS VARCHAR) AS day, h_max, q_max FROM ${floodIndicatorsDaily.name} WHERE station_code IS NOT NULL AND day >= ${dateLiteral(chartFrom)} ORDER BY day`),
    (r) => String(r.station_code),
  );
  const byCommune = groupBy(stations, (s) => String(s.commune_insee));
  const communeSections = new Map<string, CommuneSection>();
  for (const c of communes) {
    const here = byCommune.get(c.commune_insee) ?? [];
    if (here.length === 0) continue;
    communeSections.set(c.commune_insee, riverCommuneSection(here, latest, history, last));
  }

  return {
    asOf: iso(bounds?.at),
    layers: [],
    points: riverPoints(stations, latest),
    communes: communeSections,
    alerts: new Map(),
    downloads: [
      { dataset: floodIndicatorsDaily.name, perCommune: false },
      { dataset: riverStations.name, perCommune: false },
    ],
    methodology: [riverMethodology()],
  };
}

/** the map's gauging stations, each with its latest highest stage */
function riverPoints(stations: readonly Row[], latest: ReadonlyMap<string, Row>) {
  const metres = (l: 'fr' | 'en', v: unknown) => {
    const m = num(v);
    return m === null ? '—' : `${formatNumber(l, m, 2)} m`;
  };
  return [
    {
      id: 'river-stations',
      kind: 'river-station' as const,
      title: text('Stations hydrométriques', 'Gauging stations'),
      points: stations
        .filter((s) => num(s.lon) !== null && num(s.lat) !== null)
        .map((s) => {
          const r = latest.get(String(s.station_code));
          const ratio = num(r?.ratio_1910);
          return {
            id: String(s.station_code),
            name: str(s.label),
            lon: num(s.lon) ?? NaN,
            lat: num(s.lat) ?? NaN,
            commune_insee: str(s.commune_insee),
            label: both(
              (l) =>
                `${str(s.label) ?? String(s.station_code)} · ${metres(l, r?.h_max)}${r ? ` (${formatDay(l, String(r.day))})` : ''}${ratio === null ? '' : ` · ${formatNumber(l, ratio * 100, 0)} % ${l === 'fr' ? 'de la crue de 1910' : 'of the 1910 flood'}`}`,
            ),
            properties: {
              station_code: String(s.station_code),
              label: str(s.label),
              river: str(s.river),
              commune_insee: str(s.commune_insee),
              latest_day: str(r?.day),
              h_max_m: roundTo(num(r?.h_max), 2),
              q_max_m3s: roundTo(num(r?.q_max), 1),
              ratio_1910: roundTo(ratio, 3),
              flood_rank: num(r?.flood_rank),
            },
          };
        }),
    },
  ];
}

function riverCommuneSection(here: readonly Row[], latest: ReadonlyMap<string, Row>, history: ReadonlyMap<string, Row[]>, last: string | null): CommuneSection {
  return {
    id: 'river',
    title: text('Cours d’eau', 'Rivers'),
    indicators: here.map((s) => {
      const r = latest.get(String(s.station_code));
      return {
        id: `river-h-max-${String(s.station_code)}`,
        label: both((l) => `${l === 'fr' ? 'Hauteur maximale du jour' : 'Highest stage of the day'} — ${str(s.label) ?? String(s.station_code)}`),
        unit: 'm',
        decimals: 2,
        value: roundTo(num(r?.h_max), 2),
        trend: null,
        note: both((l) =>
          r
            ? `${l === 'fr' ? 'le' : 'on'} ${formatDay(l, String(r.day))}${num(r.ratio_1910) === null ? '' : ` · ${formatNumber(l, (num(r.ratio_1910) ?? 0) * 100, 0)} % ${l === 'fr' ? 'de la crue de 1910' : 'of the 1910 flood'} (${formatNumber(l, STAGE_1910_M, 2)} m)`}`
            : '—',
        ),
      };
    }),
    charts: here.map((s) => stationChart(s, history.get(String(s.station_code)) ?? [], last)),
    tables: [riverStationsTable(here, latest)],
    facts: [],
  };
}

function riverStationsTable(here: readonly Row[], latest: ReadonlyMap<string, Row>): TableSpec {
  return {
    id: 'river-stations',
    title: text('Stations hydrométriques de la commune', 'Gauging stations of the commune'),
    columns: [
      { id: 'label', label: text('Station', 'Station'), kind: 'text' },
      { id: 'river', label: text('Cours d’eau', 'River'), kind: 'text' },
      { id: 'h_max', label: text('Hauteur max.', 'Highest stage'), kind: 'number', unit: 'm', decimals: 2 },
      { id: 'q_max', label: text('Débit max.', 'Highest discharge'), kind: 'number', unit: 'm³/s', decimals: 0 },
      { id: 'day', label: text('Jour', 'Day'), kind: 'day' },
      { id: 'rank', label: text('Par rapport aux crues de référence', 'Compared with the reference floods'), kind: 'text' },
      { id: 'code', label: text('Code', 'Code'), kind: 'code' },
    ],
    rows: here.map((s) => {
      const r = latest.get(String(s.station_code));
      return {
        label: str(s.label) ?? String(s.station_code),
        river: str(s.river),
        h_max: roundTo(num(r?.h_max), 2),
        q_max: roundTo(num(r?.q_max), 0),
        day: str(r?.day),
        rank: rankText(num(r?.flood_rank), num(r?.reference_floods)),
        code: String(s.station_code),
      };
    }),
    empty: text('Aucune station.', 'No station.'),
  };
}

function stationChart(station: Row, history: readonly Row[], last: string | null): ChartSpec {
  const code = String(station.station_code);
  const byDay = new Map(history.map((r) => [String(r.day), r]));
  const days = history.length && last ? daysBetween(String(history[0]?.day), last) : [];
  const h = days.map((d) => roundTo(num(byDay.get(d)?.h_max), 2));
  const known = h.filter((v): v is number => v !== null);
  const reference = code === REFERENCE_FLOODS.station;
  const name = str(station.label) ?? code;
  return {
    id: `river-${code}`,
    title: both((l) => `${name} : ${l === 'fr' ? `hauteur maximale journalière (${FLOOD_CHART_DAYS} derniers jours au plus)` : `daily highest stage (last ${FLOOD_CHART_DAYS} days at most)`}`),
    summary:
      known.length === 0
        ? text('Aucune hauteur sur la période.', 'No stage over the period.')
        : both((l) =>
            l === 'fr'
              ? `Du ${formatDay(l, (days[0] ?? ''))} au ${formatDay(l, (days.at(-1) ?? ''))}, hauteur maximale de ${formatNumber(l, Math.min(...known), 2)} à ${formatNumber(l, Math.max(...known), 2)} m.${reference ? ` Crue de 1910 : ${formatNumber(l, STAGE_1910_M, 2)} m.` : ''}`
              : `From ${formatDay(l, (days[0] ?? ''))} to ${formatDay(l, (days.at(-1) ?? ''))}, highest stage from ${formatNumber(l, Math.min(...known), 2)} to ${formatNumber(l, Math.max(...known), 2)} m.${reference ? ` 1910 flood: ${formatNumber(l, STAGE_1910_M, 2)} m.` : ''}`,
          ),
    x: { kind: 'day', label: text('Jour', 'Day'), values: days },
    y: { label: text('Hauteur', 'Stage'), unit: 'm', decimals: 2 },
    series: [{ id: 'h_max', label: text('Hauteur maximale', 'Highest stage'), values: h }],
    // the reference floods were measured at one station: their lines mean nothing elsewhere
    thresholds: reference
      ? REFERENCE_FLOODS.peaks
          .filter((p) => ['1910', '1955', '2016', '2018'].includes(p.event))
          .map((p) => ({ value: p.stage_m, kind: 'ref' as const, label: text(`Crue ${p.event} : ${formatNumber('fr', p.stage_m, 2)} m`, `${p.event} flood: ${formatNumber('en', p.stage_m, 2)} m`) }))
      : [],
    source: HUBEAU,
  };
}

function riverMethodology(): MethodBlock {
  return {
    id: 'river-indicators',
    title: text('Hauteurs et débits des cours d’eau', 'River stages and discharges'),
    paragraphs: [
      text(
        `Les hauteurs (H) et débits (Q) temps réel de Hub’Eau sont convertis une fois (H mm → m, Q l/s → m³/s). Par station et jour local : la hauteur et le débit les plus élevés. À Paris-Austerlitz, la hauteur est comparée aux crues historiques ; celle de 1910 (${String(STAGE_1910_M).replace('.', ',')} m) fonde le plan de prévention du risque d’inondation de Paris.`,
        `Hub’Eau real-time stages (H) and discharges (Q) are converted once (H mm → m, Q l/s → m³/s). Per station and local day: the highest stage and discharge. At Paris-Austerlitz the stage is compared with the historical floods; that of 1910 (${STAGE_1910_M} m) underlies the Paris flood-risk prevention plan.`,
      ),
    ],
    formulas: [{ label: text('Rapport à la crue de 1910', 'Ratio to the 1910 flood'), expression: `ratio_1910 = h_max / ${STAGE_1910_M} m` }],
    tables: [
      {
        id: 'reference-floods',
        title: text('Crues de référence de la Seine à Paris-Austerlitz', 'Reference floods of the Seine at Paris-Austerlitz'),
        columns: [
          { id: 'event', label: text('Crue', 'Flood'), kind: 'text' },
          { id: 'date', label: text('Pic', 'Peak'), kind: 'day' },
          { id: 'stage', label: text('Hauteur', 'Stage'), kind: 'number', unit: 'm', decimals: 2 },
          { id: 'verified', label: text('Vérifiée', 'Verified'), kind: 'text' },
        ],
        rows: REFERENCE_FLOODS.peaks.map((p) => ({ event: p.event, date: p.date_peak, stage: p.stage_m, verified: p.verified ? text('oui', 'yes') : text('non', 'no') })),
        empty: text('—', '—'),
      },
    ],
  };
}

/** where a day's highest stage stands among the station's reference floods, in words (rank = 1 + the floods above it) */
function rankText(rank: number | null, total: number | null): Text | null {
  if (rank === null || !total) return null;
  const above = rank - 1;
  if (above >= total) return text(`sous les ${total} crues de référence`, `below the ${total} reference floods`);
  if (above === 0) return text(`au-dessus des ${total} crues de référence`, `above the ${total} reference floods`);
  return text(`${above} des ${total} crues de référence plus hautes`, `${above} of the ${total} reference floods higher`);
}
