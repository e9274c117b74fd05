import { riverStations, sensors as sensorsDataset } from '../../datasets/index.ts';
import { HEAT } from '../../domain/heat/thresholds.ts';
import { bandClasses, shareClasses } from '../classes.ts';
import type { ChartSpec, CommuneSection, Indicator, LayerGroup, MapLayer, MethodBlock, SectionInput, SectionOutput, SiteSection, TableSpec } from '../contract.ts';
import { formatInstant, formatNumber, text, type Text } from '../i18n.ts';
import { num, roundTo, rows, str, type Row } from '../sql.ts';
import { both, groupBy, iso } from './common.ts';
import * as words from '../words.ts';

// Forecasts (the « predictions » dataset of the model stages) with their uncertainty, and how well
// each model did against its baselines (« model_evaluations », when present). Only the latest run of
// each model is shown. Commune and département forecasts become charts, map layers (probability of
// exceeding a threshold, or the value) and key figures; sensor and station forecasts a table.

export const PREDICTIONS = 'predictions';
export const MODEL_EVALUATIONS = 'model_evaluations';

const VARIABLES: Readonly<Record<string, Text>> = {
  laeq: text('LAeq horaire', 'Hourly LAeq'),
  lnight_eu: text('Lnight (périodes européennes)', 'Lnight (EU periods)'),
  ln_fr: text('Ln (périodes françaises)', 'Ln (French periods)'),
  lden: text('Lden', 'Lden'),
  flow: text('Débit', 'Discharge'),
  level: text('Hauteur d’eau', 'River stage'),
  heatwave: text('Canicule', 'Heat wave'),
  climate_risk_index: text('Indice de risque climatique', 'Climate-risk index'),
  exposed_population: text('Population exposée', 'Exposed population'),
};
const UNITS: Readonly<Record<string, Text>> = {
  inhabitants: text('hab.', 'inhabitants'),
  'index 0-100': text('indice 0–100', 'index 0–100'),
  '1': text('', ''),
};
const RISK_VARIABLES = new Set(['climate_risk_index', 'exposed_population']);
const THRESHOLDS: Readonly<Record<string, Text>> = {
  who_lnight: text('recommandation OMS', 'WHO guideline'),
  fr_ln: text('valeur limite française', 'French limit value'),
  heatwave_ibm: text('seuils d’alerte canicule', 'heat-wave alert thresholds'),
  flood_threshold: text('seuil de crue', 'flood threshold'),
};
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

const variableLabel = (v: string): Text => VARIABLES[v] ?? words.variableLabel(v);
const unitOf = (u: unknown, lang: 'fr' | 'en'): string => (u === null || u === undefined ? '' : (UNITS[String(u)]?.[lang] ?? String(u)));
const thresholdLabel = (t: string | null): Text => (t ? (THRESHOLDS[t] ?? words.thresholdLabel(t)) : text('', ''));
const SOURCE = text('Modèles de l’observatoire (prévision publiée seulement si évaluée)', 'Observatory models (a forecast is published only with its evaluation)');

export const forecastSection: SiteSection = {
  id: 'forecast',
  title: text('Prévisions', 'Forecasts'),
  requires: [PREDICTIONS],
  build: buildForecast,
};

async function buildForecast({ ctx, communes, has }: SectionInput): Promise<SectionOutput> {
  const duck = ctx.duck;
  const latest = await rows(
    duck,
    `SELECT model, version, run_time, origin_time, target_time, target_end, horizon_hours, entity_kind, entity, variable, unit, value, lower, upper,
       threshold_name, threshold, probability, source, method
     FROM ${PREDICTIONS} QUALIFY run_time = max(run_time) OVER (PARTITION BY model)
     ORDER BY model, entity_kind, entity, variable, threshold_name, target_time`,
  );
  const evaluations = (await has(MODEL_EVALUATIONS))
    ? await rows(
        duck,
        `SELECT model, version, target, predictor, is_baseline, metric, reference, value, n, beats_baseline, evaluated_at FROM ${MODEL_EVALUATIONS}
         WHERE horizon_hours IS NULL AND metric <> 'reliability' QUALIFY evaluated_at = max(evaluated_at) OVER (PARTITION BY model, version)
         ORDER BY model, target, metric, is_baseline, predictor`,
      )
    : [];
  const sensorNames = (await has(sensorsDataset.name))
    ? new Map((await rows(duck, `SELECT sensor_id, name, commune_insee FROM ${sensorsDataset.name}`)).map((r) => [String(r.sensor_id), r]))
    : new Map<string, Row>();
  const stationRows = (await has(riverStations.name))
    ? new Map((await rows(duck, `SELECT station_code, label, commune_insee FROM ${riverStations.name}`)).map((r) => [String(r.station_code), r]))
    : new Map<string, Row>();

  const stationNames = new Map([...stationRows].filter(([, r]) => str(r.label)).map(([code, r]) => [code, str(r.label)!]));
  const seriesKey = (r: Row) => `${r.model}|${r.entity_kind}|${r.entity}|${r.variable}|${str(r.threshold_name) ?? ''}`;
  const series = groupBy(latest, seriesKey);
  const first = (list: readonly Row[]) => list[0]!;

  // map layers: commune forecasts at their first target
  const layers: MapLayer[] = [];
  const communeSeries = [...series.values()].filter((l) => first(l).entity_kind === 'commune');
  for (const [key, list] of groupBy(communeSeries, (l) => `${first(l).model}|${first(l).variable}|${str(first(l).threshold_name) ?? ''}`)) {
    const f = first(list[0]!);
    const variable = String(f.variable);
    const probability = f.probability !== null && f.probability !== undefined;
    const byCommune = new Map(list.map((l) => [String(first(l).entity), first(l)]));
    const values = Object.fromEntries(
      communes.map((c) => {
        const r = byCommune.get(c.commune_insee);
        return [c.commune_insee, r ? roundTo(probability ? (num(r.probability) === null ? null : num(r.probability)! * 100) : num(r.value), 1) : null];
      }),
    );
    const group: LayerGroup = RISK_VARIABLES.has(variable) ? 'risk' : 'forecast';
    const range = Object.values(values).filter((v): v is number => v !== null);
    const target = iso(f.target_time)!;
    layers.push({
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
          ? `Modèle « ${words.modelLabel(String(f.model))[l]} »${f.source === 'baseline' ? ` (prévision de référence, ${words.methodLabel(str(f.method))[l]} : le modèle ne la bat pas)` : ''}, échéance ${formatInstant(l, target)}, émise le ${formatInstant(l, iso(f.run_time)!)}.`
          : `Model “${words.modelLabel(String(f.model))[l]}”${f.source === 'baseline' ? ` (baseline forecast, ${words.methodLabel(str(f.method))[l]}: the model does not beat it)` : ''}, target ${formatInstant(l, target)}, issued ${formatInstant(l, iso(f.run_time)!)}.`,
      ),
      source: SOURCE,
      period: { from: target.slice(0, 10), to: (iso(f.target_end) ?? target).slice(0, 10) },
      classes: probability ? shareClasses([10, 25, 50, 75], 'ylorrd') : variable === 'climate_risk_index' ? bandClasses([20, 40, 60, 80], 'ylorrd', '') : equalBands(range),
      values,
    });
  }

  const evaluationTable = (models: readonly string[]): TableSpec => skillTable(evaluations.filter((e) => models.includes(String(e.model))), stationNames);

  const communeSections = new Map<string, CommuneSection>();
  for (const c of communes) {
    const heatStation = HEAT.departements[c.departement]?.reference_station;
    const own = [...series.values()].filter((l) => {
      const f = first(l);
      const entity = String(f.entity);
      if (f.entity_kind === 'commune') return entity === c.commune_insee;
      if (f.entity_kind === 'departement') return entity === c.departement;
      // a river gauge in the commune, or the weather station the commune's heat indicators come from
      if (f.entity_kind === 'station') return str(stationRows.get(entity)?.commune_insee) === c.commune_insee || (!stationRows.has(entity) && entity === heatStation);
      return false;
    });
    const located = [...series.values()].filter((l) => {
      const f = first(l);
      return f.entity_kind === 'sensor' && str(sensorNames.get(String(f.entity))?.commune_insee) === c.commune_insee;
    });
    if (own.length === 0 && located.length === 0) continue;
    const models = [...new Set([...own, ...located].map((l) => String(first(l).model)))];
    const charts = groupBy(own, (l) => `${first(l).model}|${first(l).entity_kind}|${first(l).entity}|${first(l).variable}`);
    communeSections.set(c.commune_insee, {
      id: 'forecast',
      title: text('Prévisions', 'Forecasts'),
      indicators: own.filter((l) => first(l).probability !== null && first(l).probability !== undefined).map((l) => probabilityIndicator(first(l), stationNames)),
      charts: [...charts.values()].map((group) => forecastChart(group, stationNames)),
      tables: [...(located.length ? [entityTable(located.map(first), sensorNames)] : []), evaluationTable(models)],
      facts: models.map((m) => {
        const f = first(latest.filter((r) => r.model === m));
        return {
          label: text(`Modèle « ${words.modelLabel(m).fr} »`, `Model “${words.modelLabel(m).en}”`),
          value: both((l) =>
            l === 'fr'
              ? `émis le ${formatInstant(l, iso(f.run_time)!)} avec les données jusqu’au ${formatInstant(l, iso(f.origin_time)!)} ; ${f.source === 'baseline' ? `prévision de référence (${words.methodLabel(str(f.method))[l]}) : le modèle ne la bat pas` : `méthode : ${words.methodLabel(str(f.method))[l]}`}`
              : `issued ${formatInstant(l, iso(f.run_time)!)} with data up to ${formatInstant(l, iso(f.origin_time)!)}; ${f.source === 'baseline' ? `baseline forecast (${words.methodLabel(str(f.method))[l]}): the model does not beat it` : `method: ${words.methodLabel(str(f.method))[l]}`}`,
          ),
        };
      }),
    });
  }

  const [asOf] = await rows(duck, `SELECT max(run_time) AS t FROM ${PREDICTIONS}`);
  return {
    asOf: iso(asOf?.t),
    layers,
    points: [],
    communes: communeSections,
    alerts: new Map(),
    downloads: [{ dataset: PREDICTIONS, perCommune: false, recentDays: 31, dayColumn: 'dt' }, ...((await has(MODEL_EVALUATIONS)) ? [{ dataset: MODEL_EVALUATIONS, perCommune: false }] : [])],
    methodology: [modelsMethodology(evaluationTable([...new Set(latest.map((r) => String(r.model)))]))],
  };
}

/** five equal classes over the values' range, on round numbers */
function equalBands(values: readonly number[]) {
  if (values.length === 0) return bandClasses([0], 'ylorrd', '');
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const step = niceStep((hi - lo) / 5 || 1);
  const start = Math.floor(lo / step) * step;
  return bandClasses([1, 2, 3, 4].map((i) => roundTo(start + i * step, 6)!), 'ylorrd', '', step < 1 ? 1 : 0);
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
}

function probabilityIndicator(r: Row, stationNames: ReadonlyMap<string, string>): Indicator {
  const variable = String(r.variable);
  return {
    id: `forecast-${r.model}-${r.entity_kind}-${variable}-${str(r.threshold_name) ?? ''}`,
    label: both((l) => `${l === 'fr' ? 'Probabilité de dépasser' : 'Probability of exceeding'} ${thresholdLabel(str(r.threshold_name))[l]} (${variableLabel(variable)[l]})`),
    unit: '%',
    decimals: 0,
    value: num(r.probability) === null ? null : roundTo(num(r.probability)! * 100, 0),
    trend: null,
    note: both((l) => `${l === 'fr' ? 'échéance' : 'target'} ${formatInstant(l, iso(r.target_time)!)}${entityName(r, stationNames)[l] ? ` (${entityName(r, stationNames)[l]})` : ''}`),
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
  const f = group[0]![0]!;
  const variable = String(f.variable);
  const targets = [...new Set(group.flatMap((l) => l.map((r) => iso(r.target_time)!)))].sort();
  // the point forecast and interval do not depend on the threshold: take them from the first series
  const main = new Map(group[0]!.map((r) => [iso(r.target_time)!, r]));
  const pick = (column: string, scale = 1) => targets.map((t) => roundTo(num(main.get(t)?.[column]) === null ? null : num(main.get(t)?.[column])! * scale, 2));
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
        ? `${targets.length} échéance${targets.length > 1 ? 's' : ''} du ${formatInstant(l, targets[0]!)} au ${formatInstant(l, targets[targets.length - 1]!)} ; ${probabilityOnly ? 'probabilité' : 'valeur prévue'} de ${range}${probabilityOnly ? '' : ', avec un intervalle de prévision à 90 %'}.`
        : `${targets.length} target${targets.length > 1 ? 's' : ''} from ${formatInstant(l, targets[0]!)} to ${formatInstant(l, targets[targets.length - 1]!)}; ${probabilityOnly ? 'probability' : 'forecast'} from ${range}${probabilityOnly ? '' : ', with a 90 % forecast interval'}.`;
    }),
    x: { kind: 'instant', label: text('Échéance', 'Target time'), values: targets },
    y: { label: probabilityOnly ? text('Probabilité', 'Probability') : variableLabel(variable), unit, decimals: 1, ...(probabilityOnly ? { domain: [0, 100] as const } : {}) },
    series: [{ id: 'value', label: probabilityOnly ? text('Probabilité', 'Probability') : text('Prévision', 'Forecast'), values }],
    bands: probabilityOnly || pick('lower').every((x) => x === null) ? [] : [{ id: 'interval', label: text('Intervalle à 90 %', '90 % interval'), lower: pick('lower'), upper: pick('upper') }],
    thresholds: thresholds.map((r) => {
      const name = str(r.threshold_name) ?? '';
      return {
        value: num(r.threshold)!,
        kind: name.startsWith('who') ? ('who' as const) : name.startsWith('fr') ? ('fr' as const) : ('ref' as const),
        label: both((l) => `${thresholdLabel(name)[l]} ${formatNumber(l, num(r.threshold)!, num(r.threshold)! % 1 ? 2 : 0)}`),
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
        probability: num(r.probability) === null ? (r.threshold_name ? null : noThreshold) : roundTo(num(r.probability)! * 100, 0),
      };
    }),
    note: text('Lorsqu’un modèle ne bat pas sa référence pour une grandeur, la prévision publiée est celle de la référence (voir la performance ci-dessous).', 'When a model does not beat its baseline for a quantity, the published forecast is the baseline’s (see the skill below).'),
    empty: text('Aucune prévision.', 'No forecast.'),
  };
}

/** each model's pooled scores beside its best baseline's: the measured skill */
function skillTable(evaluations: readonly Row[], stationNames: ReadonlyMap<string, string> = new Map()): TableSpec {
  const out: Record<string, string | number | Text | null>[] = [];
  for (const list of groupBy(evaluations, (e) => `${e.model}|${e.version}|${e.target}|${e.metric}`).values()) {
    const model = list.find((e) => !e.is_baseline);
    const baselines = list.filter((e) => e.is_baseline && num(e.value) !== null);
    if (!model) continue;
    const metric = String(model.metric);
    const higherIsBetter = ['nse', 'bss', 'hit_rate'].includes(metric);
    const best = baselines.sort((a, b) => (higherIsBetter ? num(b.value)! - num(a.value)! : num(a.value)! - num(b.value)!))[0];
    const none = text('—', '—');
    const yesNo = (b: boolean) => (b ? text('oui', 'yes') : text('non', 'no'));
    // a skill score is already relative to its reference: above 0, the model does better
    const skill = metric === 'bss';
    const score = num(model.value);
    out.push({
      model: words.modelLabel(String(model.model)),
      target: words.targetLabel(String(model.target), stationNames),
      metric: METRICS[metric] ?? text(metric, metric),
      score: roundTo(score, 3),
      baseline: skill ? (str(model.reference) ? words.methodLabel(str(model.reference)) : none) : best ? words.methodLabel(String(best.predictor)) : none,
      baseline_score: skill ? none : (roundTo(num(best?.value), 3) ?? none),
      beats:
        model.beats_baseline === true || model.beats_baseline === false
          ? yesNo(model.beats_baseline)
          : skill && score !== null
            ? yesNo(score > 0)
            : best && score !== null
              ? yesNo(higherIsBetter ? score > num(best.value)! : score < num(best.value)!)
              : none,
      n: num(model.n),
    });
  }
  return {
    id: 'model-skill',
    title: text('Performance mesurée sur une période mise de côté', 'Skill measured on a held-out period'),
    columns: [
      { id: 'model', label: text('Modèle', 'Model'), kind: 'text' },
      { id: 'target', label: text('Cible', 'Target'), kind: 'text' },
      { id: 'metric', label: text('Score', 'Score'), kind: 'text' },
      { id: 'score', label: text('Modèle', 'Model'), kind: 'number', decimals: 3 },
      { id: 'baseline', label: text('Meilleure référence', 'Best baseline'), kind: 'text' },
      { id: 'baseline_score', label: text('Référence', 'Baseline'), kind: 'number', decimals: 3 },
      { id: 'beats', label: text('Bat la référence', 'Beats the baseline'), kind: 'text' },
      { id: 'n', label: text('Paires', 'Pairs'), kind: 'number', decimals: 0 },
    ],
    rows: out,
    note: text(
      'Scores toutes échéances confondues. Quand un modèle ne bat pas sa meilleure référence, c’est la prévision de la référence qui est publiée.',
      'Scores over all lead times. When a model does not beat its best baseline, the baseline’s forecast is published.',
    ),
    empty: text('Pas encore d’évaluation publiée pour ces modèles.', 'No evaluation published for these models yet.'),
  };
}

function modelsMethodology(table: TableSpec): MethodBlock {
  return {
    id: 'models',
    title: text('Évaluation des modèles', 'Model evaluation'),
    paragraphs: [
      text(
        'Chaque modèle est entraîné sur une fenêtre de données puis évalué sur une période postérieure mise de côté, face à des prévisions de référence simples (persistance, même heure la semaine précédente, moyenne par heure de la semaine, climatologie). Les prévisions donnent une valeur centrale et un intervalle à 90 % ; pour un seuil, une probabilité de dépassement.',
        'Each model is trained on a window of data then evaluated on a later held-out period, against simple baseline forecasts (persistence, same hour last week, hour-of-week mean, climatology). Forecasts give a central value and a 90 % interval; for a threshold, an exceedance probability.',
      ),
    ],
    formulas: [],
    tables: [table],
  };
}
