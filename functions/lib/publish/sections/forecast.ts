import { riverStations, sensors as sensorsDataset } from '../../datasets/index.ts';
import { HEAT } from '../../domain/heat/thresholds.ts';
import { bandClasses, shareClasses } from '../classes.ts';
import type { ChartSpec, CommuneSection, Indicator, LayerGroup, MapLayer, MethodBlock, SectionInput, SectionOutput, SiteSection, TableSpec } from '../contract.ts';
import { FRESHNESS_HOURS, lakeClock } from '../../models/freshness.ts';
import { formatInstant, formatNumber, text, type Lang, type Text } from '../i18n.ts';
import { num, roundTo, rows, str, type Row } from '../sql.ts';
import { both, groupBy, iso } from './common.ts';
import * as words from '../words.ts';

// Forecasts (the « predictions » dataset of the model stages) with their uncertainty, and how well
// each model did against its baselines (« model_evaluations », when present). Only the latest run of
// each model is shown, and only when fresh: a run whose origin is older than the model's freshness limit
// (models/freshness.ts) is replaced by a sentence saying why. "Now" is the wall clock, or on a demo lake
// the demo clock of lake.json. Commune and département forecasts become charts, map layers (probability
// of exceeding a threshold, or the value) and key figures; sensor and station forecasts a table. Pages
// name models and methods in public words (../words.ts), never by key or version.

export const PREDICTIONS = 'predictions';
export const MODEL_EVALUATIONS = 'model_evaluations';

const UNITS: Readonly<Record<string, Text>> = {
  inhabitants: text('hab.', 'inhabitants'),
  'index 0-100': text('indice 0–100', 'index 0–100'),
  '1': text('', ''),
};
const RISK_VARIABLES = new Set(['climate_risk_index', 'exposed_population']);
/** quantities that cannot go below zero: a forecast band is clipped there */
const NON_NEGATIVE = new Set(['level', 'flow', 'laeq', 'lnight_eu', 'ln_fr', 'climate_risk_index', 'exposed_population']);
const METRICS: Readonly<Record<string, Text>> = {
  mae: text('erreur absolue moyenne', 'mean absolute error'),
  rmse: text('racine de l’erreur quadratique moyenne', 'root mean square error'),
  nse: text('Nash–Sutcliffe', 'Nash–Sutcliffe'),
  brier: text('score de Brier', 'Brier score'),
  bss: text('score de compétence de Brier', 'Brier skill score'),
  hit_rate: text('taux de détection', 'hit rate'),
  false_alarm_ratio: text('taux de fausses alertes', 'false alarm ratio'),
  false_alarm_rate: text('fréquence de fausses alertes', 'false alarm rate'),
};

const HAZARDS: Readonly<Record<string, Text>> = { heat: text('canicule', 'heat wave'), flood: text('crue', 'flood') };

// the public wording of keys lives in one place: ../words.ts
const modelName = words.modelLabel;
const methodName = words.methodLabel;
const variableLabel = words.variableLabel;
/** the freshness limit of a model (a model the observatory does not know: a day) */
const limitHours = (m: string): number => FRESHNESS_HOURS[m] ?? 24;
const duration = (l: Lang, hours: number): string =>
  hours % 24 === 0 ? `${hours / 24} ${l === 'fr' ? 'jour' : 'day'}${hours / 24 > 1 ? 's' : ''}` : `${formatNumber(l, hours, 0)} h`;

/** the components of a climate-risk row's method « index(heat=…,flood=…) » */
export function riskComponents(method: string): { hazard: string; method: string | null }[] {
  const inner = /^index\((.*)\)$/.exec(method)?.[1] ?? '';
  return inner
    .split(',')
    .map((p) => p.split('='))
    .filter((p) => p.length === 2)
    .map(([hazard, m]) => ({ hazard: must(hazard, 'hazard'), method: m === 'none' ? null : must(m, 'method') }));
}

/** how a model's published forecast was made, in a sentence */
function howMade(l: Lang, rows: readonly Row[]): string {
  const f = first(rows);
  if (f.model === 'climate-risk') {
    const parts = riskComponents(String(f.method)).map(({ hazard, method }) => {
      const name = (HAZARDS[hazard] ?? text(hazard, hazard))[l];
      if (method === null) return l === 'fr' ? `${name} : non disponible dans ce calcul` : `${name}: not available in this run`;
      return `${name} : ${methodName(method)[l]}`.replace(' : ', l === 'fr' ? ' : ' : ': ');
    });
    return l === 'fr'
      ? `indice calculé par une formule (voir la méthodologie) à partir des prévisions de ce même calcul — ${parts.join(' ; ')}`
      : `an index computed by a formula (see the methodology) from the forecasts of this same run — ${parts.join('; ')}`;
  }
  const byVariable = groupBy(rows, (r) => `${str(r.variable)}|${str(r.source)}|${str(r.method)}`);
  return [...byVariable.values()]
    .map((list) => {
      const r = first(list);
      const what = variableLabel(String(r.variable))[l];
      const method = methodName(String(r.method))[l];
      if (r.source === 'model') return l === 'fr' ? `${what} : ${method}, meilleure que la meilleure référence sur la période de test` : `${what}: ${method}, better than the best baseline on the test period`;
      if (r.version === 'baseline') {
        return l === 'fr'
          ? `${what} : prévision de référence (${method}) — pas encore assez d’historique pour entraîner un modèle`
          : `${what}: baseline forecast (${method}) — not yet enough history to train a model`;
      }
      return l === 'fr'
        ? `${what} : prévision de référence (${method}), la meilleure sur la période de test — le modèle entraîné ne fait pas mieux`
        : `${what}: baseline forecast (${method}), the best on the test period — the trained model does no better`;
    })
    .join(l === 'fr' ? ' ; ' : '; ');
}

/** why a model's latest forecast is not shown */
function staleSentence(l: Lang, model: string, origin: string, now: string, demo: boolean): string {
  const name = modelName(model)[l];
  const limit = duration(l, limitHours(model));
  const clock = demo ? (l === 'fr' ? ' (horloge de démonstration)' : ' (demo clock)') : '';
  return l === 'fr'
    ? `${name} : prévision non publiée — les dernières données datent du ${formatInstant(l, origin)}, plus de ${limit} avant le ${formatInstant(l, now)}${clock}.`
    : `${name}: forecast not published — the latest data date from ${formatInstant(l, origin)}, more than ${limit} before ${formatInstant(l, now)}${clock}.`;
}
const unitOf = (u: unknown, lang: 'fr' | 'en'): string => {
  const unit = str(u);
  return unit === null ? '' : (UNITS[unit]?.[lang] ?? unit);
};
const thresholdLabel = words.thresholdLabel;
const SOURCE = text('Modèles de l’observatoire (prévision publiée seulement si évaluée)', 'Observatory models (a forecast is published only with its evaluation)');

export const forecastSection: SiteSection = {
  id: 'forecast',
  title: text('Prévisions', 'Forecasts'),
  requires: [PREDICTIONS],
  build: buildForecast,
};

interface ForecastData {
  clock: Awaited<ReturnType<typeof lakeClock>>;
  nowIso: string;
  /** every model's latest run, and those of them fresh enough to show */
  runs: Row[];
  latest: Row[];
  /** the stale models, with their latest origin */
  stale: Map<string, string>;
  evaluations: Row[];
  sensorNames: Map<string, Row>;
  stationRows: Map<string, Row>;
  stationNames: Map<string, string>;
  /** the fresh runs by model, entity, variable and threshold */
  series: Map<string, Row[]>;
}

/** a value the data always hold, checked: the first row of a group, the time of a prediction */
function must<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`forecast section: no ${what}`);
  return v;
}
const first = (list: readonly Row[]): Row => must(list[0], 'row in a group');
const instant = (v: unknown, what: string): string => must(iso(v), what);

async function buildForecast({ ctx, communes, has }: SectionInput): Promise<SectionOutput> {
  const data = await readForecast(ctx, has);
  const { runs, latest, stale, evaluations, stationNames, nowIso, clock } = data;
  const communeSections = new Map<string, CommuneSection>();
  for (const c of communes) {
    const section = forecastCommuneSection(c, data);
    if (section) communeSections.set(c.commune_insee, section);
  }

  const asOf = latest.length ? latest.map((r) => instant(r.run_time, 'run time')).reduce((a, b) => (a > b ? a : b)) : null;
  const shown = [...new Set(latest.map((r) => String(r.model)))];
  return {
    asOf,
    layers: forecastLayers(communes, data.series),
    points: [],
    communes: communeSections,
    alerts: new Map(),
    downloads: [{ dataset: PREDICTIONS, perCommune: false }, ...((await has(MODEL_EVALUATIONS)) ? [{ dataset: MODEL_EVALUATIONS, perCommune: false }] : [])],
    methodology: [
      modelsMethodology(
        [
          evaluationTable(data, [...new Set(runs.map((r) => String(r.model)))]),
          coverageTable(evaluations),
          reliabilityTable(evaluations, stationNames),
        ],
        [...stale].map(([m, o]) => both((l) => staleSentence(l, m, o, nowIso, clock.demo))),
        shown,
      ),
    ],
  };
}

/** the models' latest runs, which of them are stale, their evaluations, and the names of the sensors and stations they forecast */
async function readForecast(ctx: SectionInput['ctx'], has: SectionInput['has']): Promise<ForecastData> {
  const duck = ctx.lake;
  const clock = await lakeClock(ctx.store, ctx.now());
  const nowIso = clock.now.toISOString();
  const runs = await rows(
    duck,
    `SELECT model, version, run_time, origin_time, target_time, target_end, horizon_hours, entity_kind, entity, variable, unit, value, lower, upper,
       threshold_name, threshold, probability, source, method
     FROM ${PREDICTIONS} QUALIFY run_time = max(run_time) OVER (PARTITION BY model)
     ORDER BY model, entity_kind, entity, variable, threshold_name, target_time`,
  );
  const { stale, latest } = freshRuns(runs, clock.now);
  const evaluations = (await has(MODEL_EVALUATIONS))
    ? await rows(
        duck,
        `SELECT model, version, target, predictor, is_baseline, metric, reference, bin_from, bin_to, value, n, beats_baseline, evaluated_at FROM ${MODEL_EVALUATIONS}
         WHERE horizon_hours IS NULL AND data = 'lake' QUALIFY evaluated_at = max(evaluated_at) OVER (PARTITION BY model)
         ORDER BY model, target, metric, is_baseline, predictor, bin_from`,
      )
    : [];
  const sensorNames = (await has(sensorsDataset.name))
    ? new Map((await rows(duck, `SELECT sensor_id, name, commune_insee FROM ${sensorsDataset.name}`)).map((r) => [String(r.sensor_id), r]))
    : new Map<string, Row>();
  const stationRows = (await has(riverStations.name))
    ? new Map((await rows(duck, `SELECT station_code, label, commune_insee FROM ${riverStations.name}`)).map((r) => [String(r.station_code), r]))
    : new Map<string, Row>();

  const stationNames = namesOfStations(stationRows);
  const seriesKey = (r: Row) => `${str(r.model)}|${str(r.entity_kind)}|${str(r.entity)}|${str(r.variable)}|${str(r.threshold_name) ?? ''}`;
  // river_proximity is the index's exposure factor, kept in the dataset to recompute it, not a forecast
  const series = groupBy(
    latest.filter((r) => r.variable !== 'river_proximity'),
    seriesKey,
  );
  return { clock, nowIso, runs, latest, stale, evaluations, sensorNames, stationRows, stationNames, series };
}

/** a model's latest run is shown only while its origin is within the model's freshness limit */
function freshRuns(runs: Row[], now: Date): { stale: Map<string, string>; latest: Row[] } {
  const originOf = new Map<string, string>();
  for (const r of runs) {
    const o = instant(r.origin_time, 'origin time');
    if ((originOf.get(String(r.model)) ?? '') < o) originOf.set(String(r.model), o);
  }
  const stale = new Map([...originOf].filter(([m, o]) => (now.getTime() - Date.parse(o)) / 3_600_000 > limitHours(m)));
  return { stale, latest: runs.filter((r) => !stale.has(String(r.model))) };
}

/** river gauges by their label, weather stations by their name in the heat configuration (PARIS-MONTSOURIS → Paris-Montsouris) */
function namesOfStations(stationRows: ReadonlyMap<string, Row>): Map<string, string> {
  const weatherStations = Object.values(HEAT.departements).map((d) => [d.reference_station, d.reference_name.toLowerCase().replace(/(^|[-\s])\p{L}/gu, (m) => m.toUpperCase())] as const);
  const gauges = [...stationRows].flatMap(([code, r]) => {
    const label = str(r.label);
    return label ? [[code, label] as const] : [];
  });
  return new Map([...weatherStations, ...gauges]);
}

function evaluationTable({ evaluations, stationNames }: ForecastData, models: readonly string[]): TableSpec {
  return skillTable(evaluations.filter((e) => models.includes(String(e.model))), stationNames);
}

/** map layers: commune forecasts at their first target */
function forecastLayers(communes: SectionInput['communes'], series: ReadonlyMap<string, Row[]>): MapLayer[] {
  const communeSeries = [...series.values()].filter((l) => first(l).entity_kind === 'commune');
  return [...groupBy(communeSeries, (l) => `${str(first(l).model)}|${str(first(l).variable)}|${str(first(l).threshold_name) ?? ''}`)].map(([key, list]) => forecastLayer(communes, key, list));
}

function forecastLayer(communes: SectionInput['communes'], key: string, list: Row[][]): MapLayer {
  const f = first(must(list[0], 'series'));
  const variable = String(f.variable);
  const probability = f.probability !== null && f.probability !== undefined;
  const byCommune = new Map(list.map((l) => [String(first(l).entity), first(l)]));
  const values = Object.fromEntries(
    communes.map((c) => {
      const r = byCommune.get(c.commune_insee);
      return [c.commune_insee, r ? roundTo(probability ? percent(num(r.probability)) : num(r.value), 1) : null];
    }),
  );
  const group: LayerGroup = RISK_VARIABLES.has(variable) ? 'risk' : 'forecast';
  const range = Object.values(values).filter((v): v is number => v !== null);
  const target = instant(f.target_time, 'target time');
  const issued = instant(f.run_time, 'run time');
  return {
    id: `forecast-${key.replaceAll('|', '-').replace(/-$/, '').replace(/[^\w-]/g, '_')}`,
    group,
    title: probability
      ? both((l) => `${l === 'fr' ? 'Probabilité de dépasser' : 'Probability of exceeding'} ${thresholdLabel(str(f.threshold_name))[l]} : ${variableLabel(variable)[l]}`)
      : both((l) => (group === 'risk' ? variableLabel(variable)[l] : `${l === 'fr' ? 'Prévision' : 'Forecast'} : ${variableLabel(variable)[l]}`)),
    short: probability ? both((l) => `${l === 'fr' ? 'Probabilité' : 'Probability'} ${variableLabel(variable)[l]}`) : variableLabel(variable),
    unit: probability ? '%' : unitOf(f.unit, 'fr'),
    decimals: probability ? 0 : 1,
    description: both((l) =>
      l === 'fr'
        ? `${modelName(String(f.model))[l]} : ${howMade(l, list.map(first))}. Échéance ${formatInstant(l, target)}, émise le ${formatInstant(l, issued)}.`
        : `${modelName(String(f.model))[l]}: ${howMade(l, list.map(first))}. Target ${formatInstant(l, target)}, issued ${formatInstant(l, issued)}.`,
    ),
    source: SOURCE,
    period: { from: target.slice(0, 10), to: (iso(f.target_end) ?? target).slice(0, 10) },
    classes: probability ? shareClasses([10, 25, 50, 75], 'ylorrd') : variable === 'climate_risk_index' ? bandClasses([20, 40, 60, 80], 'ylorrd', '') : equalBands(range),
    values,
  };
}

const percent = (p: number | null): number | null => (p === null ? null : p * 100);

/** the forecasts of a commune: its own (commune, département, stations) and those of the sensors in it */
function forecastCommuneSection(c: SectionInput['communes'][number], data: ForecastData): CommuneSection | null {
  const { runs, series, stale, sensorNames, stationRows, stationNames } = data;
  const heatStation = HEAT.departements[c.departement]?.reference_station;
  const isOwn = (f: Row) => {
    const entity = String(f.entity);
    if (f.entity_kind === 'commune') return entity === c.commune_insee;
    if (f.entity_kind === 'departement') return entity === c.departement;
    // a river gauge in the commune, or the weather station the commune's heat indicators come from
    if (f.entity_kind === 'station') return str(stationRows.get(entity)?.commune_insee) === c.commune_insee || (!stationRows.has(entity) && entity === heatStation);
    return false;
  };
  const isLocated = (f: Row) => f.entity_kind === 'sensor' && str(sensorNames.get(String(f.entity))?.commune_insee) === c.commune_insee;
  const own = [...series.values()].filter((l) => isOwn(first(l)));
  const located = [...series.values()].filter((l) => isLocated(first(l)));
  const staleHere = [...new Set(runs.filter((r) => stale.has(String(r.model))).filter((r) => isOwn(r) || isLocated(r)).map((r) => String(r.model)))];
  if (own.length === 0 && located.length === 0 && staleHere.length === 0) return null;
  const models = [...new Set([...own, ...located].map((l) => String(first(l).model)))];
  const charts = groupBy(own, (l) => `${str(first(l).model)}|${str(first(l).entity_kind)}|${str(first(l).entity)}|${str(first(l).variable)}`);
  return {
    id: 'forecast',
    // the page shows it under its own « Prévisions » heading: this title names the key-figures table, a landmark of its own
    title: text('Prévisions — probabilités', 'Forecasts — probabilities'),
    indicators: own.filter((l) => first(l).probability !== null && first(l).probability !== undefined).map((l) => probabilityIndicator(first(l), stationNames)),
    charts: [...charts.values()].map((group) => forecastChart(group, stationNames)),
    tables: [...(located.length ? [entityTable(located.map(first), sensorNames)] : []), ...(models.length ? [evaluationTable(data, models)] : [])],
    facts: forecastFacts(data, models, staleHere, (r) => isOwn(r) || isLocated(r)),
  };
}

/** the facts under a commune's forecasts: the demo clock, when and how each model's forecast was made, why a stale one is not shown */
function forecastFacts({ clock, nowIso, latest, stale }: ForecastData, models: readonly string[], staleHere: readonly string[], isHere: (r: Row) => boolean) {
  return [
    ...(clock.demo
      ? [
          {
            label: text('Données de démonstration', 'Demo data'),
            value: both((l) =>
              l === 'fr'
                ? `données de démonstration au ${formatInstant(l, nowIso)} : les prévisions sont émises et jugées fraîches à cette date`
                : `demo data as of ${formatInstant(l, nowIso)}: forecasts are issued and judged fresh at that time`,
            ),
          },
        ]
      : []),
    ...models.map((m) => {
      const mine = latest.filter((r) => r.model === m && isHere(r));
      const f = first(mine);
      const run = instant(f.run_time, 'run time');
      const origin = instant(f.origin_time, 'origin time');
      return {
        label: modelName(m),
        value: both((l) =>
          l === 'fr'
            ? `émise le ${formatInstant(l, run)} avec les données jusqu’au ${formatInstant(l, origin)} ; ${howMade(l, mine)}`
            : `issued ${formatInstant(l, run)} with data up to ${formatInstant(l, origin)}; ${howMade(l, mine)}`,
        ),
      };
    }),
    ...staleHere.map((m) => ({ label: modelName(m), value: both((l) => staleSentence(l, m, must(stale.get(m), 'stale origin'), nowIso, clock.demo)) })),
  ];
}

/** five equal classes over the values' range, on round numbers */
function equalBands(values: readonly number[]) {
  if (values.length === 0) return bandClasses([0], 'ylorrd', '');
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const step = niceStep((hi - lo) / 5 || 1);
  const start = Math.floor(lo / step) * step;
  return bandClasses([1, 2, 3, 4].map((i) => must(roundTo(start + i * step, 6), 'class break')), 'ylorrd', '', step < 1 ? 1 : 0);
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

function probabilityIndicator(r: Row, stationNames: ReadonlyMap<string, string>): Indicator {
  const variable = String(r.variable);
  return {
    id: `forecast-${str(r.model)}-${str(r.entity_kind)}-${variable}-${str(r.threshold_name) ?? ''}`,
    label: both((l) => `${l === 'fr' ? 'Probabilité de dépasser' : 'Probability of exceeding'} ${thresholdLabel(str(r.threshold_name))[l]} (${variableLabel(variable)[l]})`),
    unit: '%',
    decimals: 0,
    value: num(r.probability) === null ? null : roundTo(must(num(r.probability), 'probability') * 100, 0),
    trend: null,
    note: both((l) => `${l === 'fr' ? 'échéance' : 'target'} ${formatInstant(l, instant(r.target_time, 'target time'))}${entityName(r, stationNames)[l] ? ` (${entityName(r, stationNames)[l]})` : ''}`),
  };
}

/** where a forecast is for, when not the commune itself: a département, a station (by name when known) */
function entityName(r: Row, stationNames: ReadonlyMap<string, string>): Text {
  const entity = String(r.entity);
  if (r.entity_kind === 'departement') return text(`département ${entity}`, `département ${entity}`);
  if (r.entity_kind === 'station') {
    const name = stationNames.get(entity);
    return name ? text(name, name) : text(`station ${entity}`, `station ${entity}`);
  }
  return text('', '');
}

function forecastChart(group: readonly (readonly Row[])[], stationNames: ReadonlyMap<string, string>): ChartSpec {
  const f = first(must(group[0], 'series'));
  const variable = String(f.variable);
  const targets = [...new Set(group.flatMap((l) => l.map((r) => instant(r.target_time, 'target time'))))].sort();
  // the point forecast and interval do not depend on the threshold: take them from the first series
  const main = new Map(must(group[0], 'series').map((r) => [instant(r.target_time, 'target time'), r]));
  // bands stay within physical limits: no negative river level, flow or sound level, no probability outside 0–1
  const floor = NON_NEGATIVE.has(variable) ? 0 : -Infinity;
  const pick = (column: string, scale = 1) =>
    targets.map((t) => {
      const v = num(main.get(t)?.[column]);
      return roundTo(v === null ? null : Math.max(floor, v) * scale, 2);
    });
  // a forecast of an event (a heat wave) has a probability and no value: the chart shows the probability
  const probabilityOnly = pick('value').every((v) => v === null) && pick('probability').some((v) => v !== null);
  const values = probabilityOnly ? pick('probability', 100) : pick('value');
  const thresholds = probabilityOnly ? [] : [...new Map(group.flatMap((l) => l).filter((r) => num(r.threshold) !== null).map((r) => [num(r.threshold), r])).values()];
  const unit = probabilityOnly ? '%' : unitOf(f.unit, 'fr');
  const v = values.filter((x): x is number => x !== null);
  const where = entityName(f, stationNames);
  return {
    id: `forecast-${String(f.model)}-${String(f.entity_kind)}-${String(f.entity)}-${variable}`.replace(/[^\w-]/g, '_'),
    title: both(
      (l) =>
        `${l === 'fr' ? 'Prévision' : 'Forecast'} : ${probabilityOnly ? (l === 'fr' ? 'probabilité — ' : 'probability — ') : ''}${variableLabel(variable)[l]}${where[l] ? ` (${where[l]})` : ''}`,
    ),
    summary: both((l) => {
      if (v.length === 0) return l === 'fr' ? 'Aucune valeur prévue.' : 'No forecast value.';
      const u = probabilityOnly ? '%' : unitOf(f.unit, l);
      const range = `${formatNumber(l, Math.min(...v), 1)} – ${formatNumber(l, Math.max(...v), 1)}${u ? ` ${u}` : ''}`;
      return l === 'fr'
        ? `${targets.length} échéance${targets.length > 1 ? 's' : ''} du ${formatInstant(l, must(targets[0], 'target'))} au ${formatInstant(l, must(targets.at(-1), 'target'))} ; ${probabilityOnly ? 'probabilité' : 'valeur prévue'} de ${range}${probabilityOnly ? '' : ', avec un intervalle de prévision à 90 %'}.`
        : `${targets.length} target${targets.length > 1 ? 's' : ''} from ${formatInstant(l, must(targets[0], 'target'))} to ${formatInstant(l, must(targets.at(-1), 'target'))}; ${probabilityOnly ? 'probability' : 'forecast'} from ${range}${probabilityOnly ? '' : ', with a 90 % forecast interval'}.`;
    }),
    x: { kind: 'instant', label: text('Échéance', 'Target time'), values: targets },
    y: { label: probabilityOnly ? text('Probabilité', 'Probability') : variableLabel(variable), unit, decimals: 1, ...(probabilityOnly ? { domain: [0, 100] as const } : {}) },
    series: [{ id: 'value', label: probabilityOnly ? text('Probabilité', 'Probability') : text('Prévision', 'Forecast'), values }],
    bands: probabilityOnly || pick('lower').every((x) => x === null) ? [] : [{ id: 'interval', label: text('Intervalle à 90 %', '90 % interval'), lower: pick('lower'), upper: pick('upper') }],
    thresholds: thresholds.map((r) => {
      const name = str(r.threshold_name) ?? '';
      return {
        value: must(num(r.threshold), 'threshold'),
        kind: name.startsWith('who') ? ('who' as const) : name.startsWith('fr') ? ('fr' as const) : ('ref' as const),
        label: both((l) => `${thresholdLabel(name)[l]} ${formatNumber(l, must(num(r.threshold), 'threshold'), must(num(r.threshold), 'threshold') % 1 ? 2 : 0)}`),
      };
    }),
    source: SOURCE,
  };
}

function entityTable(firsts: readonly Row[], sensors: ReadonlyMap<string, Row>): TableSpec {
  const noThreshold = text('—', '—');
  return {
    id: 'forecast-entities',
    title: text('Prévisions par capteur (première échéance)', 'Forecasts per sensor (first target)'),
    columns: [
      { id: 'entity', label: text('Capteur', 'Sensor'), kind: 'text' },
      { id: 'variable', label: text('Grandeur', 'Quantity'), kind: 'text' },
      { id: 'target', label: text('Échéance', 'Target'), kind: 'instant' },
      { id: 'value', label: text('Prévision', 'Forecast'), kind: 'text' },
      { id: 'interval', label: text('Intervalle à 90 %', '90 % interval'), kind: 'text' },
      { id: 'threshold', label: text('Seuil', 'Threshold'), kind: 'text' },
      { id: 'probability', label: text('Probabilité de dépassement', 'Exceedance probability'), kind: 'number', unit: '%', decimals: 0 },
    ],
    rows: firsts.map((r) => {
      const value = num(r.value);
      const lo = num(r.lower);
      const hi = num(r.upper);
      const t = num(r.threshold);
      const withUnit = (l: 'fr' | 'en', v: number) => `${formatNumber(l, v, 1)}${unitOf(r.unit, l) ? ` ${unitOf(r.unit, l)}` : ''}`;
      return {
        entity: words.sensorName(str(sensors.get(String(r.entity))?.name) ?? String(r.entity)),
        variable: variableLabel(String(r.variable)),
        target: iso(r.target_time),
        value: value === null ? null : both((l) => withUnit(l, value)),
        interval: lo === null || hi === null ? null : both((l) => `${formatNumber(l, lo, 1)} – ${withUnit(l, hi)}`),
        threshold: r.threshold_name ? both((l) => `${thresholdLabel(str(r.threshold_name))[l]}${t === null ? '' : ` (${withUnit(l, t)})`}`) : noThreshold,
        probability: num(r.probability) === null ? (r.threshold_name ? null : noThreshold) : roundTo(must(num(r.probability), 'probability') * 100, 0),
      };
    }),
    note: text('Lorsqu’un modèle ne bat pas sa référence pour une grandeur, la prévision publiée est celle de la référence (voir la performance ci-dessous).', 'When a model does not beat its baseline for a quantity, the published forecast is the baseline’s (see the skill below).'),
    empty: text('Aucune prévision.', 'No forecast.'),
  };
}

const NO_EVENT = text('aucun épisode dans la période de test', 'no event in the test period');
/** rows that describe a target rather than score a predictor */
const SIDE_METRICS = new Set(['base_rate', 'coverage_90', 'dm_p_value', 'reliability']);
const HIGHER_IS_BETTER = new Set(['nse', 'bss', 'hit_rate']);

/** a scored target in public words: laeq, lnight_eu>who_lnight, heatwave+2d, level+24h>=5.84, a station code */
export function targetLabel(target: string, stationNames: ReadonlyMap<string, string>): Text {
  const threshold = /^(\w+)>([a-z_]+)$/.exec(target);
  if (threshold) return both((l) => `${variableLabel(must(threshold[1], 'match'))[l]} ${l === 'fr' ? 'au-dessus de la' : 'above the'} ${thresholdLabel(must(threshold[2], 'match'))[l]}`);
  const days = /^(\w+)\+(\d+)d$/.exec(target);
  if (days) return both((l) => `${variableLabel(must(days[1], 'match'))[l]} ${l === 'fr' ? `à J+${days[2]}` : `on day +${days[2]}`}`);
  const hours = /^(\w+)\+(\d+)h>=([\d.]+)$/.exec(target);
  if (hours) return both((l) => `${variableLabel(must(hours[1], 'match'))[l]} ${l === 'fr' ? `à +${hours[2]} h, au moins` : `at +${hours[2]} h, at least`} ${formatNumber(l, Number(hours[3]), 2)}`);
  const crossing = /^(.+)>=([\d.]+)$/.exec(target);
  if (crossing) return both((l) => `${targetLabel(must(crossing[1], 'match'), stationNames)[l]} : ${l === 'fr' ? 'franchissement de' : 'crossing'} ${formatNumber(l, Number(crossing[2]), 2)}`);
  const station = stationNames.get(target);
  if (station) return text(station, station);
  return variableLabel(target);
}

/**
 * Each model's pooled scores beside its best baseline's (the best on that score, named): "beats" is
 * measured against that best baseline only, with the decision's Diebold–Mariano test where there is
 * one. A Brier skill score is given against the best baseline, and not at all when the event never
 * happened in the test period.
 */
const none = text('—', '—');
const yesNo = (b: boolean) => (b ? text('oui', 'yes') : text('non', 'no'));
/** the best baseline on a metric (the highest or the lowest score, by the metric) */
const bestOf = (list: readonly Row[], metric: string) =>
  list.filter((e) => e.is_baseline && num(e.value) !== null).sort((a, b) => (HIGHER_IS_BETTER.has(metric) ? must(num(b.value), 'value') - must(num(a.value), 'value') : must(num(a.value), 'value') - must(num(b.value), 'value')))[0];

/** the Brier skill score row: the skill against the best baseline on the Brier score, nothing else; the verdict is the Brier score's decision (with its significance test) */
function bssRow(list: readonly Row[], brier: readonly Row[], base: Readonly<Record<string, string | number | Text | null>>, noEvent: boolean): Record<string, string | number | Text | null> | undefined {
  const best = bestOf(brier, 'brier');
  const row = list.find((e) => !e.is_baseline && str(e.reference) === (best ? String(best.predictor) : undefined));
  const decision = brier.find((e) => e.predictor === 'model')?.beats_baseline;
  if (noEvent) return { ...base, score: null, baseline: best ? methodName(String(best.predictor)) : none, baseline_score: none, beats: NO_EVENT, p: null, n: num(first(list).n) };
  if (row) return { ...base, score: roundTo(num(row.value), 3), baseline: methodName(String(must(best, 'baseline').predictor)), baseline_score: none, beats: typeof decision === 'boolean' ? yesNo(decision) : none, p: null, n: num(row.n) };
  return undefined;
}

function skillTable(evaluations: readonly Row[], stationNames: ReadonlyMap<string, string>): TableSpec {
  const out: Record<string, string | number | Text | null>[] = [];
  const key = (e: Row) => `${str(e.model)}|${str(e.version)}|${str(e.target)}`;
  const baseRate = new Map(evaluations.filter((e) => e.metric === 'base_rate').map((e) => [key(e), num(e.value)]));
  const dm = new Map(evaluations.filter((e) => e.metric === 'dm_p_value').map((e) => [key(e), e]));
  const scored = evaluations.filter((e) => !SIDE_METRICS.has(String(e.metric)));
  const groups = groupBy(scored, (e) => `${key(e)}|${str(e.metric)}`);
  for (const list of groups.values()) {
    const metric = String(first(list).metric);
    const k = key(first(list));
    const noEvent = baseRate.get(k) === 0;
    const base = { model: modelName(String(first(list).model)), target: targetLabel(String(first(list).target), stationNames), metric: METRICS[metric] ?? text(metric, metric) };
    if (metric === 'bss') {
      const row = bssRow(list, groups.get(`${k}|brier`) ?? [], base, noEvent);
      if (row) out.push(row);
      continue;
    }
    const model = list.find((e) => !e.is_baseline && e.predictor === 'model');
    if (!model) continue;
    const best = bestOf(list, metric);
    const score = num(model.value);
    const decided = model.beats_baseline === true || model.beats_baseline === false;
    const test = decided ? dm.get(k) : undefined;
    out.push({
      ...base,
      score: roundTo(score, 3),
      baseline: best ? methodName(String(best.predictor)) : none,
      baseline_score: roundTo(num(best?.value), 3) ?? none,
      // a verdict only where a decision was taken (its score, with the significance test): another score's
      // comparison could say "yes" where the decision said "no"
      beats: noEvent && metric === 'brier' ? NO_EVENT : decided ? yesNo(model.beats_baseline as boolean) : none,
      p: test ? roundTo(num(test.value), 3) : null,
      n: num(model.n),
    });
  }
  return {
    id: 'model-skill',
    title: text('Performance mesurée sur une période mise de côté', 'Skill measured on a held-out period'),
    columns: [
      { id: 'model', label: text('Prévision', 'Forecast'), kind: 'text' },
      { id: 'target', label: text('Cible', 'Target'), kind: 'text' },
      { id: 'metric', label: text('Score', 'Score'), kind: 'text' },
      { id: 'score', label: text('Modèle', 'Model'), kind: 'number', decimals: 3 },
      { id: 'baseline', label: text('Meilleure référence', 'Best baseline'), kind: 'text' },
      { id: 'baseline_score', label: text('Score de la référence', 'Baseline score'), kind: 'number', decimals: 3 },
      { id: 'beats', label: text('Bat la meilleure référence', 'Beats the best baseline'), kind: 'text' },
      { id: 'p', label: text('p (test de Diebold–Mariano)', 'p (Diebold–Mariano test)'), kind: 'number', decimals: 3 },
      { id: 'n', label: text('Paires', 'Pairs'), kind: 'number', decimals: 0 },
    ],
    rows: out,
    note: text(
      'Scores toutes échéances confondues, comparés à la meilleure des prévisions de référence. Le modèle n’est publié que s’il fait mieux qu’elle sur le score de décision et que l’écart est significatif (test de Diebold–Mariano à 5 %) ; sinon c’est la prévision de cette référence qui est publiée. Les autres scores sont donnés pour information (—).',
      'Scores over all lead times, compared with the best of the baseline forecasts. The model is published only when it does better on the deciding score and the difference is significant (Diebold–Mariano test at 5 %); otherwise that baseline’s forecast is published. The other scores are given for information (—).',
    ),
    empty: text('Pas encore d’évaluation publiée pour ces prévisions.', 'No evaluation published for these forecasts yet.'),
  };
}

/** share of held-out observations inside each predictor's 90 % interval */
function coverageTable(evaluations: readonly Row[]): TableSpec {
  return {
    id: 'model-coverage',
    title: text('Couverture des intervalles à 90 %', 'Coverage of the 90 % intervals'),
    columns: [
      { id: 'model', label: text('Prévision', 'Forecast'), kind: 'text' },
      { id: 'predictor', label: text('Méthode', 'Method'), kind: 'text' },
      { id: 'coverage', label: text('Observations dans l’intervalle', 'Observations inside the interval'), kind: 'number', unit: '%', decimals: 1 },
      { id: 'n', label: text('Paires', 'Pairs'), kind: 'number', decimals: 0 },
    ],
    rows: evaluations
      .filter((e) => e.metric === 'coverage_90')
      .map((e) => ({ model: modelName(String(e.model)), predictor: methodName(String(e.predictor)), coverage: num(e.value) === null ? null : roundTo(must(num(e.value), 'value') * 100, 1), n: num(e.n) })),
    note: text('Un intervalle à 90 % bien calibré contient environ 90 % des observations de la période de test.', 'A well-calibrated 90 % interval holds about 90 % of the test period’s observations.'),
    empty: text('Pas d’intervalle évalué.', 'No interval evaluated.'),
  };
}

/** reliability of the published probabilities: observed frequency per forecast-probability bin */
function reliabilityTable(evaluations: readonly Row[], stationNames: ReadonlyMap<string, string>): TableSpec {
  return {
    id: 'model-reliability',
    title: text('Fiabilité des probabilités', 'Reliability of the probabilities'),
    columns: [
      { id: 'model', label: text('Prévision', 'Forecast'), kind: 'text' },
      { id: 'target', label: text('Cible', 'Target'), kind: 'text' },
      { id: 'bin', label: text('Probabilité prévue', 'Forecast probability'), kind: 'text' },
      { id: 'observed', label: text('Fréquence observée', 'Observed frequency'), kind: 'number', unit: '%', decimals: 0 },
      { id: 'n', label: text('Cas', 'Cases'), kind: 'number', decimals: 0 },
    ],
    rows: evaluations
      .filter((e) => e.metric === 'reliability' && e.predictor === 'model' && (num(e.n) ?? 0) > 0)
      .map((e) => ({
        model: modelName(String(e.model)),
        target: targetLabel(String(e.target), stationNames),
        bin: both((l) => `${formatNumber(l, must(num(e.bin_from), 'bin_from') * 100, 0)} – ${formatNumber(l, must(num(e.bin_to), 'bin_to') * 100, 0)} %`),
        observed: num(e.value) === null ? null : roundTo(must(num(e.value), 'value') * 100, 0),
        n: num(e.n),
      })),
    note: text('Des probabilités fiables se réalisent aussi souvent qu’elles l’annoncent : 30 % de probabilité, 30 % de cas observés.', 'Reliable probabilities come true as often as they say: 30 % probability, 30 % of cases observed.'),
    empty: text('Pas de probabilité évaluée.', 'No probability evaluated.'),
  };
}

function modelsMethodology(tables: readonly TableSpec[], staleSentences: readonly Text[], shown: readonly string[]): MethodBlock {
  const limits = Object.entries(FRESHNESS_HOURS).map(([m, h]) => both((l) => `${modelName(m)[l]} : ${duration(l, h)}`.replace(' : ', l === 'fr' ? ' : ' : ': ')));
  return {
    id: 'models',
    title: text('Évaluation des modèles', 'Model evaluation'),
    paragraphs: [
      text(
        'Chaque modèle est entraîné sur une fenêtre de données puis évalué sur une période postérieure mise de côté, découpée en plusieurs tranches successives, face à des prévisions de référence simples évaluées sur les mêmes cas : pour le bruit, la même heure la semaine précédente, la moyenne par heure de la semaine, le profil par type de jour et par heure, et ce profil plus l’écart récent qui s’estompe ; pour la Seine, la persistance, la tendance du dernier jour et une régression linéaire ; pour la canicule, la climatologie, la climatologie conditionnelle et la persistance. Les prévisions donnent une valeur centrale et un intervalle à 90 % ; pour un seuil, une probabilité de dépassement.',
        'Each model is trained on a window of data then evaluated on a later held-out period, cut into successive folds, against simple baseline forecasts scored on the same cases: for noise, the same hour last week, the hour-of-week mean, the day-type × hour profile, and that profile plus a fading recent anomaly; for the Seine, persistence, the last day’s trend and a linear regression; for heat waves, climatology, conditional climatology and persistence. Forecasts give a central value and a 90 % interval; for a threshold, an exceedance probability.',
      ),
      text(
        'Une prévision n’est publiée que tant qu’elle est fraîche : au-delà d’un délai depuis ses dernières données, elle est retirée et la page dit pourquoi.',
        'A forecast is published only while it is fresh: beyond a delay after its latest data, it is withdrawn and the page says why.',
      ),
      ...limits,
      ...(shown.includes('climate-risk')
        ? [
            text(
              'L’indice de risque climatique n’est pas un modèle entraîné : c’est une formule qui combine, pour chaque commune, les probabilités de canicule et de crue d’un même calcul avec la proximité de la Seine ou de la Marne ; une composante absente de ce calcul est dite « non disponible ».',
              'The climate-risk index is not a trained model: it is a formula combining, for each commune, the heat-wave and flood probabilities of one run with the closeness of the Seine or the Marne; a component missing from that run is said to be “not available”.',
            ),
          ]
        : []),
      ...staleSentences,
    ],
    formulas: [{ label: text('Indice de risque climatique', 'Climate-risk index'), expression: 'risk = 100 × [1 − (1 − P_heat) × (1 − proximity × P_flood)],  proximity = exp(−d / 1 km)' }],
    tables: [...tables],
  };
}
