import { describe, expect, it } from 'vitest';
import { plusDays } from '../../functions/lib/domain/time/holidays.ts';
import { markovClimatology, type DailyTemperatures } from '../../functions/lib/models/heat/model.ts';
import { fitAnomalyDecay } from '../../functions/lib/models/noise/model.ts';
import type { NoiseExamples } from '../../functions/lib/models/noise/features.ts';
import { fitRidge } from '../../functions/lib/models/river/model.ts';

// The baselines the networks must beat, checked on data whose answer is known by construction.

describe('the linear (ridge) baseline of the river', () => {
  it('recovers the coefficients of an exactly linear change, intercept unpenalised', () => {
    const rows = 200;
    const x = { rows, cols: 3, data: new Float32Array(rows * 3) };
    const y = { rows, cols: 2, data: new Float32Array(rows * 2) };
    const w = { rows, cols: 2, data: new Float32Array(rows * 2).fill(1) };
    for (let r = 0; r < rows; r++) {
      const [a, b, c] = [Math.sin(r), Math.cos(3 * r), ((r % 7) - 3) / 3];
      x.data.set([a, b, c], r * 3);
      y.data[r * 2] = 2 + a - 3 * c;
      y.data[r * 2 + 1] = -1 + 0.5 * b;
    }
    const [first, second] = fitRidge(x, y, w, 0);
    [2, 1, 0, -3].forEach((v, i) => expect(first![i]).toBeCloseTo(v, 4));
    [-1, 0, 0.5, 0].forEach((v, i) => expect(second![i]).toBeCloseTo(v, 4));
    // a penalty shrinks the slopes, not the intercept's role: the fit's mean stays the data's mean
    const [shrunk] = fitRidge(x, y, w, 50);
    expect(Math.abs(shrunk![3]!)).toBeLessThan(3);
    // rows with weight 0 (a target outside the window) are left out
    const w2 = { ...w, data: w.data.map((_, i) => (i % 2 === 0 && i < 100 ? 0 : 1)) };
    y.data[0] = 1e6;
    expect(fitRidge(x, y, w2, 0)[0]![0]).toBeCloseTo(2, 4);
  });
});

describe('the conditional (Markov) climatology of heat waves', () => {
  it('is the frequency of a heat wave k days after a day in the same state, near that day of the year', () => {
    // three years; every year the days 180–189 of the year are a heat wave, the others not
    const days: string[] = [];
    for (let d = '2010-01-01'; d < '2013-01-01'; d = plusDays(d, 1)) days.push(d);
    const doy = (day: string) => (Date.parse(`${day}T00:00:00Z`) - Date.UTC(Number(day.slice(0, 4)), 0, 1)) / 86_400_000;
    const event = Float64Array.from(days, (d) => (doy(d) >= 180 && doy(d) <= 189 ? 1 : 0));
    const s: DailyTemperatures = { days, tn: new Float64Array(days.length), tx: new Float64Array(days.length), ibmnThreshold: 21, ibmxThreshold: 31 };
    const m = markovClimatology(s, event, 0, days.length, new Float64Array(366));
    // origin day 185 (window 170–200): in a heat wave, the next day is one in 9 of the 10 wave days (not after day 189)
    expect(m[0]![1]![185]).toBeCloseTo(9 / 10, 6);
    // not in a heat wave: only day 179 of the 21 others is followed by one
    expect(m[0]![0]![185]).toBeCloseTo(1 / 21, 6);
    // three days ahead from inside a wave: days 180–186 of its 10 days
    expect(m[2]![1]![185]).toBeCloseTo(7 / 10, 6);
    // in winter nothing happens
    expect(m[0]![0]![20]).toBe(0);
  });
});

describe('the profile + decaying anomaly baseline of noise', () => {
  it('fits, per lead time, the share of the origin hour’s anomaly that remains', () => {
    const rows = 50;
    const H = 48;
    const features = { rows, cols: 136, data: new Float32Array(rows * 136) };
    const profile = { rows, cols: H, data: new Float32Array(rows * H).fill(50) };
    const observed = { rows, cols: H, data: new Float32Array(rows * H) };
    for (let r = 0; r < rows; r++) {
      const a0 = ((r % 9) - 4) / 2; // the origin hour's anomaly (feature 0)
      features.data[r * 136] = a0;
      for (let j = 0; j < H; j++) observed.data[r * H + j] = 50 + a0 * 0.8 ** (j + 1);
    }
    observed.data[5 * H] = NaN; // a missing observation is left out
    const decay = fitAnomalyDecay({ rows, features, profile, observed } as unknown as NoiseExamples);
    expect(decay).toHaveLength(48);
    expect(decay[0]).toBeCloseTo(0.8, 3);
    expect(decay[9]).toBeCloseTo(0.8 ** 10, 3);
  });
});
