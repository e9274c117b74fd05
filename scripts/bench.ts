// `npm run bench`: throughput figures side by side, with ratios. Prints a table on stdout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Duck, sqlPath, PARQUET_OPTIONS } from '../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import type { StageContext } from '../functions/lib/stages/context.ts';
import { ingestNoise } from '../functions/lib/stages/ingest-noise.ts';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const figures: Figure[] = [];
const record = (f: Figure) => {
  figures.push(f);
  process.stderr.write(`${f.name}: ${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}${f.note ? ` (${f.note})` : ''}\n`);
};

/** a batch of NGSI-v2 keyValues NoiseLevelObserved entities, as sensors push them */
export function ngsiBatch(n: number, offset = 0): string {
  const entities = [];
  for (let i = 0; i < n; i++) {
    const sensor = (offset + i) % 200;
    const t = Date.UTC(2025, 5, 2) + Math.floor((offset + i) / 200) * 60_000;
    entities.push({
      id: `urn:ngsi-ld:NoiseLevelObserved:s${sensor}-${t}`,
      type: 'NoiseLevelObserved',
      refDevice: `urn:ngsi-ld:Device:s${sensor}`,
      dateObservedFrom: new Date(t).toISOString(),
      dateObservedTo: new Date(t + 60_000).toISOString(),
      location: { type: 'Point', coordinates: [2.25 + (sensor % 20) * 0.01, 48.82 + Math.floor(sensor / 20) * 0.008] },
      LAeq: 40 + ((offset + i) % 400) / 10,
      LAmax: 70.5,
      LAS: 55.25,
    });
  }
  return JSON.stringify(entities);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

async function benchIngest(dir: string, entities: number, batches: number) {
  const duck = await Duck.open();
  const ctx: StageContext = { store: new FsObjectStore(path.join(dir, 'lake')), duck, logger: silentLogger, now: () => new Date('2025-06-10T00:00:00Z') };
  const payloads = Array.from({ length: batches }, (_, b) => ngsiBatch(entities, b * entities));
  // warm-up (module JIT, DuckDB)
  await ingestNoise(ctx, { sourceKind: 'noise-fiware', bytes: Buffer.from(ngsiBatch(2000, 10_000_000)), origin: 'warm.json' });
  const [, ours] = await timed(async () => {
    for (const [b, p] of payloads.entries()) await ingestNoise(ctx, { sourceKind: 'noise-fiware', bytes: Buffer.from(p), origin: `b${b}.json` });
  });
  const ourRate = (entities * batches) / ours;
  record({ name: 'ingest+curate NGSI keyValues (ours)', value: ourRate, unit: 'records/s', note: `${batches} batches × ${entities}` });
  // DuckDB's own read_json → Parquet on the same payloads
  const files = [];
  for (const [b, p] of payloads.entries()) {
    const f = path.join(dir, `p${b}.json`);
    await writeFile(f, p);
    files.push(f);
  }
  const [, theirs] = await timed(async () => {
    for (const [b, f] of files.entries()) {
      await duck.run(
        `COPY (SELECT refDevice AS sensor_id, dateObservedFrom::TIMESTAMPTZ AS ts_from, dateObservedTo::TIMESTAMPTZ AS ts_to, LAeq AS laeq, LAmax AS lamax, LAS AS las FROM read_json('${sqlPath(f)}')) TO '${sqlPath(path.join(dir, `duck${b}.parquet`))}' (${PARQUET_OPTIONS})`,
      );
    }
  });
  const duckRate = (entities * batches) / theirs;
  record({ name: 'DuckDB read_json → Parquet (same payloads)', value: duckRate, unit: 'records/s' });
  record({ name: 'ratio ours / DuckDB', value: ourRate / duckRate, unit: '×', note: 'target ≥ 0.5' });
  await duck.close();
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-'));
  try {
    await benchIngest(dir, Number(process.env.BENCH_ENTITIES ?? 50_000), Number(process.env.BENCH_BATCHES ?? 6));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(figures.map((f) => `${f.name}\t${f.value}\t${f.unit}\t${f.note ?? ''}`).join('\n') + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
