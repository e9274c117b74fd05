// `npm run bench` entry `backfill` (issue 14): the throughput of a backfill through the noise
// indicators, without the 1 000 s build of the scale entry's 365-day lake. For each history length
// (BENCH_BACKFILL_DAYS, default 30 and 90 days of BENCH_BACKFILL_SENSORS sensors at 15-minute
// resolution, ingested through the real ingest as scripts/bench-scale.ts builds them), it recomputes
// every day with `noiseIndicators(ctx, { full: true })` and prints readings ÷ wall seconds ÷ DuckDB
// threads, the same per CPU second of the process (the machine is shared: wall time counts the other
// sessions' load, CPU time does not), and how much of the wall time the quality-controlled readings
// alone take (the noise_readings view: de-duplication and the quality control's windows).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckLake } from '../functions/lib/adapters/duck-lake.ts';
import { Duck } from '../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { noiseReadings } from '../functions/lib/datasets/index.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import type { StageContext } from '../functions/lib/stages/context.ts';
import { noiseIndicators } from '../functions/lib/stages/noise-indicators.ts';
import type { Figure } from './bench.ts';
import { buildHistory, LAST_DAY } from './bench-scale.ts';

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** the wall seconds of reading every quality-controlled reading of the lake, and how many pass */
async function qualityControlled(ctx: StageContext): Promise<{ seconds: number; ok: number }> {
  await ctx.lake.attach([noiseReadings]);
  const started = performance.now();
  const result = await ctx.lake.all("SELECT count(*) FILTER (WHERE qc = 'ok') AS ok FROM noise_readings");
  return { seconds: (performance.now() - started) / 1000, ok: Number(result.rows[0]?.['ok'] ?? 0) };
}

async function backfillOf(ctx: StageContext, days: number, threads: number, record: (f: Figure) => void): Promise<void> {
  const cpu = process.cpuUsage();
  const full = await noiseIndicators(ctx, { full: true });
  const cpuUsed = cpuSeconds(cpu);
  const qc = await qualityControlled(ctx);
  record({
    name: `backfill: noise indicators over ${days} days`,
    value: full.readings / full.seconds / threads,
    unit: 'readings/s per DuckDB thread',
    note: `${full.readings} readings in ${full.seconds.toFixed(1)} s on ${threads} threads; ${Math.round(full.readings / cpuUsed)} readings per CPU second; the quality-controlled view alone: ${qc.seconds.toFixed(1)} s (${Math.round((100 * qc.seconds) / full.seconds)} %)`,
  });
}

export async function benchBackfill(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const record = (f: Figure) => {
    figures.push(f);
    process.stderr.write(`${f.name}: ${f.value.toFixed(0)} ${f.unit} (${f.note ?? ''})\n`);
  };
  const sensors = Number(process.env.BENCH_BACKFILL_SENSORS ?? 300);
  const histories = (process.env.BENCH_BACKFILL_DAYS ?? '30,90').split(',').map(Number);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-backfill-'));
  const duck = await Duck.open();
  try {
    const threads = Number((await duck.all("SELECT current_setting('threads') AS t")).rows[0]?.['t'] ?? 1);
    for (const days of histories) {
      const store = new FsObjectStore(path.join(dir, `lake-${days}`));
      const ctx: StageContext = { store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date(`${LAST_DAY}T23:30:00Z`) };
      const built = performance.now();
      const readings = await buildHistory(ctx, sensors, days);
      process.stderr.write(`backfill: ${days} days of ${sensors} sensors (${readings} readings) built in ${((performance.now() - built) / 1000).toFixed(0)} s\n`);
      await backfillOf(ctx, days, threads, record);
    }
  } finally {
    await duck.close();
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
