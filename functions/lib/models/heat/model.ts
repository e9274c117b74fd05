import { brier, finiteOrNull } from '../metrics.ts';
import type { Evidence } from '../report.ts';
import { applyScaler, buildMlp, fitMlp, fitScaler, matrix, predictRows, type FitReport, type LayersModel, type Matrix } from '../nn.ts';
import { predictionRow, sourceOf, type PredictionRow } from '../prediction-row.ts';
import { decide, probabilityScores, type Decision, type EvaluationReport, type ProbabilityScores } from '../report.ts';
import type { TfRuntime } from '../runtime.ts';
import { plusDays } from '../../domain/time/holidays.ts';
import { localDayBounds } from '../../domain/time/paris.ts';

// The heat model: the probability that the heat-wave criteria of the alert system (SACS) are met on
// each of the next 3 days at a reference station: IBMn ≥ its threshold and IBMx ≥ its threshold, IBMn
// and IBMx being the means of TN and TX over the day and the two days before (as the heat-indicators
// stage computes them).
//
// Inputs at day d (data up to d only): TN and TX of the last 7 days and IBMn/IBMx of day d, each minus
// its threshold (so a station with other thresholds reads the same), whether the criteria are met on
// d, and the season. One ReLU layer of 16 units, 3 logit outputs, logistic loss, Adam, early stopping
// on the end of the training period. Baselines: climatology (frequency of heat-wave days within ±15
// days of the calendar day, over the training years), conditional (Markov) climatology (the same
// frequency k days after a day in the same state — heat wave or not — within ±15 days of the calendar
// day) and persistence (tomorrow like today: 1 or 0).

export const HEAT_MODEL = 'heat';
export const HEAT_BASELINES = ['climatology', 'markov_climatology', 'persistence'] as const;
export const HEAT_HORIZON_DAYS = 3;
const LAGS = 7;
const CLIMATOLOGY_HALF_WINDOW = 15;

export interface DailyTemperatures {
  /** consecutive local days YYYY-MM-DD */
  readonly days: readonly string[];
  /** °C, NaN when missing or doubtful */
  readonly tn: Float64Array;
  readonly tx: Float64Array;
  readonly ibmnThreshold: number;
  readonly ibmxThreshold: number;
}

export const HEAT_FEATURES: readonly string[] = [
  ...Array.from({ length: LAGS }, (_, k) => `tn_minus_ibmn_threshold_lag${k}d`),
  ...Array.from({ length: LAGS }, (_, k) => `tx_minus_ibmx_threshold_lag${k}d`),
  'ibmn_minus_threshold',
  'ibmx_minus_threshold',
  'heatwave_today',
  'day_of_year_sin',
  'day_of_year_cos',
];

/** IBMn/IBMx of each day (NaN unless the day and the two before are known) and the heat-wave flag (NaN when unknown) */
export function heatwaveFlags(s: DailyTemperatures): { ibmn: Float64Array; ibmx: Float64Array; event: Float64Array } {
  const n = s.days.length;
  const ibmn = new Float64Array(n).fill(NaN);
  const ibmx = new Float64Array(n).fill(NaN);
  const event = new Float64Array(n).fill(NaN);
  for (let d = 2; d < n; d++) {
    ibmn[d] = ((s.tn[d] ?? NaN) + (s.tn[d - 1] ?? NaN) + (s.tn[d - 2] ?? NaN)) / 3;
    ibmx[d] = ((s.tx[d] ?? NaN) + (s.tx[d - 1] ?? NaN) + (s.tx[d - 2] ?? NaN)) / 3;
    if (Number.isFinite((ibmn[d] ?? NaN)) && Number.isFinite((ibmx[d] ?? NaN))) event[d] = (ibmn[d] ?? NaN) >= s.ibmnThreshold && (ibmx[d] ?? NaN) >= s.ibmxThreshold ? 1 : 0;
  }
  return { ibmn, ibmx, event };
}

const dayOfYear = (day: string) => (Date.parse(`${day}T00:00:00Z`) - Date.UTC(Number(day.slice(0, 4)), 0, 1)) / 86_400_000;

/** features at day d; undefined when an input is missing */
export function heatFeatures(s: DailyTemperatures, flags: ReturnType<typeof heatwaveFlags>, d: number): number[] | undefined {
  if (d < LAGS - 1) return undefined;
  const row: number[] = [];
  for (let k = 0; k < LAGS; k++) row.push((s.tn[d - k] ?? NaN) - s.ibmnThreshold);
  for (let k = 0; k < LAGS; k++) row.push((s.tx[d - k] ?? NaN) - s.ibmxThreshold);
  row.push((flags.ibmn[d] ?? NaN) - s.ibmnThreshold, (flags.ibmx[d] ?? NaN) - s.ibmxThreshold, (flags.event[d] ?? NaN));
  const angle = (2 * Math.PI * dayOfYear((s.days[d] ?? ''))) / 365.25;
  row.push(Math.sin(angle), Math.cos(angle));
  return row.every(Number.isFinite) ? row : undefined;
}

/** frequency of heat-wave days within ±15 calendar days of each day of the year, over the given days */
export function climatology(s: DailyTemperatures, event: Float64Array, from: number, until: number): Float64Array {
  const hits = new Float64Array(366);
  const counts = new Float64Array(366);
  for (let d = from; d < until; d++) {
    const e = (event[d] ?? NaN);
    if (!Number.isFinite(e)) continue;
    const doy = Math.floor(dayOfYear((s.days[d] ?? '')));
    hits[doy] = (hits[doy] ?? 0) + e;
    counts[doy] = (counts[doy] ?? 0) + 1;
  }
  const out = new Float64Array(366);
  for (let doy = 0; doy < 366; doy++) {
    let h = 0;
    let c = 0;
    for (let k = -CLIMATOLOGY_HALF_WINDOW; k <= CLIMATOLOGY_HALF_WINDOW; k++) {
      const j = (doy + k + 366) % 366;
      h += (hits[j] ?? NaN);
      c += (counts[j] ?? NaN);
    }
    out[doy] = c ? h / c : 0;
  }
  return out;
}

/**
 * P(heat wave on day d + k | state of day d), by day of year of d (±15 days), over the given days:
 * [k − 1][state 0 or 1][day of year]. A state never seen near a day of year falls back on the climatology.
 */
export function markovClimatology(s: DailyTemperatures, event: Float64Array, from: number, until: number, clim: Float64Array): number[][][] {
  const out: number[][][] = [];
  for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) {
    const hits: [Float64Array, Float64Array] = [new Float64Array(366), new Float64Array(366)];
    const counts: [Float64Array, Float64Array] = [new Float64Array(366), new Float64Array(366)];
    for (let d = from; d + k < until; d++) {
      const e0 = (event[d] ?? NaN);
      const ek = (event[d + k] ?? NaN);
      if (!Number.isFinite(e0) || !Number.isFinite(ek)) continue;
      const doy = Math.floor(dayOfYear((s.days[d] ?? '')));
      if (e0 !== 0 && e0 !== 1) continue;
      hits[e0][doy] = (hits[e0][doy] ?? 0) + ek;
      counts[e0][doy] = (counts[e0][doy] ?? 0) + 1;
    }
    out.push(
      [0, 1].map((state) =>
        Array.from({ length: 366 }, (_, doy) => {
          let h = 0;
          let c = 0;
          for (let j = -CLIMATOLOGY_HALF_WINDOW; j <= CLIMATOLOGY_HALF_WINDOW; j++) {
            const i = (doy + j + 366) % 366;
            h += hits[state]?.[i] ?? 0;
            c += counts[state]?.[i] ?? 0;
          }
          return Number((c ? h / c : (clim[(doy + k) % 366] ?? NaN)).toFixed(6));
        }),
      ),
    );
  }
  return out;
}

import type { HeatPreprocessing } from '../registry-schemas.ts';
export type { HeatPreprocessing };

export interface HeatTrainingResult {
  readonly model: LayersModel;
  readonly preprocessing: HeatPreprocessing;
  readonly report: Omit<EvaluationReport, 'version' | 'backend' | 'evaluated_at' | 'model' | 'data'>;
  readonly fit: FitReport;
  readonly trainRows: number;
  readonly testRows: number;
  /** days with every input (used as forecast origins) and days lacking one, e.g. a missing TN (dropped) */
  readonly origins: { readonly used: number; readonly dropped: number };
  readonly architecture: Record<string, unknown>;
}

/** minimum history: two summers to learn from, and heat-wave days among them */
export const HEAT_MIN_TRAIN_DAYS = 730;
export const HEAT_MIN_EVENTS = 5;

function examplesAt(s: DailyTemperatures, flags: ReturnType<typeof heatwaveFlags>, from: number, until: number, targetsUntil: number) {
  const origins: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const w: number[] = [];
  for (let d = from; d < until; d++) {
    const f = heatFeatures(s, flags, d);
    if (!f) continue;
    origins.push(d);
    x.push(...f);
    for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) {
      const e = d + k < targetsUntil ? (flags.event[d + k] ?? NaN) : NaN;
      y.push(Number.isFinite(e) ? e : 0);
      w.push(Number.isFinite(e) ? 1 : 0);
    }
  }
  const m = (data: number[], cols: number): Matrix => ({ rows: origins.length, cols, data: Float32Array.from(data) });
  return { origins, x: m(x, HEAT_FEATURES.length), y: m(y, HEAT_HORIZON_DAYS), w: m(w, HEAT_HORIZON_DAYS) };
}

export async function trainHeatModel(
  rt: TfRuntime,
  s: DailyTemperatures,
  window: { trainUntil: string },
  options: { seed?: number; epochs?: number } = {},
): Promise<HeatTrainingResult | { skipped: string }> {
  const seed = options.seed ?? 2003;
  const flags = heatwaveFlags(s);
  const trainEnd = s.days.findIndex((d) => d >= window.trainUntil);
  const split = trainEnd < 0 ? s.days.length : trainEnd;
  const known = Array.from(flags.event.subarray(0, split)).filter(Number.isFinite);
  const events = known.filter((e) => e === 1).length;
  if (known.length < HEAT_MIN_TRAIN_DAYS || events < HEAT_MIN_EVENTS) {
    return {
      skipped: `${known.length} days with IBMn/IBMx and ${events} heat-wave day(s) before ${window.trainUntil}; the heat model needs ≥ ${HEAT_MIN_TRAIN_DAYS} days (two summers) with ≥ ${HEAT_MIN_EVENTS} heat-wave days`,
    };
  }
  const train = examplesAt(s, flags, 0, split - 1, split);
  const test = examplesAt(s, flags, split, s.days.length - 1, s.days.length);
  if (test.origins.length < 30) return { skipped: `${test.origins.length} held-out days (need ≥ 30)` };
  const scaler = fitScaler(train.x);
  const xs = applyScaler({ ...train.x, data: train.x.data.slice() }, scaler);
  const cut = Math.floor(train.origins.length * 0.85);
  const part = (m: Matrix, a: number, b: number): Matrix => ({ rows: b - a, cols: m.cols, data: m.data.slice(a * m.cols, b * m.cols) });
  const net = buildMlp(rt.tf, { inputs: HEAT_FEATURES.length, hidden: [16], outputs: HEAT_HORIZON_DAYS, seed });
  const epochs = options.epochs ?? 60;
  const fit = await fitMlp(rt.tf, net, part(xs, 0, cut), part(train.y, 0, cut), {
    epochs,
    batchSize: 64,
    learningRate: 0.003,
    seed,
    loss: 'logistic',
    weights: part(train.w, 0, cut),
    validation: { x: part(xs, cut, xs.rows), y: part(train.y, cut, xs.rows), weights: part(train.w, cut, xs.rows) },
  });
  const clim = climatology(s, flags.event, 0, split);
  const markov = markovClimatology(s, flags.event, 0, split, clim);
  const probs = await predictRows(rt.tf, net, applyScaler({ ...test.x, data: test.x.data.slice() }, scaler), { sigmoid: true });

  const { probabilities, decisions, all, primary } = scoreHeat(s, test.origins, probs, { flags, clim, markov });
  const notes = [
    `heat-wave criteria: IBMn ≥ ${s.ibmnThreshold} °C and IBMx ≥ ${s.ibmxThreshold} °C (3-day means ending on the day)`,
    `${events} heat-wave day(s) in the training period; early stopping kept epoch ${fit.bestEpoch} of ${fit.epochs}`,
  ];
  for (const d of decisions) notes.push(`${d.target} (brier): ${d.reason}`);
  const dayIso = (i: number) => new Date(`${(s.days[Math.min(i, s.days.length - 1)] ?? '')}T00:00:00Z`).toISOString();
  return {
    model: net,
    fit,
    trainRows: train.origins.length,
    testRows: test.origins.length,
    origins: { used: train.origins.length + test.origins.length, dropped: s.days.length - 2 - train.origins.length - test.origins.length },
    architecture: { type: 'mlp', inputs: HEAT_FEATURES.length, hidden: [16], outputs: HEAT_HORIZON_DAYS, activation: 'relu', output: 'logits (sigmoid at prediction)', loss: 'logistic', optimizer: 'adam', learning_rate: 0.003, epochs, batch_size: 64, seed },
    preprocessing: { feature_scaler: scaler, climatology: Array.from(clim, (v) => Number(v.toFixed(6))), markov, ibmn_threshold: s.ibmnThreshold, ibmx_threshold: s.ibmxThreshold },
    report: {
      target: 'heatwave',
      unit: '1',
      train: { from: dayIso(0), until: dayIso(split) },
      test: { from: dayIso(split), until: new Date(Date.parse(`${(s.days[s.days.length - 1] ?? '')}T00:00:00Z`) + 86_400_000).toISOString() },
      primary_metric: 'brier',
      overall: { n: all.n, model: { brier: all.model.brier }, baselines: Object.fromEntries(Object.entries(all.baselines).map(([b, v]) => [b, { brier: v.brier }])) },
      horizons: [],
      probabilities,
      crossings: [],
      folds: monthlyFolds(s, test.origins, probs, pooledByOrigin(test.origins, flags, clim, markov, s)),
      coverage_90: {},
      beats_baseline: primary.beats_baseline,
      best_baseline: primary.best_baseline,
      use: primary.use,
      decisions,
      notes,
    },
  };
}

/** per horizon and pooled: the network's and the baselines' Brier scores on the held-out days, and the decisions */
function scoreHeat(s: DailyTemperatures, origins: readonly number[], probs: Matrix, c: { flags: ReturnType<typeof heatwaveFlags>; clim: Float64Array; markov: number[][][] }) {
  const { flags, clim, markov } = c;
  const test = { origins };
  const probabilities: ProbabilityScores[] = [];
  const decisions: Decision[] = [];
  const pooled = { model: [] as number[], climatology: [] as number[], markov_climatology: [] as number[], persistence: [] as number[], outcome: [] as number[] };
  const brierByOrigin = new Map<number, number[]>();
  for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) {
    const pm: number[] = [];
    const pc: number[] = [];
    const pk: number[] = [];
    const pp: number[] = [];
    const outcome: number[] = [];
    test.origins.forEach((d, r) => {
      const e = flags.event[d + k];
      if (e === undefined || !Number.isFinite(e)) return;
      const p = [(probs.data[r * HEAT_HORIZON_DAYS + k - 1] ?? NaN), (clim[Math.floor(dayOfYear(s.days[d + k] ?? ''))] ?? NaN), markovAt(markov, k, flags.event[d], s.days[d]), (flags.event[d] ?? NaN)];
      pm.push((p[0] ?? NaN));
      pc.push((p[1] ?? NaN));
      pk.push((p[2] ?? NaN));
      pp.push((p[3] ?? NaN));
      outcome.push(e);
      let v = brierByOrigin.get(d);
      if (!v) brierByOrigin.set(d, (v = [0, 0, 0]));
      for (let j = 0; j < 3; j++) v[j] = (v[j] ?? 0) + ((p[0] ?? NaN) - e) ** 2 - ((p[j + 1] ?? NaN) - e) ** 2;
    });
    pooled.model.push(...pm);
    pooled.climatology.push(...pc);
    pooled.markov_climatology.push(...pk);
    pooled.persistence.push(...pp);
    pooled.outcome.push(...outcome);
    const entry = probabilityScores(`heatwave+${k}d`, k * 24, pm, { climatology: pc, markov_climatology: pk, persistence: pp }, outcome);
    probabilities.push(entry);
    decisions.push(decide(entry.target, 'brier', entry.model.brier, briers(entry), { noEvent: entry.no_event }));
  }
  const all = probabilityScores('heatwave', null, pooled.model, { climatology: pooled.climatology, markov_climatology: pooled.markov_climatology, persistence: pooled.persistence }, pooled.outcome);
  probabilities.unshift(all);
  const days = [...brierByOrigin.keys()].sort((a, b) => a - b);
  const evidence: Evidence = {
    differences: Object.fromEntries(HEAT_BASELINES.map((b, j) => [b, days.map((d) => brierByOrigin.get(d)?.[j] ?? NaN)])),
    lag: HEAT_HORIZON_DAYS - 1,
    noEvent: all.no_event,
  };
  const primary = decide('heatwave', 'brier', all.model.brier, briers(all), evidence);
  decisions.unshift(primary);
  return { probabilities, decisions, all, primary };
}

const briers = (p: ProbabilityScores) => Object.fromEntries(Object.entries(p.baselines).map(([b, v]) => [b, v.brier]));

/** per test origin and horizon: the baselines' probabilities and the outcome */
function pooledByOrigin(origins: readonly number[], flags: ReturnType<typeof heatwaveFlags>, clim: Float64Array, markov: number[][][], s: DailyTemperatures) {
  return (r: number, k: number) => {
    const d = origins[r] ?? -1;
    const e = flags.event[d + k];
    if (e === undefined || !Number.isFinite(e)) return undefined;
    return { outcome: e, climatology: (clim[Math.floor(dayOfYear(s.days[d + k] ?? ''))] ?? NaN), markov_climatology: markovAt(markov, k, flags.event[d], s.days[d]), persistence: (flags.event[d] ?? NaN) };
  };
}

/** the held-out year cut into calendar months, each month's Brier scores (all horizons pooled) */
function monthlyFolds(s: DailyTemperatures, origins: readonly number[], probs: Matrix, at: ReturnType<typeof pooledByOrigin>) {
  const months = new Map<string, { model: number[]; outcome: number[]; b: Record<string, number[]>; from: string; until: string }>();
  origins.forEach((d, r) => {
    for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) {
      const c = at(r, k);
      if (!c) continue;
      const key = (s.days[d] ?? '').slice(0, 7);
      let m = months.get(key);
      if (!m) months.set(key, (m = { model: [], outcome: [], b: { climatology: [], markov_climatology: [], persistence: [] }, from: (s.days[d] ?? ''), until: (s.days[d] ?? '') }));
      m.until = (s.days[d] ?? '');
      m.model.push((probs.data[r * HEAT_HORIZON_DAYS + k - 1] ?? NaN));
      m.outcome.push(c.outcome);
      m.b['climatology']?.push(c.climatology);
      m.b['markov_climatology']?.push(c.markov_climatology);
      m.b['persistence']?.push(c.persistence);
    }
  });
  return [...months.values()].map((m) => ({
    from: new Date(`${m.from}T00:00:00Z`).toISOString(),
    until: new Date(Date.parse(`${m.until}T00:00:00Z`) + 86_400_000).toISOString(),
    n: m.outcome.length,
    model: { brier: finiteOrNull(brier(m.model, m.outcome)) },
    baselines: Object.fromEntries(Object.entries(m.b).map(([b, v]) => [b, { brier: finiteOrNull(brier(v, m.outcome)) }])),
  }));
}

export interface HeatForecastInput {
  /** undefined: no trained model, the baseline (persistence) is published */
  readonly model?: LayersModel;
  readonly version: string;
  readonly preprocessing?: HeatPreprocessing;
  readonly publish: Record<string, string>;
}

/**
 * P(heat-wave criteria met) on each of the 3 days after the latest day with IBMn/IBMx, at one station.
 * Without a trained model (or when it did not beat them) the baseline's probability is published:
 * persistence without a model, else the decision's baseline.
 */
export async function forecastHeat(
  rt: TfRuntime,
  input: HeatForecastInput,
  s: DailyTemperatures,
  runTime: Date,
  station: string,
): Promise<{ rows: PredictionRow[]; origin: string } | { skipped: string }> {
  const flags = heatwaveFlags(s);
  let d = s.days.length - 1;
  while (d >= 0 && !Number.isFinite((flags.event[d] ?? NaN))) d--;
  if (d < 0 || d < s.days.length - 3) return { skipped: `no IBMn/IBMx in the last 3 days at ${station}` };
  const features = heatFeatures(s, flags, d);
  let probs: Float32Array | undefined;
  if (input.model && input.preprocessing && features) {
    const x = matrix(1, HEAT_FEATURES.length);
    x.data.set(features);
    probs = (await predictRows(rt.tf, input.model, applyScaler(x, input.preprocessing.feature_scaler), { sigmoid: true })).data;
  }
  // days are Europe/Paris local days: the forecast knows day d up to its local end
  const originTime = new Date(localDayBounds((s.days[d] ?? '')).end);
  const rows: PredictionRow[] = [];
  for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) {
    const predictor = publishedHeatPredictor(input, k, probs !== undefined);
    const day = plusDays(s.days[d] ?? '', k);
    const probability = heatProbability(predictor, { k, day, probs, pre: input.preprocessing, state: flags.event[d], originDay: s.days[d] });
    rows.push(heatwaveRow({ version: input.version, runTime, originTime, day, station, probability, ...sourceOf(predictor) }));
  }
  return { rows, origin: (s.days[d] ?? '') };
}

/** what is published at lead k: the decision's choice, falling back on persistence where its inputs are missing */
function publishedHeatPredictor(input: HeatForecastInput, k: number, hasModel: boolean): string {
  const predictor = input.publish[`heatwave+${k}d`] ?? input.publish['heatwave'] ?? (hasModel ? 'model' : 'persistence');
  if (predictor === 'model' && !hasModel) return 'persistence';
  if ((predictor === 'climatology' && !input.preprocessing) || (predictor === 'markov_climatology' && !input.preprocessing?.markov)) return 'persistence';
  return predictor;
}

/** the published predictor's probability of a heat wave on `day`, k days after the origin day */
function heatProbability(predictor: string, c: { k: number; day: string; probs: Float32Array | undefined; pre: HeatPreprocessing | undefined; state: number | undefined; originDay: string | undefined }): number {
  if (predictor === 'model') return c.probs?.[c.k - 1] ?? NaN;
  if (predictor === 'climatology') return c.pre?.climatology[Math.floor(dayOfYear(c.day))] ?? NaN;
  if (predictor === 'markov_climatology') return markovAt(c.pre?.markov ?? [], c.k, c.state, c.originDay);
  return c.state ?? NaN;
}

/** P(heat wave k days after a day in `state`) near the origin day's day of year */
function markovAt(markov: readonly (readonly (readonly number[])[])[], k: number, state: number | undefined, originDay: string | undefined): number {
  if (state !== 0 && state !== 1) return NaN;
  return markov[k - 1]?.[state]?.[Math.floor(dayOfYear(originDay ?? ''))] ?? NaN;
}

/**
 * One published heat-wave probability: P(criteria met) on the Paris local day `day` at a station, from
 * a forecast that knows the station's record up to `originTime` (the network, the forecast-driven
 * method or a baseline, named by source and method).
 */
export function heatwaveRow(r: {
  version: string;
  runTime: Date;
  originTime: Date;
  day: string;
  station: string;
  probability: number;
  source: PredictionRow['source'];
  method: string;
}): PredictionRow {
  const bounds = localDayBounds(r.day);
  return predictionRow({
    model: HEAT_MODEL,
    version: r.version,
    run_time: r.runTime,
    origin_time: r.originTime,
    target_time: new Date(bounds.start),
    target_end: new Date(bounds.end),
    entity_kind: 'station',
    entity: r.station,
    variable: 'heatwave',
    unit: '1',
    threshold_name: 'heatwave_ibm',
    probability: r.probability,
    source: r.source,
    method: r.method,
  });
}
