import {
  noiseIndicatorsArrondissementDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseIndicatorsYearly,
  noiseQualityDaily,
  sensors as sensorsDataset,
} from '../../datasets/index.ts';
import { PERIOD_CONVENTIONS } from '../../domain/noise/conventions.ts';
import { DEFAULT_COVERAGE_THRESHOLD, FR_LIMITS_2006, isNoiseSource, type NoiseSource, WHO_2018 } from '../../domain/noise/thresholds.ts';
import { QC_FLAGS, QC_THRESHOLDS, spikeJumpDb } from '../../domain/noise/qc.ts';
import { localDayBounds, parisDate } from '../../domain/time/paris.ts';
import { ARRONDISSEMENTS } from '../../domain/geo/arrondissements.ts';
import { bandClasses, shareClasses } from '../classes.ts';
import type {
  Alert,
  ChartSpec,
  CommuneSection,
  Fact,
  Indicator,
  MapLayer,
  MethodBlock,
  Period,
  SectionInput,
  Trend,
  SectionOutput,
  SiteSection,
  TableSpec,
} from '../contract.ts';
import { formatDay, formatNumber, LANGS, type Lang, text, type Text } from '../i18n.ts';
import { addDays, dateLiteral, daysBetween, num, roundTo, rows, str, type Row } from '../sql.ts';
import { sensorName } from '../words.ts';
import { both, iso, spanWords } from './common.ts';

// The noise theme: commune levels (Lden, Lnight…) over the last twelve months, shares of sensor-days
// over the WHO guidelines and the French limit values, daily series, hourly profiles, the sensors, and
// alerts for nights over the WHO guideline.

/** the map and the key figures cover this many days up to the latest day with data */
export const PERIOD_DAYS = 365;
/**
 * trends compare the last TREND_DAYS days with the same days a year before (364 days: the same
 * weekdays) when those hold data, else with the TREND_DAYS before, and say which
 */
export const TREND_DAYS = 7;
const YEAR_DAYS = 364;
/** the days of the daily datasets the section reads: the period, and the days a year before the last TREND_DAYS */
export const NOISE_WINDOW_DAYS = Math.max(PERIOD_DAYS + 1, YEAR_DAYS + TREND_DAYS);
/** a trend needs at least this many days with a value in each window */
export const TREND_MIN_DAYS = 4;
export const CHART_DAYS = 92;
export const PROFILE_DAYS = 28;
export const ALERT_DAYS = 92;

const EU = PERIOD_CONVENTIONS.eu;
const NO_VALUE = text('aucune', 'none');
const FR = PERIOD_CONVENTIONS.fr;
const pad = (h: number) => String(h).padStart(2, '0');
const hours = (a: number, b: number) => `${pad(a)}–${pad(b)}\u00a0h`;
const periodsOf = (c: typeof EU) => `${hours(c.dayStart, c.eveningStart)} / ${hours(c.eveningStart, c.nightStart)} / ${hours(c.nightStart, c.dayStart)}`;
const EU_NOTE = text(`périodes européennes (${periodsOf(EU)})`, `EU periods (${periodsOf(EU)})`);
const FR_NOTE = text(`périodes françaises (${periodsOf(FR)})`, `French periods (${periodsOf(FR)})`);
const SOURCE = text(
  'Réseau de capteurs de l’observatoire, indicateurs calculés selon la directive 2002/49/CE',
  'Observatory sensor network, indicators computed as in Directive 2002/49/EC',
);

// road values stand for a commune: road traffic is the dominant source of exposure in the Métropole
const WHO_ROAD = WHO_2018.road;
const FR_ROAD = FR_LIMITS_2006.road;

/** a reference value the noise pages draw and count against: declared in the domain's thresholds */
function referenceValue(v: number | null | undefined, what: string): number {
  if (v === null || v === undefined) throw new Error(`noise thresholds: ${what} missing from functions/lib/domain/noise/thresholds.ts; the site draws and counts against it`);
  return v;
}
const WHO_LDEN = referenceValue(WHO_ROAD.lden, 'WHO 2018 road Lden');
const WHO_LNIGHT = referenceValue(WHO_ROAD.lnight, 'WHO 2018 road Lnight');
const FR_LDEN = referenceValue(FR_ROAD.lden, 'French 2006 road Lden limit');
const FR_LNIGHT = referenceValue(FR_ROAD.lnight, 'French 2006 road Ln limit');

const LEVELS = ['lden', 'lnight', 'lday', 'levening'] as const;
type Level = (typeof LEVELS)[number];
const SHARES = ['who_lden', 'who_lnight', 'fr_lden', 'fr_ln'] as const;
type Share = (typeof SHARES)[number];

const LEVEL_LABEL: Record<Level | 'lden_fr', Text> = {
  lden: text('Lden (jour-soir-nuit)', 'Lden (day-evening-night)'),
  lnight: text('Lnight (nuit)', 'Lnight (night)'),
  lday: text('Lday (jour)', 'Lday (day)'),
  levening: text('Levening (soirée)', 'Levening (evening)'),
  lden_fr: text('Lden, périodes françaises', 'Lden, French periods'),
};

const SHARE_LABEL: Record<Share, Text> = {
  who_lden: text('Jours-capteurs au-dessus de la recommandation OMS (Lden)', 'Sensor-days above the WHO guideline (Lden)'),
  who_lnight: text('Nuits-capteurs au-dessus de la recommandation OMS (Lnight)', 'Sensor-nights above the WHO guideline (Lnight)'),
  fr_lden: text('Jours-capteurs au-dessus de la valeur limite française (Lden)', 'Sensor-days above the French limit value (Lden)'),
  fr_ln: text('Nuits-capteurs au-dessus de la valeur limite française (Ln)', 'Sensor-nights above the French limit value (Ln)'),
};

const SHARE_SHORT: Record<Share, Text> = {
  who_lden: text('Jours > OMS (Lden)', 'Days > WHO (Lden)'),
  who_lnight: text('Nuits > OMS (Lnight)', 'Nights > WHO (Lnight)'),
  fr_lden: text('Jours > valeur limite (Lden)', 'Days > limit value (Lden)'),
  fr_ln: text('Nuits > valeur limite (Ln)', 'Nights > limit value (Ln)'),
};

interface Windows {
  readonly period: Period;
  readonly recent: Period;
  readonly previous: Period;
  /** the recent days, a year before */
  readonly lastYear: Period;
}

const TREND_WINDOWS = {
  lastYear: text(`${TREND_DAYS} derniers jours / mêmes jours l’an dernier`, `last ${TREND_DAYS} days / same days last year`),
  previous: text(`${TREND_DAYS} derniers jours / ${TREND_DAYS} précédents (moins d’un an de données)`, `last ${TREND_DAYS} days / previous ${TREND_DAYS} (less than a year of data)`),
} as const;

/** where the daily levels of an area come from: the communes, or Paris's arrondissements */
interface AreaSource {
  readonly table: string;
  readonly key: string;
}
const COMMUNE_SOURCE: AreaSource = { table: noiseIndicatorsCommuneDaily.name, key: 'commune_insee' };
const ARRONDISSEMENT_SOURCE: AreaSource = { table: noiseIndicatorsArrondissementDaily.name, key: 'arrondissement_insee' };

type Aggregates = Map<string, Map<string, Row>>; // window → commune → row

export const noiseSection: SiteSection = {
  id: 'noise',
  title: text('Bruit', 'Noise'),
  requires: [noiseIndicatorsCommuneDaily.name, noiseIndicatorsDaily.name, sensorsDataset.name],
  build: buildNoise,
};

interface NoiseData {
  windows: Windows | null;
  withArrondissements: boolean;
  levels: Aggregates;
  areaLevels: Aggregates;
  shares: Aggregates;
  sensorRows: Row[];
  perSensor: Map<string, Row>;
  yearly: Map<string, Row>;
  quality: Map<string, Row>;
  daily: Map<string, Daily>;
  areaDaily: Map<string, Daily>;
  profiles: Map<string, Profile>;
  profilePeriod: Period | null;
  span: Text;
}

async function buildNoise({ ctx, communes, has }: SectionInput): Promise<SectionOutput> {
  const duck = ctx.lake;
  // how fresh the measurements are: the end of the latest hour of levels (the site never reads the readings)
  const asOf = (await has(noiseIndicatorsHourly.name)) ? iso((await rows(duck, `SELECT max(hour_start) + INTERVAL 1 HOUR AS t FROM ${noiseIndicatorsHourly.name}`))[0]?.t) : null;
  const data = await readNoise(duck, has);
  const { windows, withArrondissements, sensorRows } = data;
  const alerts = windows ? await nightAlerts(ctx.lake, addDays(windows.period.to, 1 - ALERT_DAYS)) : new Map<string, Alert[]>();
  const period = windows?.period ?? null;

  const sensorsByCommune = new Map<string, Row[]>();
  for (const s of sensorRows) {
    const k = String(s.commune_insee);
    sensorsByCommune.set(k, [...(sensorsByCommune.get(k) ?? []), s]);
  }
  const communeSections = new Map<string, CommuneSection>();
  for (const c of communes) communeSections.set(c.commune_insee, noiseCommuneSection(c.commune_insee, sensorsByCommune.get(c.commune_insee) ?? [], data));

  return {
    asOf,
    layers: noiseLayers(communes, data.levels, data.shares, period, data.span),
    points: sensorPoints(sensorRows, data.perSensor, windows),
    communes: communeSections,
    areas: arrondissementSections(data),
    alerts,
    downloads: [
      { dataset: sensorsDataset.name, perCommune: false },
      { dataset: noiseIndicatorsCommuneDaily.name, perCommune: true },
      ...(withArrondissements ? [{ dataset: noiseIndicatorsArrondissementDaily.name, perCommune: false }] : []),
      { dataset: noiseIndicatorsDaily.name, perCommune: true },
      { dataset: noiseIndicatorsYearly.name, perCommune: false },
      { dataset: noiseIndicatorsHourly.name, perCommune: true },
    ],
    methodology: noiseMethodology(period),
  };
}

/** the three windows of the levels (the period, the trend's recent days and the two it compares them with) after the latest day */
async function noiseWindows(duck: SectionInput['ctx']['lake']): Promise<Windows | null> {
  const [last] = await rows(
    duck,
    `SELECT CAST(max(day) AS VARCHAR) AS day, CAST(min(day) FILTER (WHERE day > max_day - ${PERIOD_DAYS}) AS VARCHAR) AS first
     FROM (SELECT day, max(day) OVER () AS max_day FROM ${noiseIndicatorsCommuneDaily.name} WHERE lden IS NOT NULL)`,
  );
  const lastDay = str(last?.day);
  if (!lastDay) return null;
  return {
    period: { from: maxDay(addDays(lastDay, 1 - PERIOD_DAYS), str(last?.first) ?? lastDay), to: lastDay },
    recent: { from: addDays(lastDay, 1 - TREND_DAYS), to: lastDay },
    previous: { from: addDays(lastDay, 1 - 2 * TREND_DAYS), to: addDays(lastDay, -TREND_DAYS) },
    lastYear: { from: addDays(lastDay, 1 - TREND_DAYS - YEAR_DAYS), to: addDays(lastDay, -YEAR_DAYS) },
  };
}

/** everything the noise theme reads: the aggregates over the windows, the sensors, the daily series and hourly profiles */
async function readNoise(duck: SectionInput['ctx']['lake'], has: SectionInput['has']): Promise<NoiseData> {
  const windows = await noiseWindows(duck);
  const withArrondissements = windows !== null && (await has(noiseIndicatorsArrondissementDaily.name));
  const sensorRows = await rows(
    duck,
    `SELECT sensor_id, name, lon, lat, commune_insee, arrondissement_insee, noise_source, sonometer_class, first_seen, last_seen
     FROM ${sensorsDataset.name} WHERE in_metropole AND commune_insee IS NOT NULL ORDER BY commune_insee, sensor_id`,
  );
  const yearly = await yearlyBySensor(duck);
  const span = spanWords(windows?.period ?? null, PERIOD_DAYS);
  if (!windows) {
    const none = <K, V>() => new Map<K, V>();
    return { windows, withArrondissements, levels: none(), areaLevels: none(), shares: none(), sensorRows, perSensor: none(), yearly, quality: none(), daily: none(), areaDaily: none(), profiles: none(), profilePeriod: null, span };
  }
  const chartDays = { from: addDays(windows.period.to, 1 - CHART_DAYS), to: windows.period.to };
  return {
    windows,
    withArrondissements,
    levels: await levelAggregates(duck, windows, COMMUNE_SOURCE),
    areaLevels: withArrondissements ? await levelAggregates(duck, windows, ARRONDISSEMENT_SOURCE) : new Map<string, Map<string, Row>>(),
    shares: await shareAggregates(duck, windows),
    sensorRows,
    perSensor: await sensorAggregates(duck, windows.period),
    yearly,
    // the quality control's counts per sensor over the period (stored per day: the site reads no readings)
    quality: (await has(noiseQualityDaily.name)) ? await qualityBySensor(duck, windows.period) : new Map<string, Row>(),
    daily: await dailySeries(duck, chartDays, COMMUNE_SOURCE),
    areaDaily: withArrondissements ? await dailySeries(duck, chartDays, ARRONDISSEMENT_SOURCE) : new Map<string, Daily>(),
    ...(await readProfiles(duck, windows.period.to)),
    span,
  };
}

/** the hourly profiles over their window, and the days they really cover: the first and last day with hourly levels */
async function readProfiles(duck: SectionInput['ctx']['lake'], to: string): Promise<{ profiles: Map<string, Profile>; profilePeriod: Period | null }> {
  const profileWindow = { from: addDays(to, 1 - PROFILE_DAYS), to };
  const profiles = await hourlyProfiles(duck, profileWindow);
  const [profileDays] = await rows(duck, `SELECT min(dt) AS first, max(dt) AS last FROM ${noiseIndicatorsHourly.name} WHERE leq IS NOT NULL AND dt BETWEEN '${profileWindow.from}' AND '${profileWindow.to}'`);
  const [profileFirst, profileLast] = [str(profileDays?.first), str(profileDays?.last)];
  return { profiles, profilePeriod: profileFirst && profileLast ? { from: profileFirst, to: profileLast } : null };
}

function aggValue(agg: Aggregates, w: keyof Windows, insee: string, column: string): number | null {
  return num(agg.get(w)?.get(insee)?.[column]);
}

/** against the same days last year when they hold enough data, else against the days before, saying which */
function trendOf(agg: Aggregates, insee: string, column: string, daysColumn: string): Trend | null {
  const enough = (x: Row | undefined) => (x !== undefined && (num(x[daysColumn]) ?? 0) >= TREND_MIN_DAYS ? num(x[column]) : null);
  const recent = enough(agg.get('recent')?.get(insee));
  if (recent === null) return null;
  const against = (['lastYear', 'previous'] as const).find((w) => enough(agg.get(w)?.get(insee)) !== null);
  const before = against ? enough(agg.get(against)?.get(insee)) : null;
  if (!against || before === null) return null;
  return { delta: roundTo(recent - before, 1) ?? 0, window: TREND_WINDOWS[against] };
}

function levelIndicators(agg: Aggregates, insee: string): Indicator[] {
  return [...LEVELS.map((l) => levelIndicator(agg, insee, l, l, EU_NOTE)), levelIndicator(agg, insee, 'lden_fr', 'lden_fr', FR_NOTE)];
}

function levelIndicator(agg: Aggregates, insee: string, id: Level | 'lden_fr', column: string, note: Text): Indicator {
  return {
    id: `noise-${id.replace('_', '-')}`,
    label: LEVEL_LABEL[id],
    unit: 'dB(A)',
    decimals: 1,
    value: roundTo(aggValue(agg, 'period', insee, column), 1),
    trend: trendOf(agg, insee, column, id === 'lden_fr' ? 'days_fr' : 'days'),
    note,
  };
}

function shareIndicator(shares: Aggregates, insee: string, s: Share): Indicator {
  return {
    id: `noise-${s.replace('_', '-')}-share`,
    label: SHARE_LABEL[s],
    unit: '%',
    decimals: 1,
    value: roundTo(aggValue(shares, 'period', insee, s), 1),
    trend: trendOf(shares, insee, s, `${s.startsWith('who') ? 'days_eu' : 'days_fr'}`),
    note: s.startsWith('who') ? EU_NOTE : FR_NOTE,
  };
}

function noiseLayers(communes: SectionInput['communes'], levels: Aggregates, shares: Aggregates, period: Period | null, span: Text): MapLayer[] {
  const layerValues = (agg: Aggregates, column: string, decimals: number) =>
    Object.fromEntries(communes.map((c) => [c.commune_insee, roundTo(aggValue(agg, 'period', c.commune_insee, column), decimals)]));
  return [
    {
      id: 'noise-lden',
      group: 'noise',
      title: text('Lden moyen', 'Mean Lden'),
      short: text('Lden', 'Lden'),
      unit: 'dB(A)',
      decimals: 1,
      description: text(
        `Moyenne énergétique des Lden journaliers de la commune sur ${span.fr}, ${EU_NOTE.fr}. Classes de 5 dB des cartes de bruit stratégiques.`,
        `Energy average of the commune's daily Lden over ${span.en}, ${EU_NOTE.en}. 5 dB classes of the strategic noise maps.`,
      ),
      source: SOURCE,
      period,
      classes: bandClasses([55, 60, 65, 70, 75], 'magma', ''),
      values: layerValues(levels, 'lden', 1),
    },
    {
      id: 'noise-lnight',
      group: 'noise',
      title: text('Lnight moyen', 'Mean Lnight'),
      short: text('Lnight', 'Lnight'),
      unit: 'dB(A)',
      decimals: 1,
      description: text(
        `Moyenne énergétique des Lnight journaliers de la commune sur ${span.fr}, ${EU_NOTE.fr}. Classes de 5 dB des cartes de bruit stratégiques.`,
        `Energy average of the commune's daily Lnight over ${span.en}, ${EU_NOTE.en}. 5 dB classes of the strategic noise maps.`,
      ),
      source: SOURCE,
      period,
      classes: bandClasses([50, 55, 60, 65, 70], 'magma', ''),
      values: layerValues(levels, 'lnight', 1),
    },
    ...SHARES.map(
      (s): MapLayer => ({
        id: `noise-${s.replace('_', '-')}-share`,
        group: 'exceedance',
        title: SHARE_LABEL[s],
        short: SHARE_SHORT[s],
        unit: '%',
        decimals: 1,
        description: shareDescription(s, span),
        source: SOURCE,
        period,
        classes: shareClasses([10, 25, 50, 75], 'ylorrd'),
        values: layerValues(shares, s, 1),
      }),
    ),
  ];
}

function noiseCommuneSection(insee: string, here: Row[], { levels, shares, daily, profiles, profilePeriod, perSensor, yearly, quality, span }: NoiseData): CommuneSection {
  return {
    id: 'noise',
    title: text('Bruit', 'Noise'),
    indicators: [...levelIndicators(levels, insee), ...SHARES.map((s) => shareIndicator(shares, insee, s))],
    charts: [dailyChart(daily.get(insee)), profileChart(profiles.get(insee), profilePeriod)],
    tables: [sensorTable(here, perSensor, yearly, quality, span)],
    facts: coverageFacts(here, perSensor, levels.get('period')?.get(insee)),
  };
}

/** Paris's arrondissements: their levels and sensors, on pages of their own (never among the communes' layers) */
function arrondissementSections({ withArrondissements, sensorRows, areaLevels, areaDaily, perSensor, yearly, quality, span }: NoiseData): Map<string, CommuneSection> {
  const areas = new Map<string, CommuneSection>();
  if (!withArrondissements) return areas;
  for (const a of ARRONDISSEMENTS) {
    const code = a.arrondissement_insee;
    const here = sensorRows.filter((s) => s.arrondissement_insee === code);
    areas.set(code, {
      id: 'noise',
      title: text('Bruit', 'Noise'),
      indicators: levelIndicators(areaLevels, code),
      charts: [dailyChart(areaDaily.get(code))],
      tables: [sensorTable(here, perSensor, yearly, quality, span)],
      facts: coverageFacts(here, perSensor, areaLevels.get('period')?.get(code)),
    });
  }
  return areas;
}

/** the map's sensors, each with its levels over the period */
function sensorPoints(sensorRows: readonly Row[], perSensor: ReadonlyMap<string, Row>, windows: Windows | null) {
  return [
    {
      id: 'noise-sensors',
      kind: 'noise-sensor' as const,
      title: text('Capteurs de bruit', 'Noise sensors'),
      points: sensorRows
        .filter((s) => num(s.lon) !== null && num(s.lat) !== null)
        .map((s) => {
          const a = perSensor.get(String(s.sensor_id));
          const lden = roundTo(num(a?.lden), 1);
          const name = str(s.name) ?? String(s.sensor_id);
          return {
            id: String(s.sensor_id),
            name: str(s.name),
            lon: num(s.lon) ?? NaN,
            lat: num(s.lat) ?? NaN,
            commune_insee: str(s.commune_insee),
            label: Object.fromEntries(
              LANGS.map((l) => [l, `${sensorName(name)[l]} · Lden ${lden === null ? (l === 'fr' ? 'pas de données' : 'no data') : `${formatNumber(l, lden, 1)} dB(A)`}`]),
            ) as unknown as Text,
            properties: {
              sensor_id: String(s.sensor_id),
              name: str(s.name),
              commune_insee: str(s.commune_insee),
              arrondissement_insee: str(s.arrondissement_insee),
              noise_source: str(s.noise_source),
              sonometer_class: str(s.sonometer_class),
              first_seen: s.first_seen instanceof Date ? s.first_seen.toISOString() : null,
              last_seen: s.last_seen instanceof Date ? s.last_seen.toISOString() : null,
              period_from: windows?.period.from ?? null,
              period_to: windows?.period.to ?? null,
              lden: lden,
              lnight: roundTo(num(a?.lnight), 1),
              l50_median: roundTo(num(a?.l50), 1),
              valid_days: num(a?.days_ok),
              mean_coverage: roundTo(num(a?.coverage), 3),
            },
          };
        }),
    },
  ];
}

function shareDescription(s: Share, span: Text): Text {
  const who = s.startsWith('who');
  const night = s.endsWith('night') || s.endsWith('ln');
  const what = night ? text('nuits', 'nights') : text('jours', 'days');
  const limit = who
    ? text('la recommandation de l’OMS (2018) pour la source de bruit du capteur', 'the WHO (2018) guideline for the sensor’s noise source')
    : text('la valeur limite de l’arrêté du 4 avril 2006 pour la source de bruit du capteur', 'the limit value of the arrêté of 4 April 2006 for the sensor’s noise source');
  const note = who ? EU_NOTE : FR_NOTE;
  return text(
    `Part des ${what.fr} (capteur × jour, couverture suffisante) dont le niveau dépasse ${limit.fr}, sur ${span.fr}, ${note.fr}. Indicatif : les valeurs de référence portent sur des moyennes annuelles.`,
    `Share of sensor-${what.en} (with enough coverage) whose level is above ${limit.en}, over ${span.en}, ${note.en}. Indicative: the reference values apply to yearly averages.`,
  );
}

const maxDay = (a: string, b: string) => (a > b ? a : b);

const windowValues = (w: Windows) =>
  (['period', 'recent', 'previous', 'lastYear'] as const).map((k) => `('${k}', ${dateLiteral(w[k].from)}, ${dateLiteral(w[k].to)})`).join(', ');

const energy = (column: string, filter: string) => `10 * log10(avg(pow(10, ${column} / 10)) FILTER (WHERE ${filter}))`;

async function levelAggregates(duck: SectionInput['ctx']['lake'], w: Windows, source: AreaSource): Promise<Aggregates> {
  const r = await rows(
    duck,
    `WITH w(name, d0, d1) AS (VALUES ${windowValues(w)})
     SELECT w.name, c.${source.key} AS area,
       ${LEVELS.map((l) => `${energy(`c.${l}`, "c.convention = 'eu'")} AS ${l}`).join(',\n       ')},
       ${energy('c.lden', "c.convention = 'fr'")} AS lden_fr,
       count(DISTINCT c.day) FILTER (WHERE c.convention = 'eu' AND c.lden IS NOT NULL) AS days,
       count(DISTINCT c.day) FILTER (WHERE c.convention = 'fr' AND c.lden IS NOT NULL) AS days_fr,
       min(c.day) FILTER (WHERE c.convention = 'eu' AND c.lden IS NOT NULL)::VARCHAR AS first_day,
       max(c.day) FILTER (WHERE c.convention = 'eu' AND c.lden IS NOT NULL)::VARCHAR AS last_day
     FROM w JOIN ${source.table} c ON c.day BETWEEN w.d0 AND w.d1
     GROUP BY ALL`,
  );
  return byWindow(r);
}

async function shareAggregates(duck: SectionInput['ctx']['lake'], w: Windows): Promise<Aggregates> {
  const share = (flag: string, convention: string) =>
    `100.0 * count(*) FILTER (WHERE d.convention = '${convention}' AND d.${flag}) / nullif(count(d.${flag}) FILTER (WHERE d.convention = '${convention}'), 0)`;
  const r = await rows(
    duck,
    `WITH w(name, d0, d1) AS (VALUES ${windowValues(w)})
     SELECT w.name, d.commune_insee AS area,
       ${share('who_lden_exceeded', 'eu')} AS who_lden,
       ${share('who_lnight_exceeded', 'eu')} AS who_lnight,
       ${share('fr_lden_exceeded', 'fr')} AS fr_lden,
       ${share('fr_ln_exceeded', 'fr')} AS fr_ln,
       count(DISTINCT d.day) FILTER (WHERE d.convention = 'eu') AS days_eu,
       count(DISTINCT d.day) FILTER (WHERE d.convention = 'fr') AS days_fr
     FROM w JOIN ${noiseIndicatorsDaily.name} d ON d.day BETWEEN w.d0 AND w.d1 AND d.coverage_ok
     WHERE d.commune_insee IS NOT NULL
     GROUP BY ALL`,
  );
  return byWindow(r);
}

function byWindow(r: Row[]): Aggregates {
  const out: Aggregates = new Map();
  for (const row of r) {
    const w = String(row.name);
    const area = out.get(w) ?? new Map<string, Row>();
    out.set(w, area);
    area.set(String(row.area), row);
  }
  return out;
}

/** per sensor over the period (EU periods): levels over the days meeting the coverage threshold */
async function sensorAggregates(duck: SectionInput['ctx']['lake'], p: Period): Promise<Map<string, Row>> {
  const r = await rows(
    duck,
    `SELECT sensor_id,
       ${energy('lden', 'coverage_ok')} AS lden,
       ${energy('lnight', 'coverage_ok')} AS lnight,
       median(l50) FILTER (WHERE coverage_ok) AS l50,
       count(*) FILTER (WHERE coverage_ok) AS days_ok,
       count(*) AS days,
       avg(coverage) AS coverage
     FROM ${noiseIndicatorsDaily.name}
     WHERE convention = 'eu' AND day BETWEEN ${dateLiteral(p.from)} AND ${dateLiteral(p.to)}
     GROUP BY sensor_id`,
  );
  return new Map(r.map((x) => [String(x.sensor_id), x]));
}

async function yearlyBySensor(duck: SectionInput['ctx']['lake']): Promise<Map<string, Row>> {
  const r = await rows(
    duck,
    `SELECT sensor_id, year, lden, ln, coverage FROM ${noiseIndicatorsYearly.name}
     WHERE convention = 'eu' QUALIFY row_number() OVER (PARTITION BY sensor_id ORDER BY year DESC) = 1`,
  );
  return new Map(r.map((x) => [String(x.sensor_id), x]));
}

interface Daily {
  readonly days: string[];
  readonly lden: (number | null)[];
  readonly lnight: (number | null)[];
}

async function dailySeries(duck: SectionInput['ctx']['lake'], p: Period, source: AreaSource): Promise<Map<string, Daily>> {
  const r = await rows(
    duck,
    `SELECT ${source.key} AS area, CAST(day AS VARCHAR) AS day, lden, lnight FROM ${source.table}
     WHERE convention = 'eu' AND day BETWEEN ${dateLiteral(p.from)} AND ${dateLiteral(p.to)}`,
  );
  const byCommune = new Map<string, Map<string, Row>>();
  for (const x of r) {
    const k = String(x.area);
    const byDay = byCommune.get(k) ?? new Map<string, Row>();
    byCommune.set(k, byDay);
    byDay.set(String(x.day), x);
  }
  const out = new Map<string, Daily>();
  for (const [insee, byDay] of byCommune) {
    // the chart starts at the commune's first day in the window: no empty months before it
    const first = [...byDay.keys()].sort()[0] ?? p.to;
    const days = daysBetween(first, p.to);
    out.set(insee, {
      days,
      lden: days.map((d) => roundTo(num(byDay.get(d)?.lden), 1)),
      lnight: days.map((d) => roundTo(num(byDay.get(d)?.lnight), 1)),
    });
  }
  return out;
}

interface Profile {
  readonly weekday: (number | null)[];
  readonly weekend: (number | null)[];
}

async function hourlyProfiles(duck: SectionInput['ctx']['lake'], p: Period): Promise<Map<string, Profile>> {
  const r = await rows(
    duck,
    `SELECT commune_insee, local_hour, isodow(CAST(dt AS DATE)) >= 6 AS weekend, 10 * log10(avg(pow(10, leq / 10))) AS leq
     FROM ${noiseIndicatorsHourly.name}
     WHERE commune_insee IS NOT NULL AND coverage >= ${DEFAULT_COVERAGE_THRESHOLD} AND leq IS NOT NULL
       AND dt BETWEEN '${p.from}' AND '${p.to}'
     GROUP BY ALL`,
  );
  const out = new Map<string, Profile>();
  for (const x of r) {
    const k = String(x.commune_insee);
    const profile = out.get(k) ?? { weekday: Array.from({ length: 24 }, () => null), weekend: Array.from({ length: 24 }, () => null) };
    out.set(k, profile);
    profile[x.weekend ? 'weekend' : 'weekday'][Number(x.local_hour)] = roundTo(num(x.leq), 1);
  }
  return out;
}

function dailyChart(d: Daily | undefined): ChartSpec {
  const days = d?.days ?? [];
  const valid = (v: (number | null)[] | undefined) => (v ?? []).filter((x): x is number => x !== null);
  const ld = valid(d?.lden);
  const ln = valid(d?.lnight);
  const over = (v: (number | null)[] | undefined, limit: number) => valid(v).filter((x) => x > limit).length;
  const summary: Text =
    ld.length === 0
      ? text('Aucune valeur journalière pour cette commune sur la période.', 'No daily value for this commune over the period.')
      : Object.fromEntries(
          LANGS.map((l) => {
            const f = (x: number) => formatNumber(l, x, 1);
            const from = formatDay(l, (days[0] ?? ''));
            const to = formatDay(l, (days.at(-1) ?? ''));
            return [
              l,
              l === 'fr'
                ? `Du ${from} au ${to}, ${ld.length} jours avec une valeur : Lden journalier de ${f(Math.min(...ld))} à ${f(Math.max(...ld))} dB(A), Lnight de ${f(Math.min(...ln))} à ${f(Math.max(...ln))} dB(A). Lnight au-dessus de la recommandation OMS (${WHO_ROAD.lnight} dB(A)) ${over(d?.lnight, WHO_LNIGHT)} nuits, au-dessus de la valeur limite française (${FR_ROAD.lnight} dB(A)) ${over(d?.lnight, FR_LNIGHT)} nuits.`
                : `From ${from} to ${to}, ${ld.length} days with a value: daily Lden from ${f(Math.min(...ld))} to ${f(Math.max(...ld))} dB(A), Lnight from ${f(Math.min(...ln))} to ${f(Math.max(...ln))} dB(A). Lnight above the WHO guideline (${WHO_ROAD.lnight} dB(A)) on ${over(d?.lnight, WHO_LNIGHT)} nights, above the French limit value (${FR_ROAD.lnight} dB(A)) on ${over(d?.lnight, FR_LNIGHT)} nights.`,
            ];
          }),
        ) as unknown as Text;
  return {
    id: 'noise-daily',
    title: text(`Lden et Lnight journaliers (${CHART_DAYS} derniers jours au plus)`, `Daily Lden and Lnight (last ${CHART_DAYS} days at most)`),
    summary,
    x: { kind: 'day', label: text('Jour', 'Day'), values: days },
    y: { label: text('Niveau sonore', 'Sound level'), unit: 'dB(A)', decimals: 1 },
    series: [
      { id: 'lden', label: text('Lden', 'Lden'), values: d?.lden ?? [] },
      { id: 'lnight', label: text('Lnight', 'Lnight'), values: d?.lnight ?? [] },
    ],
    thresholds: [
      { value: WHO_LDEN, kind: 'who', label: text(`OMS Lden ${WHO_ROAD.lden}`, `WHO Lden ${WHO_ROAD.lden}`) },
      { value: WHO_LNIGHT, kind: 'who', label: text(`OMS Lnight ${WHO_ROAD.lnight}`, `WHO Lnight ${WHO_ROAD.lnight}`) },
      { value: FR_LDEN, kind: 'fr', label: text(`Valeur limite Lden ${FR_ROAD.lden}`, `Limit value Lden ${FR_ROAD.lden}`) },
      { value: FR_LNIGHT, kind: 'fr', label: text(`Valeur limite Ln ${FR_ROAD.lnight}`, `Limit value Ln ${FR_ROAD.lnight}`) },
    ],
    source: text(
      `Indicateurs journaliers de la commune, ${EU_NOTE.fr}. Seuils pour le bruit routier : OMS 2018 et arrêté du 4 avril 2006.`,
      `Daily commune indicators, ${EU_NOTE.en}. Thresholds for road traffic noise: WHO 2018 and arrêté of 4 April 2006.`,
    ),
  };
}

const percentOf = (share: number | null): number | null => (share === null ? null : share * 100);

/** the hour whose level beats every other's (the loudest, the quietest), -1 when none has one */
function extremeHour(v: readonly (number | null)[] | undefined, beats: (x: number, best: number) => boolean): number {
  let best = -1;
  let level = 0;
  (v ?? []).forEach((x, h) => {
    if (x !== null && (best < 0 || beats(x, level))) [best, level] = [h, x];
  });
  return best;
}

/** the profile's words: the days it covers, and on weekdays the loudest and the quietest hour */
function profileSummary(p: Profile | undefined, span: Period | null): Text {
  const all = [...(p?.weekday ?? []), ...(p?.weekend ?? [])].filter((x): x is number => x !== null);
  const loudest = (v: (number | null)[] | undefined) => extremeHour(v, (x, best) => x > best);
  const hw = loudest(p?.weekday);
  const quiet = (v: (number | null)[] | undefined) => extremeHour(v, (x, best) => x < best);
  const qw = quiet(p?.weekday);
  return all.length === 0
      ? text('Aucun niveau horaire pour cette commune sur la période.', 'No hourly level for this commune over the period.')
      : text(
          `LAeq horaire moyen selon l’heure locale, en semaine et le week-end${span ? `, du ${formatDay('fr', span.from)} au ${formatDay('fr', span.to)}` : ''}.${hw >= 0 ? ` En semaine, l’heure la plus bruyante est ${hw} h (${formatNumber('fr', p?.weekday[hw] ?? 0, 1)} dB(A)), la plus calme ${qw} h (${formatNumber('fr', p?.weekday[qw] ?? 0, 1)} dB(A)).` : ''}`,
          `Mean hourly LAeq by local hour, on weekdays and at weekends${span ? `, from ${formatDay('en', span.from)} to ${formatDay('en', span.to)}` : ''}.${hw >= 0 ? ` On weekdays the loudest hour is ${hw}:00 (${formatNumber('en', p?.weekday[hw] ?? 0, 1)} dB(A)), the quietest ${qw}:00 (${formatNumber('en', p?.weekday[qw] ?? 0, 1)} dB(A)).` : ''}`,
        );
}

function profileChart(p: Profile | undefined, span: Period | null): ChartSpec {
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const summary = profileSummary(p, span);
  return {
    id: 'noise-hourly-profile',
    title: span
      ? text(`Profil horaire (du ${formatDay('fr', span.from)} au ${formatDay('fr', span.to)})`, `Hourly profile (${formatDay('en', span.from)} to ${formatDay('en', span.to)})`)
      : text(`Profil horaire (${PROFILE_DAYS} derniers jours au plus)`, `Hourly profile (last ${PROFILE_DAYS} days at most)`),
    summary,
    x: { kind: 'hour', label: text('Heure locale', 'Local hour'), values: hours },
    y: { label: text('LAeq horaire', 'Hourly LAeq'), unit: 'dB(A)', decimals: 1 },
    series: [
      { id: 'weekday', label: text('Semaine (lun.–ven.)', 'Weekdays (Mon–Fri)'), values: p?.weekday ?? Array(24).fill(null) },
      { id: 'weekend', label: text('Week-end', 'Weekend'), values: p?.weekend ?? Array(24).fill(null) },
    ],
    source: text(
      `Moyenne énergétique des niveaux horaires des capteurs de la commune (heures couvertes à ${DEFAULT_COVERAGE_THRESHOLD * 100} % au moins).`,
      `Energy average of the hourly levels of the commune's sensors (hours at least ${DEFAULT_COVERAGE_THRESHOLD * 100} % covered).`,
    ),
  };
}

const SOURCE_LABEL: Readonly<Record<NoiseSource, Text>> = {
  road: text('routier', 'road'),
  rail: text('ferroviaire', 'rail'),
  air: text('aérien', 'aircraft'),
  industry: text('industriel', 'industry'),
  mixed: text('mixte', 'mixed'),
  unknown: text('inconnu', 'unknown'),
};

export function noiseSourceLabel(source: string, lang: Lang): string {
  return isNoiseSource(source) ? SOURCE_LABEL[source][lang] : source;
}

/** per sensor over the period: readings, and readings per quality-control flag */
async function qualityBySensor(duck: SectionInput['ctx']['lake'], p: Period): Promise<Map<string, Row>> {
  const r = await rows(
    duck,
    `SELECT sensor_id, sum(readings) AS readings, ${QC_FLAGS.map((f) => `sum(readings_${f}) AS ${f}`).join(', ')}
     FROM ${noiseQualityDaily.name} WHERE day BETWEEN ${dateLiteral(p.from)} AND ${dateLiteral(p.to)} GROUP BY sensor_id`,
  );
  return new Map(r.map((x) => [String(x.sensor_id), x]));
}

const QC_LABEL: Readonly<Record<Exclude<(typeof QC_FLAGS)[number], 'ok'>, Text>> = {
  stuck: text('figé', 'stuck'),
  spike: text('pic', 'spike'),
  range: text('hors plage', 'out of range'),
  clock: text('horloge', 'clock'),
  drift: text('dérive', 'drift'),
};

/** the share of a sensor's readings the quality control set aside, in %, and why (flags by share, largest first) */
export function qualityShare(q: Row | undefined): { share: number | null; why: Text | null } {
  const total = num(q?.readings) ?? 0;
  if (!q || total === 0) return { share: null, why: null };
  const flagged = (Object.keys(QC_LABEL) as (keyof typeof QC_LABEL)[]).map((f) => ({ f, n: num(q[f]) ?? 0 })).filter((x) => x.n > 0).sort((a, b) => b.n - a.n);
  const set = flagged.reduce((t, x) => t + x.n, 0);
  const pct = (n: number) => (100 * n) / total;
  return {
    share: roundTo(pct(set), 1),
    why: flagged.length
      ? Object.fromEntries(LANGS.map((l) => [l, flagged.map((x) => `${QC_LABEL[x.f][l]} ${formatNumber(l, roundTo(pct(x.n), 1) ?? 0, 1)} %`).join(', ')])) as unknown as Text
      : text('aucune', 'none'),
  };
}

function sensorTable(here: Row[], perSensor: Map<string, Row>, yearly: Map<string, Row>, quality: Map<string, Row>, span: Text): TableSpec {
  return {
    id: 'noise-sensors',
    title: text('Capteurs utilisés', 'Sensors used'),
    columns: [
      { id: 'name', label: text('Capteur', 'Sensor'), kind: 'text' },
      { id: 'source', label: text('Source de bruit', 'Noise source'), kind: 'text' },
      { id: 'class', label: text('Classe', 'Class'), kind: 'text' },
      { id: 'lden', label: text('Lden', 'Lden'), kind: 'number', unit: 'dB(A)', decimals: 1 },
      { id: 'lnight', label: text('Lnight', 'Lnight'), kind: 'number', unit: 'dB(A)', decimals: 1 },
      { id: 'l50', label: text('L50 médian', 'Median L50'), kind: 'number', unit: 'dB(A)', decimals: 1 },
      { id: 'days_ok', label: text('Jours valides', 'Valid days'), kind: 'number', decimals: 0 },
      { id: 'coverage', label: text('Couverture', 'Coverage'), kind: 'number', unit: '%', decimals: 0 },
      { id: 'qc_share', label: text('Relevés écartés (contrôle qualité)', 'Readings set aside (quality control)'), kind: 'number', unit: '%', decimals: 1 },
      { id: 'qc_why', label: text('Motifs', 'Reasons'), kind: 'text' },
      { id: 'year_lden', label: text('Lden annuel', 'Yearly Lden'), kind: 'number', unit: 'dB(A)', decimals: 1 },
      { id: 'last_seen', label: text('Dernière mesure', 'Last reading'), kind: 'day' },
      { id: 'sensor_id', label: text('Identifiant', 'Identifier'), kind: 'code' },
    ],
    rows: here.map((s) => {
      const a = perSensor.get(String(s.sensor_id));
      const y = yearly.get(String(s.sensor_id));
      const source = String(s.noise_source);
      const qc = qualityShare(quality.get(String(s.sensor_id)));
      return {
        name: sensorName(str(s.name) ?? String(s.sensor_id)),
        sensor_id: String(s.sensor_id),
        source: SOURCE_LABEL[isNoiseSource(source) ? source : 'unknown'],
        class: str(s.sonometer_class),
        lden: roundTo(num(a?.lden), 1),
        lnight: roundTo(num(a?.lnight), 1),
        l50: roundTo(num(a?.l50), 1),
        days_ok: num(a?.days_ok),
        coverage: roundTo(percentOf(num(a?.coverage)), 0),
        qc_share: qc.share,
        qc_why: qc.why,
        year_lden: roundTo(num(y?.lden), 1),
        last_seen: s.last_seen instanceof Date ? parisDate(new Date(s.last_seen.getTime() - 1)) : null,
      };
    }),
    note: text(
      `Lden, Lnight et L50 : jours dont la couverture atteint ${DEFAULT_COVERAGE_THRESHOLD * 100} % sur ${span.fr}, ${EU_NOTE.fr}. Lden annuel : dernière année civile mesurée, indicateur légal (couverture partielle possible). Les mesures que le contrôle qualité écarte (figé, pic, hors plage, horloge, dérive) n’entrent dans aucun indicateur ; « Relevés écartés » en donne la part sur la même période, et ses motifs.`,
      `Lden, Lnight and L50: days with at least ${DEFAULT_COVERAGE_THRESHOLD * 100} % coverage over ${span.en}, ${EU_NOTE.en}. Yearly Lden: latest calendar year measured, the legal indicator (coverage may be partial). Readings the quality control sets aside (stuck, spike, out of range, clock, drift) enter no indicator; “Readings set aside” gives their share over the same period, and why.`,
    ),
    empty: text('Aucun capteur de bruit dans cette commune.', 'No noise sensor in this commune.'),
  };
}

/** the area's own period: the first and last day with a value of its own in the window (never the Métropole's) */
function areaPeriod(levels: Row | undefined): Period | null {
  const from = str(levels?.first_day);
  const to = str(levels?.last_day);
  return from && to ? { from, to } : null;
}

function coverageFacts(here: Row[], perSensor: Map<string, Row>, levels: Row | undefined): Fact[] {
  const period = areaPeriod(levels);
  const both = (f: (l: Lang) => string): Text => Object.fromEntries(LANGS.map((l) => [l, f(l)])) as unknown as Text;
  const contributing = here.filter((s) => (num(perSensor.get(String(s.sensor_id))?.days_ok) ?? 0) > 0).length;
  const sensorDays = here.map((s) => perSensor.get(String(s.sensor_id))).filter((a): a is Row => a !== undefined);
  const totalDays = sensorDays.reduce((t, a) => t + (num(a.days) ?? 0), 0);
  const okDays = sensorDays.reduce((t, a) => t + (num(a.days_ok) ?? 0), 0);
  const days = num(levels?.days) ?? 0;
  const none = text('pas de données', 'no data');
  return [
    { label: text('Période', 'Period'), value: period ? both((l) => (l === 'fr' ? `du ${formatDay(l, period.from)} au ${formatDay(l, period.to)} (${spanWords(period, PERIOD_DAYS).fr})` : `${formatDay(l, period.from)} to ${formatDay(l, period.to)} (${spanWords(period, PERIOD_DAYS).en})`)) : none },
    { label: text('Jours avec une valeur communale', 'Days with a commune value'), value: both((l) => formatNumber(l, days, 0)) },
    {
      label: text('Capteurs', 'Sensors'),
      value: both((l) => (l === 'fr' ? `${here.length} dans la commune, ${contributing} avec au moins un jour valide` : `${here.length} in the commune, ${contributing} with at least one valid day`)),
    },
    {
      label: text('Jours-capteurs valides', 'Valid sensor-days'),
      value:
        totalDays === 0
          ? none
          : both((l) => `${formatNumber(l, okDays, 0)} / ${formatNumber(l, totalDays, 0)} (${formatNumber(l, (100 * okDays) / totalDays, 0)} %)`),
    },
    {
      label: text('Règle de couverture', 'Coverage rule'),
      value: text(
        `un jour-capteur compte si ses relevés couvrent au moins ${DEFAULT_COVERAGE_THRESHOLD * 100} % du jour et de chaque période`,
        `a sensor-day counts when its readings cover at least ${DEFAULT_COVERAGE_THRESHOLD * 100} % of the day and of each period`,
      ),
    },
  ];
}

async function nightAlerts(duck: SectionInput['ctx']['lake'], since: string): Promise<Map<string, Alert[]>> {
  const r = await rows(
    duck,
    `SELECT d.commune_insee, CAST(d.day AS VARCHAR) AS day, d.sensor_id, s.name, d.noise_source, d.lnight, d.who_lnight_exceeded AS exceeded
     FROM ${noiseIndicatorsDaily.name} d LEFT JOIN ${sensorsDataset.name} s ON s.sensor_id = d.sensor_id
     WHERE d.convention = 'eu' AND d.coverage_ok AND d.who_lnight_exceeded IS NOT NULL AND d.commune_insee IS NOT NULL
       AND d.day >= ${dateLiteral(since)}
     ORDER BY d.commune_insee, d.day, d.sensor_id`,
  );
  const groups = new Map<string, Row[]>();
  for (const x of r) {
    const k = `${str(x.commune_insee)}|${str(x.day)}`;
    groups.set(k, [...(groups.get(k) ?? []), x]);
  }
  const out = new Map<string, Alert[]>();
  for (const [k, g] of groups) {
    const over = g.filter((x) => x.exceeded === true);
    if (over.length === 0) continue;
    const [insee, day] = k.split('|') as [string, string];
    const worst = over.reduce((a, b) => ((num(b.lnight) ?? 0) > (num(a.lnight) ?? 0) ? b : a));
    const source = String(worst.noise_source);
    const limit = WHO_2018[isNoiseSource(source) ? source : 'unknown'].lnight;
    const level = roundTo(num(worst.lnight), 1);
    const name = str(worst.name) ?? String(worst.sensor_id);
    const { start, end } = localDayBounds(day);
    const alert: Alert = {
      id: `urn:observatoire-grand-paris:alerte:bruit-nuit-oms:${insee}:${day}`,
      kind: 'noise-night-who',
      severity: 'warning',
      start: new Date(start).toISOString(),
      updated: new Date(end).toISOString(),
      title: text(
        `Nuit bruyante le ${formatDay('fr', day)} : ${over.length} capteur${over.length > 1 ? 's' : ''} sur ${g.length} au-dessus de la recommandation OMS`,
        `Noisy night on ${formatDay('en', day)}: ${over.length} sensor${over.length > 1 ? 's' : ''} out of ${g.length} above the WHO guideline`,
      ),
      content: text(
        `Lnight le plus élevé : ${level === null ? '—' : formatNumber('fr', level, 1)} dB(A) au capteur « ${sensorName(name).fr} » (source ${noiseSourceLabel(source, 'fr')}, recommandation OMS : ${limit} dB(A)). Indicatif : la recommandation porte sur une moyenne annuelle.`,
        `Highest Lnight: ${level === null ? '—' : formatNumber('en', level, 1)} dB(A) at sensor “${sensorName(name).en}” (${noiseSourceLabel(source, 'en')} noise, WHO guideline: ${limit} dB(A)). Indicative: the guideline applies to a yearly average.`,
      ),
      value: level,
      threshold: limit,
      unit: 'dB(A)',
    };
    out.set(insee, [...(out.get(insee) ?? []), alert]);
  }
  for (const [k, v] of out) out.set(k, v.sort((a, b) => (a.start < b.start ? 1 : -1)));
  return out;
}

/** the method, with the period the published figures cover (issue 20: periods from the data actually used) */
function noiseMethodology(period: Period | null): MethodBlock[] {
  const span = spanWords(period, PERIOD_DAYS);
  const covered = period ? both((l) => (l === 'fr' ? `du ${formatDay(l, period.from)} au ${formatDay(l, period.to)}, ${span.fr}` : `${formatDay(l, period.from)} to ${formatDay(l, period.to)}, ${span.en}`)) : span;
  return [
    {
      id: 'noise-indicators',
      title: text('Indicateurs de bruit', 'Noise indicators'),
      paragraphs: [
        text(
          'Les niveaux sonores sont des niveaux pondérés A en dB(A). Une moyenne de niveaux est toujours une moyenne énergétique, jamais une moyenne arithmétique des décibels. Chaque jour local (heure de Paris) est découpé en périodes jour, soirée et nuit ; l’indicateur Lden pénalise la soirée de 5 dB et la nuit de 10 dB.',
          'Sound levels are A-weighted levels in dB(A). An average of levels is always an energy average, never an arithmetic mean of decibels. Each local day (Paris time) is split into day, evening and night periods; Lden adds a 5 dB penalty to the evening and 10 dB to the night.',
        ),
        text(
          `Un jour-capteur n’est retenu que si ses relevés couvrent au moins ${DEFAULT_COVERAGE_THRESHOLD * 100} % du jour et de chacune de ses périodes. Le niveau d’une commune un jour donné est la moyenne énergétique des capteurs retenus ce jour-là.`,
          `A sensor-day counts only if its readings cover at least ${DEFAULT_COVERAGE_THRESHOLD * 100} % of the day and of each of its periods. A commune's level on a day is the energy average of the sensors that count that day.`,
        ),
        text(
          `Contrôle qualité : avant tout calcul, chaque mesure est vérifiée sur la journée de son capteur. Sont écartées (conservées dans les données, mais exclues des indicateurs, alertes, carte et prévisions) : les valeurs figées (mêmes LAeq, LAmax et LAS pendant au moins ${QC_THRESHOLDS.stuckSeconds / 60} min), les pics isolés impossibles dans la rue (saut de plus de ${spikeJumpDb(60)} dB en 1 min, ou LAmax inférieur à LAeq), les niveaux hors de ${QC_THRESHOLDS.rangeDb.min}–${QC_THRESHOLDS.rangeDb.max} dB(A), les erreurs d’horloge (mesure datée du futur ou remontant le temps) et les dérives (bruit de fond nocturne à plus de ${QC_THRESHOLDS.driftDb} dB de celui du capteur sur les ${QC_THRESHOLDS.driftReferenceDays} jours précédents). La couverture ne compte que les mesures retenues ; le tableau des capteurs indique la part écartée et pourquoi.`,
          `Quality control: before any computation, each reading is checked against its sensor's day. Set aside (kept in the data, but left out of indicators, alerts, the map and forecasts): stuck values (the same LAeq, LAmax and LAS for at least ${QC_THRESHOLDS.stuckSeconds / 60} min), isolated spikes no street can make (a jump of more than ${spikeJumpDb(60)} dB within 1 min, or LAmax below LAeq), levels outside ${QC_THRESHOLDS.rangeDb.min}–${QC_THRESHOLDS.rangeDb.max} dB(A), clock errors (readings from the future or going back in time) and drift (night background more than ${QC_THRESHOLDS.driftDb} dB away from the sensor's own over the ${QC_THRESHOLDS.driftReferenceDays} days before). Coverage counts only the readings kept; the sensors table shows the share set aside and why.`,
        ),
        text(
          `Carte et chiffres clés : moyenne énergétique des valeurs journalières sur 12 mois glissants (${PERIOD_DAYS} jours jusqu’au dernier jour mesuré) quand les données les couvrent ; les chiffres publiés couvrent ${covered.fr}. Tendance : écart entre les ${TREND_DAYS} derniers jours et les mêmes jours de la semaine un an plus tôt quand les données remontent à un an, sinon les ${TREND_DAYS} jours précédents (la tendance dit laquelle), calculée lorsque chaque fenêtre compte au moins ${TREND_MIN_DAYS} jours avec une valeur. Médiane métropolitaine : médiane des communes ayant une valeur. Une commune sans donnée est affichée « pas de données », jamais zéro.`,
          `Map and key figures: energy average of the daily values over a rolling 12 months (${PERIOD_DAYS} days up to the latest measured day) where the data cover them; the published figures cover ${covered.en}. Trend: difference between the last ${TREND_DAYS} days and the same weekdays a year earlier where the data go back a year, else the ${TREND_DAYS} days before (the trend says which), computed when each window has at least ${TREND_MIN_DAYS} days with a value. Metropolitan median: median of the communes with a value. A commune without data shows “no data”, never zero.`,
        ),
      ],
      formulas: [
        { label: text('Niveau équivalent (moyenne énergétique)', 'Equivalent level (energy average)'), expression: 'Leq = 10 · log10( Σ tᵢ · 10^(Lᵢ/10) / Σ tᵢ )' },
        {
          label: text('Niveau jour-soir-nuit', 'Day-evening-night level'),
          expression: `Lden = 10 · log10( (${EU.hours.day} · 10^(Ld/10) + ${EU.hours.evening} · 10^((Le+5)/10) + ${EU.hours.night} · 10^((Ln+10)/10)) / 24 )`,
        },
        {
          label: text(
            'Niveaux statistiques : niveau dépassé 10, 50 et 90 % du temps (Pn : n-ième centile des niveaux échantillonnés du jour)',
            'Statistical levels: level exceeded 10, 50 and 90 % of the time (Pn: n-th percentile of the day’s sampled levels)',
          ),
          expression: 'L10 = P90 · L50 = P50 · L90 = P10',
        },
      ],
      tables: [
        noisePeriodsTable(),
        noiseThresholdsTable(),
      ],
    },
  ];
}

/** the day, evening and night periods of the two conventions */
function noisePeriodsTable(): TableSpec {
  return {
    id: 'noise-periods',
    title: text('Périodes jour / soirée / nuit (heure locale)', 'Day / evening / night periods (local time)'),
    columns: [
      { id: 'convention', label: text('Convention', 'Convention'), kind: 'text' },
      { id: 'day', label: text('Jour', 'Day'), kind: 'text' },
      { id: 'evening', label: text('Soirée', 'Evening'), kind: 'text' },
      { id: 'night', label: text('Nuit', 'Night'), kind: 'text' },
      { id: 'source', label: text('Texte', 'Legal text'), kind: 'text' },
    ],
    rows: [EU, FR].map((c) => ({
      convention: c.name === 'eu' ? text('européenne (eu)', 'European (eu)') : text('française (fr)', 'French (fr)'),
      day: hours(c.dayStart, c.eveningStart),
      evening: hours(c.eveningStart, c.nightStart),
      night: hours(c.nightStart, c.dayStart),
      // the legal texts' titles in the reader's language (the conventions name them in their own)
      source:
        c.name === 'eu'
          ? text('Directive 2002/49/CE, annexe I (périodes par défaut 07–19, 19–23, 23–07)', 'Directive 2002/49/EC, Annex I (default periods 07–19, 19–23, 23–07)')
          : text(
              'Arrêté du 4 avril 2006 relatif à l’établissement des cartes de bruit et des plans de prévention du bruit dans l’environnement (06–18, 18–22, 22–06)',
              'French order of 4 April 2006 on noise maps and environmental noise prevention plans (06–18, 18–22, 22–06)',
            ),
    })),
    empty: text('—', '—'),
  };
}

/** the WHO's and the French limit values, per noise source */
function noiseThresholdsTable(): TableSpec {
  const sources = ['road', 'rail', 'air', 'industry', 'mixed', 'unknown'] as const;
  return {
    id: 'noise-thresholds',
    title: text('Valeurs de référence par source de bruit, en dB(A)', 'Reference values by noise source, in dB(A)'),
    columns: [
      { id: 'source', label: text('Source de bruit', 'Noise source'), kind: 'text' },
      { id: 'who_lden', label: text('OMS Lden', 'WHO Lden'), kind: 'number', decimals: 0 },
      { id: 'who_lnight', label: text('OMS Lnight', 'WHO Lnight'), kind: 'number', decimals: 0 },
      { id: 'fr_lden', label: text('Valeur limite Lden', 'Limit value Lden'), kind: 'number', decimals: 0 },
      { id: 'fr_ln', label: text('Valeur limite Ln', 'Limit value Ln'), kind: 'number', decimals: 0 },
    ],
    rows: sources.map((s) => ({
      source: SOURCE_LABEL[s],
      who_lden: WHO_2018[s].lden ?? NO_VALUE,
      who_lnight: WHO_2018[s].lnight ?? NO_VALUE,
      fr_lden: FR_LIMITS_2006[s].lden ?? NO_VALUE,
      fr_ln: FR_LIMITS_2006[s].lnight ?? NO_VALUE,
    })),
    note: text(
      'OMS : Lignes directrices relatives au bruit dans l’environnement pour la Région européenne (2018), recommandations fortes. Valeurs limites : arrêté du 4 avril 2006 (art. 7), pris pour l’article R. 572-5 du Code de l’environnement ; le ferroviaire prend les valeurs des lignes conventionnelles, l’aérien n’a pas de valeur Ln. Sources « mixte » et « inconnue » : valeurs du bruit routier, source dominante dans la Métropole. « aucune » : le texte ne fixe pas de valeur. Un niveau dépasse une valeur lorsqu’il lui est strictement supérieur.',
      'WHO: Environmental Noise Guidelines for the European Region (2018), strong recommendations. Limit values: arrêté of 4 April 2006 (art. 7), under article R. 572-5 of the Code de l’environnement; rail takes the values of conventional lines, aircraft noise has no Ln value. “Mixed” and “unknown” sources: road traffic values, the dominant source in the Métropole. “none”: the text sets no value. A level exceeds a value when it is strictly above it.',
    ),
    empty: text('—', '—'),
  };
}
