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
      const [tn, tx] = [s.tn[i] ?? NaN, s.tx[i] ?? NaN];
      if (f.tn !== null && Number.isFinite(tn)) err.tn.push(tn - f.tn);
      if (f.tx !== null && Number.isFinite(tx)) err.tx.push(tx - f.tx);
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
        out.sd[v].push(PRIOR_ERROR_SD[v][lead] ?? NaN);
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
  const issue = s.days[d];
  const byLead = issue === undefined ? undefined : forecasts.get(issue);
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
        sum += f + (err.bias[v][j] ?? NaN);
        variance += (err.sd[v][j] ?? NaN) ** 2;
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
  /** the probability from which a heat-wave day is announced, chosen on the training issues (PRIOR_WARNING_THRESHOLD without enough of them) */
  readonly warning_threshold: number;
  readonly warning_threshold_source: string;
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

interface LeadContext {
  readonly s: DailyTemperatures;
  readonly forecasts: TemperatureForecasts;
  readonly err: ReturnType<typeof fitErrorModel>;
  readonly flags: ReturnType<typeof heatwaveFlags>;
  readonly clim: Float64Array;
  readonly markov: number[][][];
  readonly split: number;
}

/** the test issues at lead k with a forecast and a known outcome: each method's probability and the outcome (1: heat-wave day) */
function leadCases(c: LeadContext, k: number): { p: Record<string, number[]>; outcome: number[] } {
  const { s, forecasts, err, flags, clim, markov, split } = c;
  const p: Record<string, number[]> = { [HEAT_FORECAST_METHOD]: [], climatology: [], markov_climatology: [] };
  const outcome: number[] = [];
  for (let d = split; d + k < s.days.length; d++) {
    const e = flags.event[d + k] ?? NaN;
    const state = flags.event[d] ?? NaN;
    if (!Number.isFinite(e) || !Number.isFinite(state)) continue;
    const pf = heatwaveProbability(s, forecasts, err, d, k);
    if (pf === undefined) continue;
    p[HEAT_FORECAST_METHOD]?.push(pf);
    p['climatology']?.push(clim[dayOfYear(s.days[d + k] ?? '')] ?? NaN);
    p['markov_climatology']?.push(markov[k - 1]?.[state]?.[dayOfYear(s.days[d] ?? '')] ?? NaN);
    outcome.push(e);
  }
  return { p, outcome };
}

/** why a lead publishes what it publishes */
function publishReason(n: number, events: number, best: string, forecast: number | null, baseline: number | null): string {
  if (!n) return 'no issue with a forecast and a known outcome in the test period';
  if (events === 0) return `no heat-wave day among ${n} test days: the forecast's skill is unknown, the best baseline (${best}) is published`;
  if (forecast !== null && baseline !== null && forecast < baseline) return `Brier ${forecast.toFixed(4)} < ${best} ${baseline.toFixed(4)} over ${n} days (${events} heat-wave days)`;
  return `Brier ${forecast?.toFixed(4)} ≥ ${best} ${baseline?.toFixed(4)}: the baseline is published`;
}

/** the test period's scores at one lead: Brier of the forecast and of each baseline, detection and false alarms at the warning threshold, and what is published */
function scoreLead(c: LeadContext, k: number): LeadScores {
  const { p, outcome } = leadCases(c, k);
  const f = p[HEAT_FORECAST_METHOD] ?? [];
  const scores: Record<string, number | null> = Object.fromEntries(Object.entries(p).map(([m, v]) => [m, finiteOrNull(brier(v, outcome))]));
  const { threshold, source } = warningThreshold(c.s, c.forecasts, c.err, c.flags.event, k, c.split);
  const hits = outcome.filter((o, i) => o === 1 && (f[i] ?? NaN) >= threshold).length;
  const events = outcome.filter((o) => o === 1).length;
  const warned = f.filter((x) => x >= threshold).length;
  const best = HEAT_FORECAST_BASELINES.filter((b) => scores[b] !== null).sort((a, b) => (scores[a] ?? NaN) - (scores[b] ?? NaN))[0] ?? 'markov_climatology';
  const fs = scores[HEAT_FORECAST_METHOD] ?? null;
  const bestScore = scores[best] ?? null;
  const wins = events > 0 && fs !== null && bestScore !== null && fs < bestScore;
  return {
    lead_days: k,
    n: outcome.length,
    events,
    brier: scores,
    bss: Object.fromEntries(HEAT_FORECAST_BASELINES.map((b) => [b, fs !== null && scores[b] ? finiteOrNull(brierSkillScore(fs, scores[b])) : null])),
    warning_threshold: threshold,
    warning_threshold_source: source,
    detection: events ? hits / events : null,
    false_alarm_ratio: warned ? (warned - hits) / warned : null,
    publish: wins ? HEAT_FORECAST_METHOD : best,
    reason: publishReason(outcome.length, events, best, fs, bestScore),
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
  const last = s.days[s.days.length - 1] ?? testFrom;
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
export const MIN_TRAINING_EVENTS = 20;

/**
 * The announcing threshold per lead (D+1..D+3) of a station whose training issues hold fewer than
 * MIN_TRAINING_EVENTS heat-wave days: the one the same rule (false alarms ≤ 20 % on the training issues)
 * chooses on a long record with the prior error sizes — the 20 training years of the 30-year synthetic
 * climate of tests/models/heat-forecast.test.ts (seed 11), which recomputes it. Other synthetic seeds
 * give 0.05–0.1 / 0.1–0.2 / 0.15–0.25. A calibrated probability of a rare event is announced well below
 * 0.5: most days it is near 0, and the days that are not are mostly heat-wave days or their edges.
 */
export const PRIOR_WARNING_THRESHOLD: readonly number[] = [0.1, 0.2, 0.25];
/** the false-alarm ratio the threshold is chosen to stay under on the training issues (Météo-France's heat vigilance aims at < 20 %) */
const TRAINING_FALSE_ALARMS = 0.2;

/**
 * the announcing threshold at lead k: the lowest probability (0.05 steps) whose false-alarm ratio over
 * the training issues (before `split`) stays under 20 % — as many heat waves caught as that allows;
 * PRIOR_WARNING_THRESHOLD when the training issues hold fewer than MIN_TRAINING_EVENTS heat-wave days
 */
function warningThreshold(s: DailyTemperatures, forecasts: TemperatureForecasts, err: ForecastErrorModel, event: Float64Array, k: number, split: number): { threshold: number; source: string } {
  const pairs: [number, number][] = [];
  for (let d = 0; d + k < split; d++) {
    const e = event[d + k] ?? NaN;
    if (!Number.isFinite(e)) continue;
    const p = heatwaveProbability(s, forecasts, err, d, k);
    if (p !== undefined) pairs.push([p, e]);
  }
  const events = pairs.filter(([, e]) => e === 1).length;
  if (events < MIN_TRAINING_EVENTS) return { threshold: PRIOR_WARNING_THRESHOLD[k - 1] ?? 0.5, source: `prior (${events} heat-wave days in the training issues < ${MIN_TRAINING_EVENTS})` };
  const source = `training issues (${events} heat-wave days)`;
  for (let t = 0.05; t < 0.951; t += 0.05) {
    const warned = pairs.filter(([p]) => p >= t);
    const false_ = warned.filter(([, e]) => e === 0).length;
    if (warned.length && false_ / warned.length <= TRAINING_FALSE_ALARMS) return { threshold: Number(t.toFixed(2)), source };
  }
  return { threshold: 0.95, source };
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
  const day = s.days[d];
  if (day === undefined) return undefined;
  if (method === 'climatology') return { p: ev.climatology[dayOfYear(plusDays(day, k))] ?? NaN, method };
  const state = flags.event[d] ?? NaN;
  const p = Number.isFinite(state) ? ev.markov[k - 1]?.[state]?.[dayOfYear(day)] : undefined;
  return p === undefined ? undefined : { p, method };
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
  while (d >= 0 && !(Number.isFinite(s.tn[d] ?? NaN) && Number.isFinite(s.tx[d] ?? NaN))) d--;
  const origin = s.days[d];
  if (d < 2 || origin === undefined || !forecasts.has(origin)) return { skipped: `${station}: no forecast issued on its latest observed day ${origin ?? '—'}` };
  const issues = [...forecasts.keys()].sort();
  const [firstIssue = origin, lastIssue = origin] = [issues[0], issues[issues.length - 1]];
  const span = (Date.parse(lastIssue) - Date.parse(firstIssue)) / 86_400_000;
  const testFrom = span >= 730 ? plusDays(lastIssue, -364) : (issues[Math.floor(issues.length / 2)] ?? origin);
  const evaluation = evaluateForecastDriven(s, forecasts, testFrom);
  const originTime = new Date(localDayBounds(origin).end);
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
        day: plusDays(origin, k),
        station,
        probability: chosen.p,
        ...sourceOf(chosen.method === HEAT_FORECAST_METHOD ? 'model' : chosen.method, HEAT_FORECAST_METHOD),
      }),
    );
  }
  return rows.length ? { rows, evaluation, origin } : { skipped: `${station}: no probability could be computed` };
}
