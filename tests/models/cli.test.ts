import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METEOFRANCE_HEADER } from '../../functions/lib/demo-climate/heatwave.ts';
import { heatIndicators } from '../../functions/lib/stages/heat-indicators.ts';
import { ingestMeteoFrance } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';
import { seriesTsv, syntheticRiver, syntheticTemperatures } from './synthetic.ts';

/** what `observatory models evaluate` prints (report.ts evaluationSummary) */
interface EvaluationJson {
  readonly target: string;
  readonly unit: string;
  readonly transform?: string;
  readonly metric: string;
  readonly origins_used: number;
  readonly origins_dropped: number;
  readonly horizons: readonly {
    readonly horizon_days: number;
    readonly n: number;
    readonly model: Record<string, number>;
    readonly baselines: Record<string, Record<string, number>>;
    readonly best_baseline: string;
    readonly verdict: string;
  }[];
  readonly decision: { readonly verdict: string; readonly best_baseline: string };
  readonly coverage_90: Record<string, number>;
  readonly folds: readonly { readonly from: string }[];
}
const evaluation = (stdout: string) => JSON.parse(stdout) as EvaluationJson;

let dir: string;
let seriesFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-models-cli-'));
  seriesFile = path.join(dir, 'synthetic-flow.tsv');
  // DOWN follows UP two days later: a model that reads UP must beat persistence at 2 and 3 days
  await writeFile(seriesFile, seriesTsv(syntheticRiver({ days: 2200, lagDays: 2 })));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('observatory models evaluate river --series', () => {
  it('prints per horizon the model’s scores, every baseline’s under its name, the best baseline and the verdict, as JSON on stdout', async () => {
    const lake = path.join(dir, 'lake');
    const r = await observatory(['--lake', lake, 'models', 'evaluate', 'river', '--series', seriesFile, '--target', 'DOWN', '--train-until', '1994-01-01', '--unit', 'm³/s']);
    expect(r.stderr).toMatch(/models: TensorFlow\.js backend wasm/);
    expect(r.stderr).not.toMatch(/warning: .* origins/);
    expect(r.code).toBe(0);
    const out = evaluation(r.stdout);
    expect(Object.keys(out)).toEqual(['target', 'unit', 'transform', 'train', 'test', 'origins_used', 'origins_dropped', 'metric', 'horizons', 'decision', 'coverage_90', 'folds']);
    expect(out).toMatchObject({ target: 'DOWN', unit: 'm³/s', transform: 'log', metric: 'mae', origins_dropped: expect.any(Number) as unknown });
    expect(out.origins_used).toBeGreaterThan(2000);
    expect(out.horizons.map((h) => h.horizon_days)).toEqual([1, 2, 3]);
    for (const h of out.horizons) {
      expect(Object.keys(h)).toEqual(['horizon_days', 'n', 'model', 'baselines', 'best_baseline', 'verdict']);
      expect(Object.keys(h.model)).toEqual(['mae', 'nse']);
      expect(Object.keys(h.baselines)).toEqual(['persistence', 'trend', 'linear']);
      // the best baseline is the one with the lowest MAE, and the verdict names the winner
      const maes = Object.entries(h.baselines).sort((a, b) => a[1]['mae']! - b[1]['mae']!);
      expect(h.best_baseline).toBe(maes[0]![0]);
      expect(h.verdict).toBe(h.model['mae']! < maes[0]![1]['mae']! ? 'model' : maes[0]![0]);
    }
    for (const h of out.horizons.slice(1)) {
      expect(h.model['mae']).toBeLessThan(h.baselines['persistence']!['mae']!);
      expect(h.model['nse']).toBeGreaterThan(h.baselines['persistence']!['nse']!);
    }
    // yearly folds over the held-out years 1994 …, and the interval coverage of each predictor
    expect(out.folds.map((f) => f.from.slice(0, 4))[0]).toBe('1994');
    expect(out.folds.length).toBeGreaterThan(1);
    expect(Object.keys(out.coverage_90)).toEqual(['model', 'persistence', 'trend', 'linear']);
    expect(out.decision.verdict).toEqual(expect.any(String));
    // the backtest is kept in the lake, without touching the river model's current version
    const q = await observatory(['--lake', lake, 'query', "SELECT DISTINCT data, model FROM model_evaluations", '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ data: 'series:synthetic-flow.tsv', model: 'river-series' }]);
  }, 180_000);

  it('--transform none keeps the series as it is; a series with many gaps warns how many origins were dropped', async () => {
    // every 20th upstream value missing: each origin needs the last 6 days of UP, so about 30 % of origins lack one
    const text = seriesTsv(syntheticRiver({ days: 900, lagDays: 2 }))
      .split('\n')
      .map((line, i) => (i > 0 && i % 20 === 0 && line ? line.replace(/\t[^\t]*\t/, '\t\t') : line))
      .join('\n');
    const gappy = path.join(dir, 'gappy.tsv');
    await writeFile(gappy, text);
    const r = await observatory(['--lake', path.join(dir, 'lake3'), 'models', 'evaluate', 'river', '--series', gappy, '--target', 'DOWN', '--train-until', '1992-01-01', '--transform', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const out = evaluation(r.stdout);
    expect(out.transform).toBe('none');
    expect(out.unit).toBe('');
    const share = out.origins_dropped / (out.origins_used + out.origins_dropped);
    expect(share).toBeGreaterThan(0.2);
    expect(r.stderr).toMatch(new RegExp(`warning: ${out.origins_dropped} of ${out.origins_used + out.origins_dropped} origins \\(${Math.round(100 * share)} %\\) were dropped`));
  }, 180_000);

  it('rejects incomplete or wrong usage with exit code 2 and one line saying why', async () => {
    const cases: [string[], RegExp][] = [
      [['models', 'evaluate', 'river', '--series', seriesFile, '--train-until', '1994-01-01'], /--series needs --target COLUMN/],
      [['models', 'evaluate', 'river', '--series', seriesFile, '--target', 'DOWN', '--train-until', '1994-02-30'], /--train-until: expected a date YYYY-MM-DD/],
      [['models', 'evaluate', 'river', '--series', seriesFile, '--target', 'NOPE', '--train-until', '1994-01-01'], /no column "NOPE"; columns: UP, DOWN/],
      [['models', 'evaluate', 'noise', '--series', seriesFile, '--target', 'DOWN', '--train-until', '1994-01-01'], /--series is only for the river model/],
      [['models', 'train', 'tides'], /unknown model "tides"; expected one of noise, river, heat, all/],
    ];
    for (const [args, message] of cases) {
      const r = await observatory(['--lake', path.join(dir, 'lake2'), ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const missing = await observatory(['models', 'evaluate', 'river', '--series', path.join(dir, 'absent.tsv'), '--target', 'DOWN', '--train-until', '1994-01-01']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--series: cannot read .*absent\.tsv: ENOENT/);
  });

  it('models train on a lake without data skips every model and says why', async () => {
    const r = await observatory(['--lake', path.join(dir, 'empty'), 'models', 'train', 'all']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { model: string; skipped?: string }[];
    expect(out.map((s) => [s.model, typeof s.skipped])).toEqual([
      ['noise', 'string'],
      ['river', 'string'],
      ['heat', 'string'],
    ]);
    expect(r.stderr).toMatch(/train noise: skipped — noise_indicators_hourly is empty/);
  });
});

/** a Météo-France daily file (the real header, `;`, quality codes) for Paris-Montsouris, from TN/TX series */
function meteoFranceFile(days: readonly string[], tn: ArrayLike<number>, tx: ArrayLike<number>, missingTn: ReadonlySet<string>): Buffer {
  const columns = METEOFRANCE_HEADER.split(';');
  const lines = days.map((day, i) => {
    const f = new Array<string>(columns.length).fill('');
    const set = (name: string, v: string) => (f[columns.indexOf(name)] = v);
    set('NUM_POSTE', '75114001');
    set('NOM_USUEL', 'PARIS-MONTSOURIS');
    set('LAT', '48.821667');
    set('LON', '2.337833');
    set('ALTI', '75');
    set('AAAAMMJJ', day.replaceAll('-', ''));
    if (!missingTn.has(day)) {
      set('TN', tn[i]!.toFixed(1));
      set('QTN', '1');
    }
    set('TX', tx[i]!.toFixed(1));
    set('QTX', '1');
    return f.join(';');
  });
  return Buffer.from([METEOFRANCE_HEADER, ...lines].join('\n') + '\n');
}

describe('observatory models evaluate heat', () => {
  it('scores the heat-wave probability per horizon against climatology, conditional climatology and persistence, with the origins used and dropped, as JSON', async () => {
    // three years and a quarter of TN/TX at Paris-Montsouris (two summers to learn from and the last year held out), through the real Météo-France ingest and the heat indicators;
    // the synthetic climate is shifted onto Paris's thresholds (21 / 31 °C) so that its summers hold heat waves
    const s = syntheticTemperatures({ years: 3.25, seed: 11, start: '2021-10-01' });
    const missingTn = new Set(['2023-03-10', '2024-04-02']);
    const tn = Array.from(s.tn, (v) => v + 21 - s.ibmnThreshold);
    // (a TX below the TN is quarantined by the ingest: the rare synthetic day with one is given TN + 1)
    const tx = Array.from(s.tx, (v, i) => Math.max(v + 31 - s.ibmxThreshold, tn[i]! + 1));
    const lake = await tempLake({ now: new Date('2025-01-02T12:00:00Z') });
    try {
      const ingested = await ingestMeteoFrance(lake, { bytes: meteoFranceFile(s.days, tn, tx, missingTn), origin: 'Q_75_previous-1950-2024_RR-T-Vent.csv' });
      expect(ingested).toMatchObject({ curated: s.days.length, quarantined: 0 });
      await heatIndicators(lake);
      const r = await observatory(['--lake', lake.dir, 'models', 'evaluate', 'heat']);
      expect(r.stderr).not.toMatch(/warning: .* origins/);
      expect(r.code, r.stderr).toBe(0);
      const out = evaluation(r.stdout);
      expect(out).toMatchObject({ target: 'heatwave', metric: 'brier' });
      expect(out.horizons.map((h) => h.horizon_days)).toEqual([1, 2, 3]);
      for (const h of out.horizons) {
        expect(h).not.toHaveProperty('horizon_hours');
        expect(Object.keys(h.baselines).sort()).toEqual(['climatology', 'markov_climatology', 'persistence']);
        // the best baseline is the one with the lowest Brier score, and the verdict compares the model with it
        const best = Object.entries(h.baselines).sort((a, b) => a[1]['brier']! - b[1]['brier']!)[0]!;
        expect(h.best_baseline).toBe(best[0]);
        expect(h.verdict).toBe(h.model['brier']! < best[1]['brier']! ? 'model' : best[0]);
        expect(h.n).toBeGreaterThan(300);
      }
      // each day with its 7 days of TN/TX is an origin; a missing TN drops the 7 origins that would read it,
      // besides the first 6 days (no full week before them) and the last day of each period (nothing to score)
      expect(out.origins_used + out.origins_dropped).toBe(s.days.length - 2);
      expect(out.origins_dropped).toBeGreaterThanOrEqual(6 + 7 * missingTn.size);
      expect(out.origins_dropped).toBeLessThan(6 + 7 * missingTn.size + 10);
      expect(['model', out.decision.best_baseline]).toContain(out.decision.verdict);
    } finally {
      await lake.cleanup();
    }
  });
});
