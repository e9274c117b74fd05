import { describe, expect, it } from 'vitest';
import { hourCalendar, HOUR_MS } from '../../functions/lib/models/calendar.ts';
import { heatFeatures, heatwaveFlags } from '../../functions/lib/models/heat/model.ts';
import { HORIZON_HOURS, NOISE_FEATURES, noiseExamples, noisePanel, type NoisePanel } from '../../functions/lib/models/noise/features.ts';
import { nightLevel, nightsInHorizon } from '../../functions/lib/models/noise/nights.ts';
import { riverFeatureRow } from '../../functions/lib/models/river/model.ts';
import { syntheticHourly, syntheticRiver, syntheticTemperatures } from './synthetic.ts';

/** the same panel with every level after hour `after` replaced (+25 dB, or missing every third hour) */
function perturbedAfter(panel: NoisePanel, after: number): NoisePanel {
  return {
    ...panel,
    levels: panel.levels.map((l) => l.map((v, i) => (i > after ? (i % 3 === 0 ? NaN : v + 25) : v))),
  };
}

describe('noise features: no leakage', () => {
  const panel = noisePanel(syntheticHourly({ sensors: 6, days: 16 }));

  it('noiseExamples() gives the same features, profiles and baselines when the hours after the origin change', () => {
    for (const o of [30, 171, 250]) {
      const a = noiseExamples(panel, { origins: [o] });
      const b = noiseExamples(perturbedAfter(panel, o), { origins: [o] });
      expect(a.rows).toBe(6);
      expect(Array.from(b.features.data)).toEqual(Array.from(a.features.data));
      expect(Array.from(b.profile.data)).toEqual(Array.from(a.profile.data));
      expect(Array.from(b.baselines.same_hour_last_week.data)).toEqual(Array.from(a.baselines.same_hour_last_week.data));
      expect(Array.from(b.baselines.hour_of_week_mean.data)).toEqual(Array.from(a.baselines.hour_of_week_mean.data));
      // the perturbation did reach the targets
      expect(Array.from(b.observed.data)).not.toEqual(Array.from(a.observed.data));
    }
  });

  it('the sliding window of a multi-origin build matches single-origin builds', () => {
    const many = noiseExamples(panel, { origins: [40, 100, 200, 300] });
    const perturbed = noiseExamples(perturbedAfter(panel, 100), { origins: [40, 100, 200, 300] });
    const cols = NOISE_FEATURES.length;
    for (const [row, o] of [40, 100, 200, 300].entries()) {
      const single = noiseExamples(panel, { origins: [o], sensors: [many.sensor[row]!] });
      expect(Array.from(many.features.data.subarray(row * cols, (row + 1) * cols))).toEqual(Array.from(single.features.data));
    }
    // rows of origins ≤ 100 ignore the change after 100; the later ones see it
    expect(Array.from(perturbed.features.data.subarray(0, 2 * cols))).toEqual(Array.from(many.features.data.subarray(0, 2 * cols)));
    expect(Array.from(perturbed.features.data.subarray(2 * cols, 3 * cols))).not.toEqual(Array.from(many.features.data.subarray(2 * cols, 3 * cols)));
  });

  it('targetsUntil hides the held-out hours from the training targets', () => {
    const x = noiseExamples(panel, { origins: [200], targetsUntil: 210 });
    for (let j = 1; j <= HORIZON_HOURS; j++) {
      const v = x.observed.data[j - 1]!;
      if (200 + j >= 210) expect(Number.isNaN(v)).toBe(true);
      else expect(v).toBe(panel.levels[x.sensor[0]!]![200 + j]);
    }
  });

  it('builds 136 named features', () => {
    expect(NOISE_FEATURES).toHaveLength(136);
    expect(new Set(NOISE_FEATURES).size).toBe(136);
  });
});

describe('calendar and nights', () => {
  it('hourCalendar() marks French public holidays as Sundays (Toussaint, Saturday 2025-11-01)', () => {
    const start = Date.parse('2025-10-31T23:00:00Z') / HOUR_MS; // local midnight on 1 November
    const cal = hourCalendar(start, 48);
    expect(cal.dates).toEqual(['2025-11-01', '2025-11-02']);
    expect(cal.holiday[0]).toBe(1);
    expect(cal.dayType[0]).toBe(2);
    expect(cal.hourOfWeek[0]).toBe(5 * 24); // Saturday 00:00
    expect(cal.dayType[30]).toBe(2); // Sunday
  });

  it('nightsInHorizon() finds whole nights only, 9 hours long on the autumn clock change', () => {
    // origin: 2025-10-25 12:00 local (10:00 UTC); the night of 25→26 October has 25 − 16 = 9 hours (eu: 23–07)
    const start = Date.parse('2025-10-25T00:00:00Z') / HOUR_MS;
    const cal = hourCalendar(start, 120);
    const origin = 10;
    const eu = nightsInHorizon(cal, origin, 'eu');
    expect(eu).toHaveLength(2);
    expect(eu[0]!.offsets).toHaveLength(9);
    expect(cal.localHour[origin + eu[0]!.offsets[0]!]).toBe(23);
    expect(eu[1]!.offsets).toHaveLength(8);
    // an origin in the middle of a night: that night is not whole in the horizon
    const midNight = nightsInHorizon(cal, 24 + 2, 'fr');
    expect(midNight.every((n) => cal.localHour[24 + 2 + n.offsets[0]!] === 22)).toBe(true);
  });

  it('nightLevel() energy-averages the night hours and needs three quarters of them', () => {
    const hourly = new Float32Array(48).fill(NaN);
    hourly[0] = 40;
    hourly[1] = 50;
    expect(nightLevel(hourly, [1, 2])).toBeCloseTo(10 * Math.log10((1e4 + 1e5) / 2), 4);
    expect(Number.isNaN(nightLevel(hourly, [1, 2, 3]))).toBe(true);
  });
});

describe('river and heat features: no leakage', () => {
  it('riverFeatureRow() ignores every value after the origin', () => {
    const s = syntheticRiver({ days: 400 });
    const setup = { target: 'DOWN', upstream: ['UP'], transform: 'log' as const };
    const offsets = { DOWN: 1, UP: 1 };
    const t = 300;
    const changed = { ...s, columns: Object.fromEntries(Object.entries(s.columns).map(([k, v]) => [k, v.map((x, i) => (i > t ? x * 5 : x))])) };
    expect(riverFeatureRow(changed, setup, offsets, t)).toEqual(riverFeatureRow(s, setup, offsets, t));
    expect(riverFeatureRow(changed, setup, offsets, t + 1)).not.toEqual(riverFeatureRow(s, setup, offsets, t + 1));
  });

  it('heatFeatures() ignores every day after the origin', () => {
    const s = syntheticTemperatures({ years: 1 });
    const d = 200;
    const changed = { ...s, tn: s.tn.map((v, i) => (i > d ? v + 10 : v)), tx: s.tx.map((v, i) => (i > d ? v + 10 : v)) };
    expect(heatFeatures(changed, heatwaveFlags(changed), d)).toEqual(heatFeatures(s, heatwaveFlags(s), d));
    expect(heatFeatures(changed, heatwaveFlags(changed), d + 1)).not.toEqual(heatFeatures(s, heatwaveFlags(s), d + 1));
  });

  it('heatwaveFlags() applies the IBMn/IBMx thresholds to 3-day means ending on the day', () => {
    const s = { days: ['a', 'b', 'c', 'd'], tn: Float64Array.from([20, 22, 21, NaN]), tx: Float64Array.from([30, 32, 31, 35]), ibmnThreshold: 21, ibmxThreshold: 31 };
    const f = heatwaveFlags(s);
    expect(f.ibmn[2]).toBeCloseTo(21, 12);
    expect(f.ibmx[2]).toBeCloseTo(31, 12);
    expect(f.event[2]).toBe(1);
    expect(Number.isNaN(f.event[3]!)).toBe(true);
    expect(Number.isNaN(f.event[1]!)).toBe(true);
  });
});
