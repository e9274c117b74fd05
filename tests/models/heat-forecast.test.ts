import { describe, expect, it } from 'vitest';
import { deriveForecasts } from '../../functions/lib/demo-climate/forecasts.ts';
import { evaluateForecastDriven, fitErrorModel, forecastsByIssue, heatwaveProbability, HEAT_FORECAST_METHOD, PRIOR_ERROR_SD } from '../../functions/lib/models/heat/forecast-driven.ts';
import { heatwaveFlags } from '../../functions/lib/models/heat/model.ts';
import { syntheticTemperatures } from './synthetic.ts';

// The heat-wave forecast driven by TN/TX forecasts, on 30 synthetic years (summers with persistent warm
// spells) whose forecasts are derived from the series with the documented error per lead time.

const s = syntheticTemperatures({ years: 30, seed: 11 });
const derived = deriveForecasts({ days: s.days, tn: s.tn, tx: s.tx }, { seed: 5, station: 'synthetic' });
const forecasts = forecastsByIssue(derived.flatMap((f) => f.daily.map((d) => ({ issueDay: f.issueDay, lead: d.lead, tn: d.tn, tx: d.tx }))));
const testFrom = s.days[Math.round(20 * 365.25)]!;

describe('the derived forecasts', () => {
  it('carry the documented error per lead time: the error model read back from the record matches it', () => {
    const err = fitErrorModel(s, forecasts, testFrom);
    for (let lead = 1; lead <= 3; lead++) {
      expect(err.pairs[lead]).toBeGreaterThan(7000);
      expect(err.source[lead]).toMatch(/station record/);
      for (const v of ['tn', 'tx'] as const) {
        // rounding to 0.1 °C adds 0.03 °C of spread; 7000 pairs estimate σ within ±2 %
        expect(Math.abs(err.sd[v][lead]! / PRIOR_ERROR_SD[v][lead]! - 1)).toBeLessThan(0.05);
        expect(Math.abs(err.bias[v][lead]!)).toBeLessThan(0.1);
      }
    }
  });
});

describe('heatwaveProbability()', () => {
  it('is near 1 when the forecast is far above the thresholds and near 0 far below, and needs the observed days', () => {
    const flags = heatwaveFlags(s);
    const err = fitErrorModel(s, forecasts, testFrom);
    const hot = new Map([[s.days[100]!, new Map([1, 2, 3].map((k) => [k, { tn: s.ibmnThreshold + 8, tx: s.ibmxThreshold + 8 }]))]]);
    const cold = new Map([[s.days[100]!, new Map([1, 2, 3].map((k) => [k, { tn: s.ibmnThreshold - 8, tx: s.ibmxThreshold - 8 }]))]]);
    expect(heatwaveProbability(s, hot, err, 100, 3)).toBeGreaterThan(0.99);
    expect(heatwaveProbability(s, cold, err, 100, 3)).toBeLessThan(0.01);
    expect(heatwaveProbability(s, hot, err, 101, 1)).toBeUndefined();
    expect(flags.event.length).toBe(s.days.length);
  });
});

describe('evaluateForecastDriven() on 10 held-out synthetic years', () => {
  const ev = evaluateForecastDriven(s, forecasts, testFrom);
  const [d1, d2, d3] = ev.leads;

  it('meets the targets: D+1 detection ≥ 0.9 and false-alarm ratio ≤ 0.3; Brier skill ≥ 0.3 at D+3 against the conditional climatology', () => {
    expect(d1!.events).toBeGreaterThan(30);
    expect(d1!.detection).toBeGreaterThanOrEqual(0.9);
    expect(d1!.false_alarm_ratio).toBeLessThanOrEqual(0.3);
    expect(d3!.bss['markov_climatology']).toBeGreaterThanOrEqual(0.3);
  });

  it('publishes the forecast at every lead, named, because it beats both baselines; skill falls with lead', () => {
    for (const l of ev.leads) expect(l.publish).toBe(HEAT_FORECAST_METHOD);
    expect(d1!.brier[HEAT_FORECAST_METHOD]!).toBeLessThan(d2!.brier[HEAT_FORECAST_METHOD]!);
    expect(d2!.brier[HEAT_FORECAST_METHOD]!).toBeLessThan(d3!.brier[HEAT_FORECAST_METHOD]!);
  });

  it('publishes the best baseline when the forecasts are as wrong as climatology', () => {
    // forecasts shifted by a year: same climate, no information on the day
    const shifted = forecastsByIssue(derived.map((f, i) => ({ f, g: derived[i + 365] })).filter((x) => x.g).flatMap(({ f, g }) => g!.daily.map((d) => ({ issueDay: f.issueDay, lead: d.lead, tn: d.tn, tx: d.tx }))));
    const bad = evaluateForecastDriven(s, shifted, testFrom);
    for (const l of bad.leads) expect(['climatology', 'markov_climatology']).toContain(l.publish);
  });
});
