// Which engine writes Parquet inside a Lambda? DuckDB's native binary (what the stages use) against a
// pure-JS writer (hyparquet-writer) and a WebAssembly one (parquet-wasm, Rust's parquet crate).
//
// Each measurement runs in a fresh Node process:
//   cold:       import the module (and start it: DuckDB instance, Wasm) and write a 1 000-row file —
//               what a Lambda cold start adds before the first write;
//   throughput: write 1 000 000 noise_readings-shaped rows (the declaration's file columns), best codec
//               each writer has here, timed from rows in memory to the file on disk, read back with
//               DuckDB to check the row count.
//
//   npx tsx scripts/bench-parquet-writers.ts [--rows 1000000] [--runs 3] [--only duckdb-stages,…] [--out bench-results/parquet-writers.json]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SELF), '..');

type WriterName = 'duckdb-stages' | 'duckdb' | 'duckdb-chunks' | 'duckdb-sql' | 'hyparquet-writer' | 'parquet-wasm';
const WRITERS: { name: WriterName; codec: string; package: string }[] = [
  { name: 'duckdb-stages', codec: 'ZSTD', package: '@duckdb/node-api' },
  { name: 'duckdb', codec: 'ZSTD', package: '@duckdb/node-api' },
  { name: 'duckdb-chunks', codec: 'ZSTD', package: '@duckdb/node-api' },
  { name: 'duckdb-sql', codec: 'ZSTD', package: '@duckdb/node-api' },
  { name: 'hyparquet-writer', codec: 'SNAPPY', package: 'hyparquet-writer' },
  { name: 'hyparquet-writer', codec: 'GZIP', package: 'hyparquet-writer' },
  { name: 'parquet-wasm', codec: 'ZSTD', package: 'parquet-wasm' },
];

// ---------------------------------------------------------------------------------------------
// the data: noise_readings' file columns, deterministic

interface Columns {
  n: number;
  sensor_id: string[];
  commune_insee: (string | null)[];
  ts_from: Float64Array; // epoch ms
  ts_to: Float64Array;
  laeq: Float64Array;
  lamax: Float64Array;
  las: (number | null)[];
  source_kind: string[];
  raw_key: string[];
  record: Int32Array;
  received_at: Float64Array;
}

function makeColumns(n: number): Columns {
  const sensors = Array.from({ length: 200 }, (_, i) => `urn:ngsi-ld:Device:bruitparif-${String(i).padStart(4, '0')}`);
  const communes = Array.from({ length: 130 }, (_, i) => String(75101 + i));
  const start = Date.UTC(2025, 0, 1);
  const c: Columns = {
    n,
    sensor_id: new Array<string>(n),
    commune_insee: new Array<string | null>(n),
    ts_from: new Float64Array(n),
    ts_to: new Float64Array(n),
    laeq: new Float64Array(n),
    lamax: new Float64Array(n),
    las: new Array<number | null>(n),
    source_kind: new Array<string>(n),
    raw_key: new Array<string>(n),
    record: new Int32Array(n),
    received_at: new Float64Array(n),
  };
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) {
    const sensor = i % sensors.length;
    const minute = Math.floor(i / sensors.length);
    c.sensor_id[i] = sensors[sensor]!;
    c.commune_insee[i] = sensor % 17 === 0 ? null : communes[sensor % communes.length]!;
    c.ts_from[i] = start + minute * 60_000;
    c.ts_to[i] = c.ts_from[i]! + 60_000;
    c.laeq[i] = Math.round((45 + 20 * random()) * 10) / 10;
    c.lamax[i] = c.laeq[i]! + Math.round(15 * random() * 10) / 10;
    c.las[i] = i % 5 === 0 ? null : c.laeq[i]! - 1;
    c.source_kind[i] = 'noise-fiware';
    const file = Math.floor(minute / 60);
    c.raw_key[i] = `raw/noise-fiware/${(file % 256).toString(16).padStart(2, '0')}/${file.toString(16).padStart(64, '0')}.json`;
    c.record[i] = sensor;
    c.received_at[i] = start + (file + 1) * 3_600_000;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// the writers, each fed the way it takes data best

async function writeDuckdbStages(c: Columns, file: string): Promise<void> {
  // what the stages do: Duck.writeParquet (functions/lib/adapters/duckdb.ts) on the rows as objects, the
  // way the ingests hold them (numbers, dictionary codes and constants into DuckDB, then COPY … ZSTD)
  const { Duck } = await import('../functions/lib/adapters/duckdb.ts');
  const { noiseReadings } = await import('../functions/lib/datasets/index.ts');
  const rows = Array.from({ length: c.n }, (_, i) => ({
    sensor_id: c.sensor_id[i],
    commune_insee: c.commune_insee[i],
    ts_from: new Date(c.ts_from[i]!),
    ts_to: new Date(c.ts_to[i]!),
    laeq: c.laeq[i],
    lamax: c.lamax[i],
    las: c.las[i],
    source_kind: c.source_kind[i],
    raw_key: c.raw_key[i],
    record: c.record[i],
    received_at: new Date(c.received_at[i]!),
  }));
  const duck = await Duck.open();
  await duck.writeParquet(noiseReadings, rows, file);
  await duck.close();
}

async function writeDuckdb(c: Columns, file: string): Promise<void> {
  // the first way the stages wrote (replaced): an appender into a table row by row, then COPY … ZSTD
  const { DuckDBInstance, timestampTZValue } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run("SET TimeZone = 'UTC'");
  await con.run(
    'CREATE TABLE r (sensor_id VARCHAR, commune_insee VARCHAR, ts_from TIMESTAMPTZ, ts_to TIMESTAMPTZ, laeq DOUBLE, lamax DOUBLE, las DOUBLE, source_kind VARCHAR, raw_key VARCHAR, record INTEGER, received_at TIMESTAMPTZ)',
  );
  const a = await con.createAppender('r');
  const ts = (ms: number) => timestampTZValue(BigInt(ms) * 1000n);
  for (let i = 0; i < c.n; i++) {
    a.appendVarchar(c.sensor_id[i]!);
    if (c.commune_insee[i] === null) a.appendNull();
    else a.appendVarchar(c.commune_insee[i]!);
    a.appendTimestampTZ(ts(c.ts_from[i]!));
    a.appendTimestampTZ(ts(c.ts_to[i]!));
    a.appendDouble(c.laeq[i]!);
    a.appendDouble(c.lamax[i]!);
    if (c.las[i] === null) a.appendNull();
    else a.appendDouble(c.las[i]!);
    a.appendVarchar(c.source_kind[i]!);
    a.appendVarchar(c.raw_key[i]!);
    a.appendInteger(c.record[i]!);
    a.appendTimestampTZ(ts(c.received_at[i]!));
    a.endRow();
  }
  a.closeSync();
  await con.run(`COPY r TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
  con.closeSync();
  instance.closeSync();
}

async function writeDuckdbChunks(c: Columns, file: string): Promise<void> {
  // the same engine fed a column at a time, 2 048 rows per data chunk, timestamps as epoch microseconds
  const { DuckDBInstance, DuckDBDataChunk, VARCHAR, BIGINT, DOUBLE, INTEGER } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run("SET TimeZone = 'UTC'");
  await con.run(
    'CREATE TABLE r (sensor_id VARCHAR, commune_insee VARCHAR, ts_from BIGINT, ts_to BIGINT, laeq DOUBLE, lamax DOUBLE, las DOUBLE, source_kind VARCHAR, raw_key VARCHAR, record INTEGER, received_at BIGINT)',
  );
  const a = await con.createAppender('r');
  const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR, BIGINT, BIGINT, DOUBLE, DOUBLE, DOUBLE, VARCHAR, VARCHAR, INTEGER, BIGINT]);
  const us = (xs: Float64Array, s: number, e: number) => Array.from(xs.subarray(s, e), (ms) => BigInt(ms) * 1000n);
  for (let s = 0; s < c.n; s += 2048) {
    const e = Math.min(c.n, s + 2048);
    chunk.setColumns([
      c.sensor_id.slice(s, e),
      c.commune_insee.slice(s, e),
      us(c.ts_from, s, e),
      us(c.ts_to, s, e),
      Array.from(c.laeq.subarray(s, e)),
      Array.from(c.lamax.subarray(s, e)),
      c.las.slice(s, e),
      c.source_kind.slice(s, e),
      c.raw_key.slice(s, e),
      Array.from(c.record.subarray(s, e)),
      us(c.received_at, s, e),
    ]);
    a.appendDataChunk(chunk);
  }
  a.closeSync();
  const ts = (x: string) => `make_timestamp(${x})::TIMESTAMPTZ AS ${x}`;
  await con.run(
    `COPY (SELECT sensor_id, commune_insee, ${ts('ts_from')}, ${ts('ts_to')}, laeq, lamax, las, source_kind, raw_key, record, ${ts('received_at')} FROM r) TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
  );
  con.closeSync();
  instance.closeSync();
}

async function writeDuckdbSql(c: Columns, file: string): Promise<void> {
  // the same rows computed inside DuckDB and written by COPY: how the stages write what they derive
  // in SQL (indicators, compaction), the rows never crossing into JavaScript
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run("SET TimeZone = 'UTC'");
  await con.run(`COPY (
    SELECT 'urn:ngsi-ld:Device:bruitparif-' || lpad((i % 200)::VARCHAR, 4, '0') AS sensor_id,
      CASE WHEN i % 200 % 17 = 0 THEN NULL ELSE (75101 + i % 200 % 130)::VARCHAR END AS commune_insee,
      make_timestamp(1735689600000000 + (i // 200) * 60000000)::TIMESTAMPTZ AS ts_from,
      make_timestamp(1735689600000000 + (i // 200 + 1) * 60000000)::TIMESTAMPTZ AS ts_to,
      round(45 + 20 * random(), 1) AS laeq, round(60 + 15 * random(), 1) AS lamax,
      CASE WHEN i % 5 = 0 THEN NULL ELSE round(44 + 20 * random(), 1) END AS las,
      'noise-fiware' AS source_kind,
      'raw/noise-fiware/' || lpad(to_hex(i // 12000), 64, '0') || '.json' AS raw_key,
      (i % 200)::INTEGER AS record,
      make_timestamp(1735689600000000 + (i // 12000 + 1) * 3600000000)::TIMESTAMPTZ AS received_at
    FROM range(${c.n}) t(i)
  ) TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
  con.closeSync();
  instance.closeSync();
}

async function writeHyparquet(c: Columns, file: string, codec: string): Promise<void> {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const dates = (xs: Float64Array) => Array.from(xs, (ms) => new Date(ms));
  parquetWriteFile({
    filename: file,
    codec: codec as 'SNAPPY',
    compressors: codec === 'GZIP' ? { GZIP: (input: Uint8Array) => gzipSync(input) } : undefined,
    rowGroupSize: 122_880,
    columnData: [
      { name: 'sensor_id', data: c.sensor_id, type: 'STRING', nullable: false },
      { name: 'commune_insee', data: c.commune_insee, type: 'STRING' },
      { name: 'ts_from', data: dates(c.ts_from), type: 'TIMESTAMP', nullable: false },
      { name: 'ts_to', data: dates(c.ts_to), type: 'TIMESTAMP', nullable: false },
      { name: 'laeq', data: c.laeq, type: 'DOUBLE' },
      { name: 'lamax', data: c.lamax, type: 'DOUBLE' },
      { name: 'las', data: c.las, type: 'DOUBLE' },
      { name: 'source_kind', data: c.source_kind, type: 'STRING', nullable: false },
      { name: 'raw_key', data: c.raw_key, type: 'STRING', nullable: false },
      { name: 'record', data: c.record, type: 'INT32', nullable: false },
      { name: 'received_at', data: dates(c.received_at), type: 'TIMESTAMP', nullable: false },
    ],
  });
}

async function writeParquetWasm(c: Columns, file: string): Promise<void> {
  const arrow = await import('apache-arrow');
  const wasm = await import('parquet-wasm/node');
  const micros = (xs: Float64Array) => {
    const out = new BigInt64Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = BigInt(xs[i]!) * 1000n;
    return out;
  };
  const tsType = new arrow.TimestampMicrosecond('UTC');
  const ts = (xs: Float64Array) => arrow.makeVector({ type: tsType, data: micros(xs) } as never);
  const table = new arrow.Table({
    sensor_id: arrow.vectorFromArray(c.sensor_id, new arrow.Utf8()),
    commune_insee: arrow.vectorFromArray(c.commune_insee, new arrow.Utf8()),
    ts_from: ts(c.ts_from),
    ts_to: ts(c.ts_to),
    laeq: arrow.makeVector(c.laeq),
    lamax: arrow.makeVector(c.lamax),
    las: arrow.vectorFromArray(c.las, new arrow.Float64()),
    source_kind: arrow.vectorFromArray(c.source_kind, new arrow.Utf8()),
    raw_key: arrow.vectorFromArray(c.raw_key, new arrow.Utf8()),
    record: arrow.makeVector(c.record),
    received_at: ts(c.received_at),
  });
  const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.ZSTD).setMaxRowGroupSize(122_880).build();
  const bytes = wasm.writeParquet(wasm.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props);
  writeFileSync(file, bytes);
}

async function write(writer: WriterName, codec: string, c: Columns, file: string): Promise<void> {
  if (writer === 'duckdb-stages') return writeDuckdbStages(c, file);
  if (writer === 'duckdb') return writeDuckdb(c, file);
  if (writer === 'duckdb-chunks') return writeDuckdbChunks(c, file);
  if (writer === 'duckdb-sql') return writeDuckdbSql(c, file);
  if (writer === 'hyparquet-writer') return writeHyparquet(c, file, codec);
  return writeParquetWasm(c, file);
}

async function preload(writer: WriterName): Promise<void> {
  if (writer === 'duckdb-stages') await Promise.all([import('../functions/lib/adapters/duckdb.ts'), import('../functions/lib/datasets/index.ts')]);
  else if (writer.startsWith('duckdb')) await import('@duckdb/node-api');
  else if (writer === 'hyparquet-writer') await import('hyparquet-writer');
  else await Promise.all([import('apache-arrow'), import('parquet-wasm/node')]);
}

/** reads a file back with DuckDB: the row count and the sum of laeq */
async function check(file: string): Promise<{ rows: number; laeqSum: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const r = await con.runAndReadAll(`SELECT count(*)::BIGINT AS n, sum(laeq) AS s FROM read_parquet('${file.replaceAll("'", "''")}')`);
  const [row] = r.getRowObjectsJS() as { n: bigint; s: number }[];
  con.closeSync();
  instance.closeSync();
  return { rows: Number(row!.n), laeqSum: row!.s };
}

// ---------------------------------------------------------------------------------------------
// a worker: one measurement in this (fresh) process, the result as JSON on stdout

async function worker(kind: 'cold' | 'throughput', writer: WriterName, codec: string, rows: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'observatory-pq-'));
  const file = path.join(dir, 'out.parquet');
  const columns = makeColumns(rows);
  // throughput: the modules are loaded before the clock starts (the cold measurement includes it)
  if (kind === 'throughput') await preload(writer);
  const started = performance.now();
  await write(writer, codec, columns, file);
  const ms = performance.now() - started;
  const bytes = statSync(file).size;
  const verified = kind === 'throughput' ? await check(file) : undefined;
  const expectedSum = columns.laeq.reduce((a, b) => a + b, 0);
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      ms,
      bytes,
      rows: verified?.rows,
      laeqSumOk: verified ? writer === 'duckdb-sql' || Math.abs(verified.laeqSum - expectedSum) < 1e-6 * expectedSum : undefined,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      processMs: performance.now(),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// the driver

function runWorker(kind: 'cold' | 'throughput', w: (typeof WRITERS)[number], rows: number) {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--worker', kind, w.name, w.codec, String(rows)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`${w.name} ${w.codec} ${kind} failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as { ms: number; bytes: number; rows?: number; laeqSumOk?: boolean; maxRssMb: number; processMs: number }), wallMs: performance.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function packageBytes(name: string): number {
  const dir = path.join(REPO_ROOT, 'node_modules', ...name.split('/'));
  const walk = (d: string): number =>
    spawnSync('du', ['-sb', d], { encoding: 'utf8' }).stdout.split('\t').map(Number)[0] ?? 0;
  return walk(dir);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') return worker(args[1] as 'cold' | 'throughput', args[2] as WriterName, args[3]!, Number(args[4]));
  const opt = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
  const rows = Number(opt('rows', '1000000'));
  const runs = Number(opt('runs', '3'));
  const outFile = path.resolve(REPO_ROOT, opt('out', 'bench-results/parquet-writers.json'));

  const results = [];
  const only = args.includes('--only') ? opt('only', '').split(',') : undefined;
  for (const w of WRITERS.filter((x) => !only || only.includes(x.name))) {
    const cold = Array.from({ length: 5 }, () => runWorker('cold', w, 1000));
    const hot = Array.from({ length: runs }, () => runWorker('throughput', w, rows));
    if (hot.some((h) => h.rows !== rows || !h.laeqSumOk)) throw new Error(`${w.name} ${w.codec}: the file read back does not hold the rows written`);
    const ms = median(hot.map((h) => h.ms));
    results.push({
      writer: w.name,
      codec: w.codec,
      cold_import_and_first_write_ms: Math.round(median(cold.map((c) => c.ms))),
      cold_process_wall_ms: Math.round(median(cold.map((c) => c.wallMs))),
      rows,
      write_ms: Math.round(ms),
      rows_per_second: Math.round(rows / (ms / 1000)),
      file_bytes: hot[0]!.bytes,
      max_rss_mb: Math.max(...hot.map((h) => h.maxRssMb)),
      package_bytes: w.name.startsWith('duckdb') ? packageBytes('@duckdb/node-bindings-linux-x64') + packageBytes('@duckdb/node-api') : w.name === 'parquet-wasm' ? packageBytes('parquet-wasm') + packageBytes('apache-arrow') : packageBytes('hyparquet-writer') + packageBytes('hyparquet'),
    });
    console.error(`${w.name} ${w.codec}: done`);
  }
  const report = { generated_at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, runs, results };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');

  console.log(`Parquet writers, ${rows.toLocaleString('en')} noise_readings rows, median of ${runs} (cold: of 5), node ${process.version}, ${report.cpus} × ${report.cpu}`);
  console.log('writer            codec   cold ms  process ms   write ms     rows/s    file MiB  RSS MiB  package MiB');
  for (const r of results) {
    console.log(
      `${r.writer.padEnd(17)} ${r.codec.padEnd(6)} ${String(r.cold_import_and_first_write_ms).padStart(8)} ${String(r.cold_process_wall_ms).padStart(11)} ${String(r.write_ms).padStart(10)} ${r.rows_per_second.toLocaleString('en').padStart(10)} ${(r.file_bytes / 2 ** 20).toFixed(1).padStart(11)} ${String(r.max_rss_mb).padStart(8)} ${(r.package_bytes / 2 ** 20).toFixed(1).padStart(12)}`,
    );
  }
  console.log(`report: ${path.relative(REPO_ROOT, outFile)}`);
}

await main();
