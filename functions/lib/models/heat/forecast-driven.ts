import { brier, brierSkillScore, finiteOrNull, mean } from '../metrics.ts';
import { plusDays } from '../../domain/time/holidays.ts';
import { localDayBounds } from '../../domain/time/paris.ts';
import { sourceOf, type PredictionRow } from '../prediction-row.ts';
import { climatology, HEAT_HORIZON_DAYS, heatwaveFlags, heatwaveRow, markovClimatology, type DailyTemperatures } from './model.ts';

// The heat-wave forecast driven by weather forecasts: P(IBMn ≥ its threshold and IBMx ≥ its threshold)
// on D+1..D+3 at a reference station, from the TN/TX forecast issued on day D for the days after it,
// corrected against the station's record.
//
// IBMn(D+k) is the mean of TN over D+k−2..D+k: the days up to D are observed, the others forecast. Each
// forecast value is corrected by the mean error of that lead time (observed − forecast, over past issues
// at the station) and carries a Gaussian error of that lead's standard deviation, errors independent
// across days and between TN and TX; so IBMn ~ N(mean of the observed and corrected values, Σσ²/9), and
// P = P(IBMn ≥ threshold) × P(IBMx ≥ threshold). Independence understates the joint probability when TN
// and TX errors go together; the evaluation, not this argument, decides whether the forecast is published.
// With fewer than MIN_PAIRS past pairs at a lead, the prior error sizes below are used.

export const HEAT_FORECAST_METHOD = 'forecast_tntx';
export const HEAT_FORECAST_BASELINES = ['climatology', 'markov_climatology'] as const;
/** pairs (issue, lead) needed to estimate a lead's bias and spread from the station record */
export const MIN_PAIRS = 20;

/**
 * Prior error sizes (standard deviation of observed − forecast, °C) of point forecasts of the daily minimum
 * and maximum at lead 0..3 days: NWS day-1 maximum-temperature forecasts at Norman, Oklahoma had a mean
 * absolute error of 2.8 °F = 1.6 °C (Brooks & Doswell, NSSL, https://www.nssl.noaa.gov/users/brooks/public_html/ntv/tables.html),
 * i.e. σ ≈ MAE × 1.25 ≈ 2 °C for a 1990s forecast; current forecasts are better (the NDFD verification,
 * https://vlab.noaa.gov/web/mdl/ndfd-verification-help, publishes the figures per month), and errors grow
 * by about 0.4 °C a day of lead. The sizes below (TX 1.4 / 1.8 / 2.2 °C at D+1..D+3, TN slightly smaller)
 * sit in that range. They are not Météo-France's published scores, which we did not find offline: to verify.
 * The demo derives its forecasts from the observed series with exactly these errors (demo-climate/forecasts.ts).
 */
export const PRIOR_ERROR_SD: Readonly<Record<'tn' | 'tx', readonly number[]>> = { tn: [0.9, 1.2, 1.6, 2.0], tx: [1.0, 1.4, 1.8, 2.2] };

/** forecasts by issue day (the local day of issue) then lead in days */
export type TemperatureForecasts = ReadonlyMap<string, ReadonlyMap<number, { readonly tn: number | null; readonly tx: number | null }>>;

export interface ForecastErrorModel {
  /** per lead 0..3: mean of observed − forecast (°C) */
  readonly bias: { tn: number[]; tx: number[] };
  readonly sd: { tn: number[]; tx: number[] };
  /** per lead: the pairs it was estimated from (below MIN_PAIRS: the prior) */
  readonly pairs: number[];
  readonly source: string[];
}

/** the station's forecast errors per lead, from the issues before `until` (YYYY-MM-DD) */
export function fitErrorModel(s: DailyTemperatures, forecasts: TemperatureForecasts, until: string): ForecastErrorModel {
  const index = new Map(s.days.map((d, i) => [d, i]));
  const out: ForecastErrorModel = { bias: { tn: [], tx: [] }, sd: { tn: [], tx: [] }, pairs: [], source: [] };
  for (let lead = 0; lead <= HEAT_HORIZON_DAYS; lead++) {
    const err: { tn: number[]; tx: number[] } = { tn: [], tx: [] };
    for (const [issue, byLead] of forecasts) {
      const target = plusDays(issue, lead);
      // only errors whose outcome was known before `until`: nothing of the test period leaks in
      if (target >= until) continue;
      const f = byLead.get(lead);
      const i = index.get(target);
      if (!f || i === undefined) continue;
      if (f.tn !== null && Number.isFinite(s.tn[i]!)) err.tn.push(s.tn[i]! - f.tn);
      if (f.tx !== null && Number.isFinite(s.tx[i]!)) err.tx.push(s.tx[i]! - f.tx);
    }
    const n = Math.min(err.tn.length, err.tx.length);
    out.pairs.push(n);
    for (const v of ['tn', 'tx'] as const) {
      if (n >= MIN_PAIRS) {
        const m = mean(err[v]);
        out.bias[v].push(m);
        out.sd[v].push(Math.max(0.3, Math.sqrt(err[v].reduce((t, e) => t + (e - m) ** 2, 0) / (err[v].length - 1))));
      } else {
        out.bias[v].push(0);
        out.sd[v].push(PRIOR_ERROR_SD[v][lead]!);
      }
    }
    out.source.push(n >= MIN_PAIRS ? `station record (${n} pairs)` : `prior (${n} pairs < ${MIN_PAIRS})`);
  }
  return out;
}

const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/**
 * P(heat-wave criteria met on issue day + k), issued on day index d (observations known up to d); undefined
 * when an observed day or a forecast value is missing.
 */
export function heatwaveProbability(s: DailyTemperatures, forecasts: TemperatureForecasts, err: ForecastErrorModel, d: number, k: number): number | undefined {
  const issue = s.days[d]!;
  const byLead = forecasts.get(issue);
  if (!byLead) return undefined;
  const part = (v: 'tn' | 'tx', threshold: number) => {
    let sum = 0;
    let variance = 0;
    for (let j = k - 2; j <= k; j++) {
      if (j <= 0) {
        const x = (v === 'tn' ? s.tn : s.tx)[d + j];
        if (x === undefined || !Number.isFinite(x)) return undefined;
        sum += x;
      } else {
        const f = byLead.get(j)?.[v];
        if (f === null || f === undefined) return undefined;
        sum += f + err.bias[v][j]!;
        variance += err.sd[v][j]! ** 2;
      }
    }
    return 1 - phi((threshold - sum / 3) / (Math.sqrt(variance) / 3));
  };
  const pn = part('tn', s.ibmnThreshold);
  const px = part('tx', s.ibmxThreshold);
  return pn === undefined || px === undefined ? undefined : pn * px;
}

export interface LeadScores {
  readonly lead_days: number;
  readonly n: number;
  readonly events: number;
  readonly brier: Record<string, number | null>;
  /** Brier skill of the forecast against each baseline */
  readonly bss: Record<string, number | null>;
  /** the probability from which a heat-wave day is announced, chosen on the training issues (0.5 without enough of them) */
  readonly warning_threshold: number;
  /** at P ≥ warning_threshold: share of heat-wave days announced (probability of detection) and share of announced days that were not (false-alarm ratio) */
  readonly detection: number | null;
  readonly false_alarm_ratio: number | null;
  /** what is published at this lead: the forecast, or the baseline with the lowest Brier score */
  readonly publish: string;
  readonly reason: string;
}

export interface ForecastDrivenEvaluation {
  readonly method: typeof HEAT_FORECAST_METHOD;
  readonly test: { from: string; until: string };
  readonly leads: LeadScores[];
  readonly error_model: ForecastErrorModel;
  readonly climatology: number[];
  readonly markov: number[][][];
  readonly notes: string[];
}

const dayOfYear = (day: string) => Math.floor((Date.parse(`${day}T00:00:00Z`) - Date.UTC(Number(day.slice(0, 4)), 0, 1)) / 86_400_000);

/** the test period's scores at one lead: Brier of the forecast and of each baseline, detection and false alarms at the warning threshold, and what is published */
function scoreLead(
  c: { s: DailyTemperatures; forecasts: TemperatureForecasts; err: ReturnType<typeof fitErrorModel>; flags: ReturnType<typeof heatwaveFlags>; clim: Float64Array; markov: number[][][]; split: number },
  k: number,
): LeadScores {
  const { s, forecasts, err, flags, clim, markov, split } = c;
  const p: Record<string, number[]> = { [HEAT_FORECAST_METHOD]: [], climatology: [], markov_climatology: [] };
  const outcome: number[] = [];
  for (let d = split; d + k < s.days.length; d++) {
    const e = flags.event[d + k]!;
    const state = flags.event[d]!;
    if (!Number.isFinite(e) || !Number.isFinite(state)) continue;
    const pf = heatwaveProbability(s, forecasts, err, d, k);
    if (pf === undefined) continue;
    p[HEAT_FORECAST_METHOD]!.push(pf);
    p['climatology']!.push(clim[dayOfYear(s.days[d + k]!)]!);
    p['markov_climatology']!.push(markov[k - 1]![state]![dayOfYear(s.days[d]!)]!);
    outcome.push(e);
  }
  const scores: Record<string, number | null> = Object.fromEntries(Object.entries(p).map(([m, v]) => [m, finiteOrNull(brier(v, outcome))]));
  const f = p[HEAT_FORECAST_METHOD]!;
  const threshold = warningThreshold(s, forecasts, err, flags.event, k, split);
  const hits = outcome.filter((o, i) => o === 1 && f[i]! >= threshold).length;
  const events = outcome.filter((o) => o === 1).length;
  const warned = f.filter((x) => x >= threshold).length;
  const best = HEAT_FORECAST_BASELINES.filter((b) => scores[b] !== null).sort((a, b) => scores[a]! - scores[b]!)[0] ?? 'markov_climatology';
  const fs = scores[HEAT_FORECAST_METHOD] ?? null;
  const wins = events > 0 && fs !== null && scores[best] !== null && fs < scores[best]!;
  return {
    lead_days: k,
    n: outcome.length,
    events,
    brier: scores,
    bss: Object.fromEntries(HEAT_FORECAST_BASELINES.map((b) => [b, fs !== null && scores[b] ? finiteOrNull(brierSkillScore(fs, scores[b])) : null])),
    warning_threshold: threshold,
    detection: events ? hits / events : null,
    false_alarm_ratio: warned ? (warned - hits) / warned : null,
    publish: wins ? HEAT_FORECAST_METHOD : best,
    reason: !outcome.length
      ? 'no issue with a forecast and a known outcome in the test period'
      : events === 0
        ? `no heat-wave day among ${outcome.length} test days: the forecast's skill is unknown, the best baseline (${best}) is published`
        : wins
          ? `Brier ${fs.toFixed(4)} < ${best} ${scores[best]!.toFixed(4)} over ${outcome.length} days (${events} heat-wave days)`
          : `Brier ${fs?.toFixed(4)} ≥ ${best} ${scores[best]?.toFixed(4)}: the baseline is published`,
  };
}

/**
 * Scores the forecast-driven probability and its baselines on the issues from `testFrom`: the error model
 * and the climatologies come from the days before it; with less than two years before it the
 * climatologies are taken over the whole record (in-sample: this favours the baselines) and a note says so.
 */
export function evaluateForecastDriven(s: DailyTemperatures, forecasts: TemperatureForecasts, testFrom: string): ForecastDrivenEvaluation {
  const flags = heatwaveFlags(s);
  const split = Math.max(0, s.days.findIndex((d) => d >= testFrom));
  const notes: string[] = [];
  const inSample = split < 730;
  if (inSample) notes.push(`${split} days before the test period (< 2 years): climatology and conditional climatology are taken over the whole record, test included (in-sample, in the baselines' favour)`);
  const until = inSample ? s.days.length : split;
  const clim = climatology(s, flags.event, 0, until);
  const markov = markovClimatology(s, flags.event, 0, until, clim);
  const err = fitErrorModel(s, forecasts, testFrom);
  const leads: LeadScores[] = [];
  for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) leads.push(scoreLead({ s, forecasts, err, flags, clim, markov, split }, k));
  const last = s.days[s.days.length - 1]!;
  return {
    method: HEAT_FORECAST_METHOD,
    test: { from: s.days[split] ?? testFrom, until: plusDays(last, 1) },
    leads,
    error_model: err,
    climatology: Array.from(clim, (v) => Number(v.toFixed(6))),
    markov,
    notes,
  };
}

/** heat-wave days needed in the training issues to choose a warning threshold */
const MIN_TRAINING_EVENTS = 20;
/** the false-alarm ratio the threshold is chosen to stay under on the training issues (Météo-France's heat vigilance aims at < 20 %) */
const TRAINING_FALSE_ALARMS = 0.2;

/**
 * the announcing threshold at lead k: the lowest probability (0.05 steps) whose false-alarm ratio over
 * the training issues (before `split`) stays under 20 % — as many heat waves caught as that allows;
 * 0.5 when the training issues hold fewer than 20 heat-wave days
 */
function warningThreshold(s: DailyTemperatures, forecasts: TemperatureForecasts, err: ForecastErrorModel, event: Float64Array, k: number, split: number): number {
  const pairs: [number, number][] = [];
  for (let d = 0; d + k < split; d++) {
    const e = event[d + k]!;
    if (!Number.isFinite(e)) continue;
    const p = heatwaveProbability(s, forecasts, err, d, k);
    if (p !== undefined) pairs.push([p, e]);
  }
  if (pairs.filter(([, e]) => e === 1).length < MIN_TRAINING_EVENTS) return 0.5;
  for (let t = 0.05; t < 0.951; t += 0.05) {
    const warned = pairs.filter(([p]) => p >= t);
    const false_ = warned.filter(([, e]) => e === 0).length;
    if (warned.length && false_ / warned.length <= TRAINING_FALSE_ALARMS) return Number(t.toFixed(2));
  }
  return 0.95;
}

/** the published probability at lead k from issue day index d, by the evaluation's choice; undefined when its inputs are missing */
export function publishedProbability(
  s: DailyTemperatures,
  forecasts: TemperatureForecasts,
  ev: Pick<ForecastDrivenEvaluation, 'leads' | 'error_model' | 'climatology' | 'markov'>,
  d: number,
  k: number,
): { p: number; method: string } | undefined {
  const method = ev.leads[k - 1]?.publish ?? 'markov_climatology';
  const flags = heatwaveFlags(s);
  if (method === HEAT_FORECAST_METHOD) {
    const p = heatwaveProbability(s, forecasts, ev.error_model, d, k);
    return p === undefined ? undefined : { p, method };
  }
  if (method === 'climatology') return { p: ev.climatology[dayOfYear(plusDays(s.days[d]!, k))]!, method };
  const state = flags.event[d]!;
  return Number.isFinite(state) ? { p: ev.markov[k - 1]![state]![dayOfYear(s.days[d]!)]!, method } : undefined;
}

/** forecast rows (issue day, lead, TN, TX) by issue day then lead; a later row of the same issue day and lead replaces an earlier one */
export function forecastsByIssue(rows: Iterable<{ readonly issueDay: string; readonly lead: number; readonly tn: number | null; readonly tx: number | null }>): TemperatureForecasts {
  const out = new Map<string, Map<number, { tn: number | null; tx: number | null }>>();
  for (const r of rows) {
    let m = out.get(r.issueDay);
    if (!m) out.set(r.issueDay, (m = new Map<number, { tn: number | null; tx: number | null }>()));
    m.set(r.lead, { tn: r.tn, tx: r.tx });
  }
  return out;
}

/** version of the forecast-driven method (this file), in the predictions' `version` */
export const HEAT_FORECAST_VERSION = 'forecast-tntx-1';

/**
 * The published heat-wave probabilities of D+1..D+3 at a station, D being its latest observed day with a
 * forecast issued that day: scored first on the station's past issues (the last year when two years of
 * issues exist, else their later half), each lead publishing the forecast or its best baseline, named.
 */
export function forecastDrivenHeat(
  s: DailyTemperatures,
  forecasts: TemperatureForecasts,
  runTime: Date,
  station: string,
): { rows: PredictionRow[]; evaluation: ForecastDrivenEvaluation; origin: string } | { skipped: string } {
  let d = s.days.length - 1;
  while (d >= 0 && !(Number.isFinite(s.tn[d]!) && Number.isFinite(s.tx[d]!))) d--;
  if (d < 2 || !forecasts.has(s.days[d]!)) return { skipped: `${station}: no forecast issued on its latest observed day ${s.days[d] ?? '—'}` };
  const issues = [...forecasts.keys()].sort();
  const span = (Date.parse(issues[issues.length - 1]!) - Date.parse(issues[0]!)) / 86_400_000;
  const testFrom = span >= 730 ? plusDays(issues[issues.length - 1]!, -364) : issues[Math.floor(issues.length / 2)]!;
  const evaluation = evaluateForecastDriven(s, forecasts, testFrom);
  const originTime = new Date(localDayBounds(s.days[d]!).end);
  const rows: PredictionRow[] = [];
  for (let k = 1; k <= HEAT_HORIZON_DAYS; k++) {
    // the forecast of a lead may be missing: its best baseline then stands in, named
    const chosen = publishedProbability(s, forecasts, evaluation, d, k) ?? publishedProbability(s, forecasts, { ...evaluation, leads: evaluation.leads.map((l) => ({ ...l, publish: 'markov_climatology' })) }, d, k);
    if (!chosen) continue;
    rows.push(
      heatwaveRow({
        version: HEAT_FORECAST_VERSION,
        runTime,
        originTime,
        day: plusDays(s.days[d]!, k),
        station,
        probability: chosen.p,
        ...sourceOf(chosen.method === HEAT_FORECAST_METHOD ? 'model' : chosen.method, HEAT_FORECAST_METHOD),
      }),
    );
  }
  return rows.length ? { rows, evaluation, origin: s.days[d]! } : { skipped: `${station}: no probability could be computed` };
}
