import { describe, expect, it } from 'vitest';
import { deriveForecasts } from '../../functions/lib/demo-climate/forecasts.ts';
import { evaluateForecastDriven, fitErrorModel, forecastsByIssue, heatwaveProbability, HEAT_FORECAST_METHOD, PRIOR_ERROR_SD, PRIOR_WARNING_THRESHOLD, type TemperatureForecasts } from '../../functions/lib/models/heat/forecast-driven.ts';
import { heatwaveFlags, type DailyTemperatures } from '../../functions/lib/models/heat/model.ts';
import { DEMO_HEAT, demoStationTruth } from '../../functions/lib/demo-climate/heatwave.ts';
import { HEAT } from '../../functions/lib/domain/heat/thresholds.ts';
import { defined } from '../support/defined.ts';
import { syntheticTemperatures } from './synthetic.ts';

// The heat-wave forecast driven by TN/TX forecasts, on 30 synthetic years (summers with persistent warm
// spells) whose forecasts are derived from the series with the documented error per lead time.

const s = syntheticTemperatures({ years: 30, seed: 11 });
const derived = deriveForecasts({ days: s.days, tn: s.tn, tx: s.tx }, { seed: 5, station: 'synthetic' });
/** the derived forecasts of a series, by issue day then lead */
const byIssue = (d: typeof derived): TemperatureForecasts => forecastsByIssue(d.flatMap((f) => f.daily.map((x) => ({ issueDay: f.issueDay, lead: x.lead, tn: x.tn, tx: x.tx }))));
const forecasts = byIssue(derived);
const testFrom = defined(s.days[Math.round(20 * 365.25)], 'the first day of the last 10 years');
const at = <T>(xs: readonly T[], i: number): T => defined(xs[i], `element ${i}`);

describe('the derived forecasts', () => {
  it('carry the documented error per lead time: the error model read back from the record matches it', () => {
    const err = fitErrorModel(s, forecasts, testFrom);
    for (let lead = 1; lead <= 3; lead++) {
      expect(err.pairs[lead]).toBeGreaterThan(7000);
      expect(err.source[lead]).toMatch(/station record/);
      for (const v of ['tn', 'tx'] as const) {
        // rounding to 0.1 °C adds 0.03 °C of spread; 7000 pairs estimate σ within ±2 %
        expect(Math.abs(at(err.sd[v], lead) / at(PRIOR_ERROR_SD[v], lead) - 1)).toBeLessThan(0.05);
        expect(Math.abs(at(err.bias[v], lead))).toBeLessThan(0.1);
      }
    }
  });
});

describe('heatwaveProbability()', () => {
  it('is near 1 when the forecast is far above the thresholds and near 0 far below, and needs the observed days', () => {
    const flags = heatwaveFlags(s);
    const err = fitErrorModel(s, forecasts, testFrom);
    const hot = new Map([[at(s.days, 100), new Map([1, 2, 3].map((k) => [k, { tn: s.ibmnThreshold + 8, tx: s.ibmxThreshold + 8 }]))]]);
    const cold = new Map([[at(s.days, 100), new Map([1, 2, 3].map((k) => [k, { tn: s.ibmnThreshold - 8, tx: s.ibmxThreshold - 8 }]))]]);
    expect(heatwaveProbability(s, hot, err, 100, 3)).toBeGreaterThan(0.99);
    expect(heatwaveProbability(s, cold, err, 100, 3)).toBeLessThan(0.01);
    expect(heatwaveProbability(s, hot, err, 101, 1)).toBeUndefined();
    expect(flags.event.length).toBe(s.days.length);
  });
});

describe('evaluateForecastDriven() on 10 held-out synthetic years', () => {
  const ev = evaluateForecastDriven(s, forecasts, testFrom);
  const [d1, d2, d3] = [at(ev.leads, 0), at(ev.leads, 1), at(ev.leads, 2)];

  it('meets the targets: D+1 detection ≥ 0.9 and false-alarm ratio ≤ 0.3; Brier skill ≥ 0.3 at D+3 against the conditional climatology', () => {
    expect(d1.events).toBeGreaterThan(30);
    expect(d1.detection).toBeGreaterThanOrEqual(0.9);
    expect(d1.false_alarm_ratio).toBeLessThanOrEqual(0.3);
    expect(d3.bss['markov_climatology']).toBeGreaterThanOrEqual(0.3);
  });

  it('chooses each lead’s warning threshold on the 20 training years; those thresholds are the prior of a station with too few heat-wave days (PRIOR_WARNING_THRESHOLD)', () => {
    for (const l of ev.leads) expect(l.warning_threshold_source).toMatch(/^training issues \(\d+ heat-wave days\)$/);
    expect(ev.leads.map((l) => l.warning_threshold)).toEqual(PRIOR_WARNING_THRESHOLD);
  });

  it('publishes the forecast at every lead, named, because it beats both baselines; skill falls with lead', () => {
    for (const l of ev.leads) expect(l.publish).toBe(HEAT_FORECAST_METHOD);
    expect(d1.brier[HEAT_FORECAST_METHOD]).toBeLessThan(d2.brier[HEAT_FORECAST_METHOD] ?? NaN);
    expect(d2.brier[HEAT_FORECAST_METHOD]).toBeLessThan(d3.brier[HEAT_FORECAST_METHOD] ?? NaN);
  });

  it('publishes the best baseline when the forecasts are as wrong as climatology', () => {
    // forecasts shifted by a year: same climate, no information on the day
    const shifted = forecastsByIssue(derived.flatMap((f, i) => (derived[i + 365]?.daily ?? []).map((d) => ({ issueDay: f.issueDay, lead: d.lead, tn: d.tn, tx: d.tx }))));
    const bad = evaluateForecastDriven(s, shifted, testFrom);
    for (const l of bad.leads) expect(['climatology', 'markov_climatology']).toContain(l.publish);
  });
});

// The demo's heat wave at Paris-Montsouris (its 29 days and the 3 after, demo-climate/heatwave.ts), forecasts
// derived with the documented error per lead, every issue scored: too few days to choose a warning threshold
// or fit the climatologies out of sample, so the prior threshold and in-sample climatologies are used.
describe('evaluateForecastDriven() on the demo’s heat wave', () => {
  const paris = defined(HEAT.departements['75'], 'the thresholds of Paris');
  const truth = demoStationTruth('75114001', DEMO_HEAT.days + 3);
  const demo: DailyTemperatures = { days: truth.days, tn: Float64Array.from(truth.tn), tx: Float64Array.from(truth.tx), ibmnThreshold: paris.ibmn, ibmxThreshold: paris.ibmx };
  const ev = evaluateForecastDriven(demo, byIssue(deriveForecasts(demo, { seed: 5, station: '75114001' })), at(demo.days, 0));
  const [d1, d3] = [at(ev.leads, 0), at(ev.leads, 2)];

  it('meets the targets with the prior warning threshold: D+1 detection ≥ 0.9, false-alarm ratio ≤ 0.3; D+3 Brier skill ≥ 0.3 against the conditional climatology', () => {
    // every heat-wave day of the simulated wave is scored at D+1
    const waveDays = heatwaveFlags(demo).event.filter((e) => e === 1).length;
    expect(waveDays).toBeGreaterThanOrEqual(5);
    expect(d1.events).toBe(waveDays);
    expect(d1.warning_threshold_source).toMatch(/^prior/);
    expect(d1.warning_threshold).toBe(PRIOR_WARNING_THRESHOLD[0]);
    expect(d1.detection).toBeGreaterThanOrEqual(0.9);
    expect(d1.false_alarm_ratio).toBeLessThanOrEqual(0.3);
    expect(d3.bss['markov_climatology']).toBeGreaterThanOrEqual(0.3);
  });
});
