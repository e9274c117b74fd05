// Model benchmarks: training time of the noise model at the demo's size, inference rows/s with a large
// batch and with tfjs's default batch of 32, the wasm backend against the pure-JS cpu backend, and
// (where ../shared exists) the river backtest on the Seine 1852–2008 series (evaluation only: the
// series is not in the repository and the weights trained on it are never kept in it).
// `npx tsx scripts/bench-models.ts` prints a table; scripts/bench.ts calls benchModels().
import { existsSync, readFileSync } from 'node:fs';
import { noisePanel } from '../functions/lib/models/noise/features.ts';
import { trainNoiseModel } from '../functions/lib/models/noise/model.ts';
import { buildMlp, matrix, predictRows } from '../functions/lib/models/nn.ts';
import { parseDailySeries } from '../functions/lib/models/river/series.ts';
import { trainRiverModel } from '../functions/lib/models/river/model.ts';
import { tfRuntime, useBackend, type TfRuntime } from '../functions/lib/models/runtime.ts';
import { syntheticHourly, syntheticRainRiver, syntheticTemperatures } from '../tests/models/synthetic.ts';
import { deriveForecasts } from '../functions/lib/demo-climate/forecasts.ts';
import { evaluateForecastDriven, forecastsByIssue } from '../functions/lib/models/heat/forecast-driven.ts';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/**
 * the Seine evaluation series in the shared folder beside the main checkout: OBSERVATORY_SHARED_DIR when set,
 * else the repository's parent's shared/ (the main checkout), else /work/shared (a worktree lives deeper)
 */
export const SEINE_SERIES: URL = (() => {
  const name = 'data/series/seine-daily-flow-1852-2008.tsv';
  const candidates = [
    ...(process.env['OBSERVATORY_SHARED_DIR'] ? [new URL(`${name}`, `file://${process.env['OBSERVATORY_SHARED_DIR'].replace(/\/?$/, '/')}`)] : []),
    new URL(`../../shared/${name}`, import.meta.url),
    new URL(`file:///work/shared/${name}`),
  ];
  return candidates.find((u) => existsSync(u)) ?? candidates[0]!;
})();

function networkAndRows(rt: TfRuntime, rows: number) {
  const model = buildMlp(rt.tf, { inputs: 136, hidden: [32], outputs: 48, seed: 1 });
  const x = matrix(rows, 136);
  for (let i = 0; i < x.data.length; i++) x.data[i] = Math.sin(i);
  return { model, x };
}

/** rows/s of predictRows (one model.predict call per `batchSize` rows) */
async function inferenceRate(rt: TfRuntime, rows: number, batchSize: number): Promise<number> {
  const { model, x } = networkAndRows(rt, rows);
  await predictRows(rt.tf, model, { rows: Math.min(rows, batchSize), cols: 136, data: x.data.subarray(0, Math.min(rows, batchSize) * 136) }, { batchSize }); // warm-up
  const started = performance.now();
  await predictRows(rt.tf, model, x, { batchSize });
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  return rows / seconds;
}

/** rows/s of a plain `model.predict(x)` (tfjs's default batch of 32) */
async function defaultPredictRate(rt: TfRuntime, rows: number): Promise<number> {
  const { model, x } = networkAndRows(rt, rows);
  const xs = rt.tf.tensor2d(x.data, [rows, 136]);
  const started = performance.now();
  const y = model.predict(xs) as ReturnType<typeof rt.tf.tensor>;
  await y.data();
  const seconds = (performance.now() - started) / 1000;
  rt.tf.dispose([xs, y]);
  model.dispose();
  return rows / seconds;
}

export async function benchModels(options: { log?: (f: Figure) => void } = {}): Promise<Figure[]> {
  const figures: Figure[] = [];
  const record = (f: Figure) => {
    figures.push(f);
    options.log?.(f);
  };
  const rt = await tfRuntime();
  const backend = rt.description;

  // training at the demo's size: 190 sensors, 14 days of hourly levels
  const panel = noisePanel(syntheticHourly({ sensors: 190, days: 14 }));
  const started = performance.now();
  const trained = await trainNoiseModel(rt, panel, new Map());
  if ('skipped' in trained) throw new Error(trained.skipped);
  const total = (performance.now() - started) / 1000;
  trained.model.dispose();
  record({ name: 'noise model training (190 sensors × 14 days)', value: total, unit: 's', note: `${backend}; fit ${trained.fit.seconds.toFixed(1)} s for ${trained.trainRows} examples × ${trained.fit.epochs} epochs; ${JSON.stringify(trained.timings)}` });

  const large = await inferenceRate(rt, 262_144, 16_384);
  record({ name: 'noise network inference, 16 384 rows per predict call', value: large, unit: 'rows/s', note: `${backend}; 136 inputs → 32 → 48 outputs` });
  const batch4096 = await inferenceRate(rt, 131_072, 4096);
  record({ name: 'noise network inference, 4096 rows per predict call', value: batch4096, unit: 'rows/s', note: backend });
  const small = await defaultPredictRate(rt, 8192);
  record({ name: 'noise network inference, model.predict default (batch 32)', value: small, unit: 'rows/s', note: backend });
  record({ name: 'inference speed-up of large batches over the default', value: large / small, unit: '×' });

  if (rt.backend !== 'cpu') {
    const previous = await useBackend('cpu');
    const cpu = await inferenceRate(rt, 32_768, 16_384);
    await useBackend(previous);
    record({ name: 'noise network inference on the cpu backend, 16 384 rows per call', value: cpu, unit: 'rows/s', note: 'tfjs pure-JS backend' });
    record({ name: `inference ratio ${rt.backend} / cpu`, value: large / cpu, unit: '×' });
  }

  // the noise target: a 10-week simulated network; the network must beat the best baseline by ≥ 5 % MAE at
  // 1–6 h and not lose at 7–48 h, and its 90 % intervals must cover 85–95 %
  {
    const ten = noisePanel(syntheticHourly({ sensors: 60, days: 70, seed: 70 }));
    const r = await trainNoiseModel(rt, ten, new Map(), { testDays: 7 });
    if ('skipped' in r) throw new Error(r.skipped);
    r.model.dispose();
    const best = (h: (typeof r.report.horizons)[number]) => Math.min(...Object.values(h.baselines).map((b) => b['mae'] ?? Infinity));
    const ratio = (from: number, to: number) => {
      const hs = r.report.horizons.filter((h) => h.horizon_hours >= from && h.horizon_hours <= to);
      return Math.max(...hs.map((h) => (h.model['mae'] ?? Infinity) / best(h)));
    };
    const d = r.report.decisions[0]!;
    record({ name: 'noise, 10 simulated weeks: worst model/best-baseline MAE ratio at 1–6 h (target ≤ 0.95)', value: ratio(1, 6), unit: '×', note: `${d.reason}` });
    record({ name: 'noise, 10 simulated weeks: worst model/best-baseline MAE ratio at 7–48 h (target ≤ 1)', value: ratio(7, 48), unit: '×', note: `pooled MAE ${d.model_score} vs ${d.best_baseline} ${d.best_baseline_score}` });
    record({ name: 'noise, 10 simulated weeks: 90 % interval coverage of the model (target 0.85–0.95)', value: r.report.coverage_90['model'] ?? NaN, unit: '1', note: JSON.stringify(r.report.coverage_90) });
  }

  // the heat-wave forecast from TN/TX forecasts: 30 synthetic years, forecasts derived with the documented error per lead, 10 held out
  {
    const t = performance.now();
    const s = syntheticTemperatures({ years: 30, seed: 11 });
    const derived = deriveForecasts({ days: s.days, tn: s.tn, tx: s.tx }, { seed: 5, station: 'synthetic' });
    const forecasts = forecastsByIssue(derived.flatMap((f) => f.daily.map((d) => ({ issueDay: f.issueDay, lead: d.lead, tn: d.tn, tx: d.tx }))));
    const ev = evaluateForecastDriven(s, forecasts, s.days[Math.round(20 * 365.25)]!);
    const [d1, , d3] = ev.leads;
    const note = ev.leads.map((l) => `D+${l.lead_days}: ${l.publish}, Brier ${JSON.stringify(l.brier)}, threshold ${l.warning_threshold}, ${l.events} heat-wave days`).join('; ');
    record({ name: 'heat-wave forecast from TN/TX forecasts, D+1 probability of detection (target ≥ 0.9)', value: d1!.detection ?? NaN, unit: '1', note: `${((performance.now() - t) / 1000).toFixed(1)} s; ${note}` });
    record({ name: 'heat-wave forecast from TN/TX forecasts, D+1 false-alarm ratio (target ≤ 0.3)', value: d1!.false_alarm_ratio ?? NaN, unit: '1' });
    record({ name: 'heat-wave forecast from TN/TX forecasts, D+3 Brier skill against conditional climatology (target ≥ 0.3)', value: d3!.bss['markov_climatology'] ?? NaN, unit: '1', note: `against climatology ${d3!.bss['climatology']}` });
  }

  {
    // what basin rain adds: a simulated basin whose floods follow the rain of 2-4 days before (20 years, the last 5 held
    // out), the network and its baselines with and without the rain inputs (the linear baseline gets them too)
    const s = syntheticRainRiver({ days: 7305, seed: 7, start: '1990-01-01' });
    const mae: Record<string, number[]> = {};
    for (const rain of [[], ['RAIN']]) {
      const label = rain.length ? 'with basin rain' : 'flows only';
      const t = performance.now();
      const r = await trainRiverModel(rt, s, { target: 'RAIN_FLOW', upstream: [], rain, transform: 'log', variable: 'flow', unit: 'm³/s' }, { trainUntil: Date.parse('2005-01-01') });
      if ('skipped' in r) throw new Error(r.skipped);
      r.model.dispose();
      mae[label] = r.report.horizons.map((h) => h.model['mae'] ?? NaN);
      for (const h of r.report.horizons) {
        const best = Object.entries(h.baselines).sort((a, b) => (a[1]['mae'] ?? Infinity) - (b[1]['mae'] ?? Infinity))[0]!;
        record({
          name: `simulated rain-driven basin +${h.horizon_hours / 24} d, ${label}: model MAE / best baseline (${best[0]}) MAE`,
          value: (h.model['mae'] ?? NaN) / (best[1]['mae'] ?? NaN),
          unit: '×',
          note: `${((performance.now() - t) / 1000).toFixed(1)} s; model ${h.model['mae']}; ${Object.entries(h.baselines).map(([b, v]) => `${b} ${v['mae']}`).join(', ')}`,
        });
      }
    }
    mae['with basin rain']!.forEach((m, k) =>
      record({ name: `simulated rain-driven basin +${k + 1} d: network MAE with basin rain / without`, value: m / mae['flows only']![k]!, unit: '×' }),
    );
  }

  if (existsSync(SEINE_SERIES)) {
    // rolling origins: refit up to 1981, 1991 and 2001, each scored on the following decade (yearly folds inside)
    const series = parseDailySeries(readFileSync(SEINE_SERIES, 'utf8'), 'seine-daily-flow-1852-2008.tsv');
    // the upstream gauge's travel time: the lag (days) at which its log-flow changes correlate best with Austerlitz's
    {
      const up = series.columns['H1700010']!;
      const down = series.columns['H5920014']!;
      const change = (c: Float64Array, i: number) => Math.log(c[i]!) - Math.log(c[i - 1]!);
      const corr = (lag: number) => {
        const xs: number[] = [];
        const ys: number[] = [];
        for (let i = lag + 1; i < series.length; i++) {
          const x = change(up, i - lag);
          const y = change(down, i);
          if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
          xs.push(x);
          ys.push(y);
        }
        const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
        const my = ys.reduce((a, b) => a + b, 0) / ys.length;
        let sxy = 0;
        let sxx = 0;
        let syy = 0;
        for (let i = 0; i < xs.length; i++) {
          sxy += (xs[i]! - mx) * (ys[i]! - my);
          sxx += (xs[i]! - mx) ** 2;
          syy += (ys[i]! - my) ** 2;
        }
        return sxy / Math.sqrt(sxx * syy);
      };
      const lags = [0, 1, 2, 3, 4, 5].map((l) => [l, corr(l)] as const);
      const best = lags.reduce((a, b) => (b[1] > a[1] ? b : a));
      record({ name: 'Pont-sur-Seine → Austerlitz travel time: lag of the best correlation of daily log-flow changes', value: best[0], unit: 'd', note: lags.map(([l, c]) => `lag ${l} d: r ${c.toFixed(3)}`).join(', ') + ' (config/river-gauges.json says 2.5 d)' });
    }
    const setup = { target: 'H5920014', upstream: ['H1700010'], transform: 'log', variable: 'flow', unit: 'm³/s' } as const;
    // the training length is chosen before the test decades are seen: each candidate trained to 1970 and scored on
    // 1971–1980 (inside every later training period), the lower mean ratio to the best baseline wins
    const candidates = [3000, 12000];
    const validation: number[] = [];
    for (const steps of candidates) {
      const t = performance.now();
      const r = await trainRiverModel(rt, series, setup, { trainUntil: Date.parse('1971-01-01'), testUntil: Date.parse('1981-01-01') }, { steps });
      if ('skipped' in r) throw new Error(r.skipped);
      r.model.dispose();
      const ratios = r.report.horizons.map((h) => (h.model['mae'] ?? NaN) / Math.min(...Object.values(h.baselines).map((b) => b['mae'] ?? Infinity)));
      validation.push(ratios.reduce((a, b) => a + b, 0) / ratios.length);
      record({
        name: `Seine selection: ${steps} optimiser steps, trained to 1970, scored 1971–1980: mean model / best-baseline MAE ratio at 1–3 d`,
        value: validation.at(-1)!,
        unit: '×',
        note: `${((performance.now() - t) / 1000).toFixed(0)} s; ratios ${ratios.map((x) => x.toFixed(3)).join(' / ')}; best epoch ${r.fit.bestEpoch} of ${r.fit.epochs}`,
      });
    }
    const steps = candidates[validation.indexOf(Math.min(...validation))]!;
    for (const [from, until] of [
      ['1981', '1991'],
      ['1991', '2001'],
      ['2001', '2009'],
    ] as const) {
      const t = performance.now();
      const r = await trainRiverModel(rt, series, setup, { trainUntil: Date.parse(`${from}-01-01`), testUntil: Date.parse(`${until}-01-01`) }, { steps });
      if ('skipped' in r) throw new Error(r.skipped);
      r.model.dispose();
      const d = r.report.decisions[0]!;
      record({ name: `river fit + backtest, Seine trained to ${Number(from) - 1}, scored ${from}–${Number(until) - 1}`, value: (performance.now() - t) / 1000, unit: 's', note: `${r.trainRows} training days; publishes ${d.use === 'model' ? 'the network' : d.best_baseline}: ${d.reason}` });
      for (const h of r.report.horizons) {
        const best = Object.entries(h.baselines).sort((a, b) => (a[1]['mae'] ?? Infinity) - (b[1]['mae'] ?? Infinity))[0]!;
        record({
          name: `Seine ${from}–${Number(until) - 1} +${h.horizon_hours / 24} d, with the upstream flow (no rain in the series), ${steps} steps: model MAE / best baseline (${best[0]}) MAE (target ≤ 0.85)`,
          value: (h.model['mae'] ?? NaN) / (best[1]['mae'] ?? NaN),
          unit: '×',
          note: `model ${h.model['mae']} m³/s; ${Object.entries(h.baselines).map(([b, v]) => `${b} ${v['mae']}`).join(', ')}; coverage ${JSON.stringify(r.report.coverage_90)}`,
        });
      }
    }
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchModels({ log: (f) => process.stderr.write(`${f.name}: ${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}${f.note ? ` (${f.note})` : ''}\n`) });
  process.stdout.write(figures.map((f) => `${f.name}\t${f.value}\t${f.unit}\t${f.note ?? ''}`).join('\n') + '\n');
}
