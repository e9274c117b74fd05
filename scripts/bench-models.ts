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
import { syntheticHourly } from '../tests/models/synthetic.ts';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export const SEINE_SERIES = new URL('../../shared/data/series/seine-daily-flow-1852-2008.tsv', import.meta.url);

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

  if (existsSync(SEINE_SERIES)) {
    const series = parseDailySeries(readFileSync(SEINE_SERIES, 'utf8'), 'seine-daily-flow-1852-2008.tsv');
    const t = performance.now();
    const r = await trainRiverModel(rt, series, { target: 'H5920014', upstream: ['H1700010'], transform: 'log', variable: 'flow', unit: 'm³/s' }, { trainUntil: Date.parse('1991-01-01') });
    if ('skipped' in r) throw new Error(r.skipped);
    r.model.dispose();
    record({ name: 'river model training + backtest (Seine 1852–1990 → 1991–2008)', value: (performance.now() - t) / 1000, unit: 's', note: `${r.trainRows} training days; evaluation only` });
    for (const h of r.report.horizons) {
      record({
        name: `Seine at Austerlitz +${h.horizon_hours / 24} d MAE (model | persistence)`,
        value: h.model['mae'] ?? NaN,
        unit: 'm³/s',
        note: `persistence ${h.baselines['persistence']?.['mae']}; NSE ${h.model['nse']} vs ${h.baselines['persistence']?.['nse']}`,
      });
    }
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchModels({ log: (f) => process.stderr.write(`${f.name}: ${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}${f.note ? ` (${f.note})` : ''}\n`) });
  process.stdout.write(figures.map((f) => `${f.name}\t${f.value}\t${f.unit}\t${f.note ?? ''}`).join('\n') + '\n');
}
