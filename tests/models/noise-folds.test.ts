import { beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../../functions/lib/models/calendar.ts';
import { noisePanel, type NoisePanel } from '../../functions/lib/models/noise/features.ts';
import { noiseFoldPlan, type NoiseFoldPlan } from '../../functions/lib/models/noise/folds.ts';
import { trainNoiseModel, type NoiseTrainingResult } from '../../functions/lib/models/noise/model.ts';
import { tfRuntime, type TfRuntime } from '../../functions/lib/models/runtime.ts';
import { syntheticHourly } from './synthetic.ts';

// Weekly rolling-origin folds for the noise network when the history allows them, daily folds on a young lake.

const DAY_MS = 24 * HOUR_MS;
const plan = (days: number): NoiseFoldPlan => {
  const p = noiseFoldPlan(noisePanel(syntheticHourly({ sensors: 1, days })));
  if ('skipped' in p) throw new Error(p.skipped);
  return p;
};

describe('noiseFoldPlan', () => {
  it('11 days (the demo): 3 daily folds, one network trained before the first', () => {
    const p = plan(11);
    expect(p.scheme).toBe('daily');
    expect(p.folds).toHaveLength(3);
    expect(p.fits).toEqual([{ trainUntil: p.folds[0]?.start, folds: [0, 1, 2] }]);
    expect(p.folds.map((f) => f.end - f.start)).toEqual([24, 24, 24]);
  });

  it('36 days: 3 weekly folds after the 2-week minimum; 42 days: 4; each fold has its own network trained up to its start', () => {
    const p36 = plan(36);
    expect(p36.scheme).toBe('weekly');
    expect(p36.folds).toHaveLength(3);
    // 2025-10-26 is a clock change: the week holding it lasts 169 hours; the data end an hour before the last local midnight
    expect(p36.folds.map((f) => f.end - f.start)).toEqual([169, 168, 167]);
    expect(p36.fits).toEqual(p36.folds.map((f, k) => ({ trainUntil: f.start, folds: [k] })));
    expect(p36.folds.at(-1)?.end).toBe(36 * 24);
    const p42 = plan(42);
    expect(p42.folds).toHaveLength(4);
    expect(p42.folds[0]?.start).toBe(14 * 24);
  });

  it('a week of readings: no fold, and the reason', () => {
    const p = noiseFoldPlan(noisePanel(syntheticHourly({ sensors: 1, days: 7 })));
    expect(p).toEqual({ skipped: expect.stringMatching(/^7 local day\(s\) of hourly levels; the noise model needs at least 11/) as unknown });
  });
});

describe('trainNoiseModel with weekly folds', () => {
  let rt: TfRuntime;
  let panel: NoisePanel;
  let r: NoiseTrainingResult;
  const options = { epochs: 2, seed: 3 };
  const train = async (p: NoisePanel) => {
    const out = await trainNoiseModel(rt, p, new Map(), options);
    if ('skipped' in out) throw new Error(out.skipped);
    out.model.dispose();
    return out;
  };
  beforeAll(async () => {
    rt = await tfRuntime();
    panel = noisePanel(syntheticHourly({ sensors: 3, days: 36, seed: 5 }));
    r = await train(panel);
  });

  it('scores each week with the network trained before it: per fold and pooled, with the fold’s best baseline, DM test and coverage', () => {
    const folds = r.report.folds;
    expect(folds).toHaveLength(3);
    for (const f of folds) {
      expect(f.train_until).toBe(f.from);
      expect(Date.parse(f.until) - Date.parse(f.from)).toBeGreaterThanOrEqual(7 * DAY_MS - HOUR_MS); // the last ends an hour short (see above)
      expect(f.n).toBeGreaterThan(3 * 150 * 40);
      const byMae = Object.entries(f.baselines).sort((a, b) => (a[1]['mae'] ?? Infinity) - (b[1]['mae'] ?? Infinity));
      expect(f.best_baseline).toBe(byMae[0]?.[0]);
      expect(f.dm_p_value).toBeGreaterThanOrEqual(0);
      expect(f.dm_p_value).toBeLessThanOrEqual(1);
      expect(f.coverage_90).toBeGreaterThan(0.5);
    }
    expect(folds.reduce((n, f) => n + f.n, 0)).toBe(r.report.overall.n);
    // the deployed network is the last fold's
    expect(r.report.train.until).toBe(folds.at(-1)?.from);
    expect(r.report.test.from).toBe(folds[0]?.from);
    expect(r.report.notes.join('\n')).toMatch(/3 weekly rolling-origin folds over the last 3 weeks/);
    expect(r.report.decisions[0]?.dm_p_value).not.toBeNull();
  });

  it('a fold’s scores do not depend on later weeks: louder levels in the last week leave the first fold as it was', async () => {
    const p = noiseFoldPlan(panel);
    if ('skipped' in p) throw new Error(p.skipped);
    const from = p.folds.at(-1)?.start ?? 0;
    const louder = { ...panel, levels: panel.levels.map((l) => l.map((v, t) => (t >= from ? v + 15 : v))) };
    const again = await train(louder);
    expect(again.report.folds[0]).toEqual(r.report.folds[0]);
    expect(again.report.folds[2]?.model['mae']).not.toBe(r.report.folds[2]?.model['mae']);
  });
});
