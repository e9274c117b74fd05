// `npm run bench` entry `cli` (BENCH_ONLY=cli): the command line as a user meets it, whole processes,
// against DuckDB by itself. In each round the commands run one after the other (interleaved), so that
// whatever else the machine does weighs on all of them alike; figures are medians of the rounds
// (BENCH_CLI_ROUNDS, 5), ratios medians of the per-round ratios.
//
//   observatory --version (answered by bin/observatory.cjs)   target ≤ 0.15 s
//   observatory query <aggregate> over the demo lake           target ≤ 1.5 × DuckDB over the project's views
//   observatory ingest noise-fiware <200 000 entities>         target ≥ 0.6 × DuckDB read_json → Parquet (ZSTD)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_DIR_ENV, freshBundle, ROOT, TRACE_ENV } from '../bin/cli-bundle.mjs';
import { Duck, sqlPath } from '../functions/lib/adapters/duckdb.ts';
import { DuckLake } from '../functions/lib/adapters/duck-lake.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { duckdbViewSql } from '../functions/lib/datasets/derive.ts';
import { noiseReadings } from '../functions/lib/datasets/noise.ts';
import { PARQUET_OPTIONS } from '../functions/lib/ports/lake.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import { median } from '../functions/lib/publish/sql.ts';
import { feedDemo } from '../functions/local/demo-feed.ts';
import { buildCli } from './build-cli.ts';
import type { Figure } from './bench.ts';

const BIN = path.join(ROOT, 'bin', 'observatory.cjs');
const DUCKDB_ALONE = path.join(ROOT, 'scripts', 'duckdb-alone.mjs');
const TIME = '/usr/bin/time';

/** the aggregate both sides run over the demo lake */
export const AGGREGATE = 'SELECT commune_insee, count(*) AS readings, round(avg(laeq), 2) AS mean_laeq, max(ts_to) AS last FROM noise_readings GROUP BY ALL ORDER BY ALL';

interface Run {
  /** wall-clock seconds, spawn to exit */
  seconds: number;
  /** user + system CPU seconds of the process, when /usr/bin/time is there to say */
  cpu?: number;
  stdout: string;
  stderr: string;
}

/** runs `node args…` to its end; a non-zero exit is an error naming the command and its stderr */
async function timedNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const timeFile = path.join(os.tmpdir(), `observatory-bench-time-${process.pid}`);
  const withTime = existsSync(TIME);
  const [cmd, argv] = withTime ? [TIME, ['-f', '%U %S', '-o', timeFile, process.execPath, ...args]] : [process.execPath, args];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  let cpu: number | undefined;
  if (withTime) {
    const [user = NaN, system = NaN] = ((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    cpu = user + system;
  }
  return { seconds, cpu, stdout, stderr };
}

/** the demo lake (the simulated network fed through the real ingestion), and the files of its readings */
async function demoLake(dir: string): Promise<{ lake: string; readings: number }> {
  const lake = path.join(dir, 'demo-lake');
  const duck = await Duck.open();
  try {
    const store = new FsObjectStore(lake);
    const s = await feedDemo({ store, lake: new DuckLake(duck, store), logger: silentLogger, now: () => new Date() });
    return { lake, readings: s.curated };
  } finally {
    await duck.close();
  }
}

const fmt = (s: number) => s.toFixed(3);

/** `ngsiBatch`: bench.ts's NGSI-v2 keyValues payload (passed in: bench.ts imports this module) */
export async function benchCli(ngsiBatch: (entities: number) => string): Promise<Figure[]> {
  const rounds = Number(process.env.BENCH_CLI_ROUNDS ?? 5);
  const entities = Number(process.env.BENCH_CLI_ENTITIES ?? 200_000);
  const bundle = freshBundle();
  if (!bundle.entry) {
    process.stderr.write(`cli: ${bundle.stale}; building it first\n`);
    await buildCli();
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-cli-'));
  try {
    const { lake, readings } = await demoLake(dir);
    // DuckDB alone: the project's own view DDL over the same Parquet files, then the same SQL
    const querySql = path.join(dir, 'query.sql');
    await writeFile(querySql, [duckdbViewSql(noiseReadings, `${sqlPath(lake)}/curated/noise_readings/**/*.parquet`), AGGREGATE].join('\n;\n'));
    const ngsi = path.join(dir, 'ngsi.json');
    await writeFile(ngsi, ngsiBatch(entities));
    const parquet = path.join(dir, 'duckdb.parquet');
    const copySql = path.join(dir, 'copy.sql');
    await writeFile(
      copySql,
      `COPY (SELECT refDevice AS sensor_id, dateObservedFrom::TIMESTAMPTZ AS ts_from, dateObservedTo::TIMESTAMPTZ AS ts_to, LAeq AS laeq, LAmax AS lamax, LAS AS las FROM read_json('${sqlPath(ngsi)}')) TO '${sqlPath(parquet)}' (${PARQUET_OPTIONS})`,
    );
    const tsxEnv = { ...process.env, [BUNDLE_DIR_ENV]: path.join(dir, 'no-bundle') };

    // each call says which code ran (one line on stderr): a bundle gone stale meanwhile is an error, not a figure
    const bundled = { ...process.env, [TRACE_ENV]: '1' };
    const observatory = async (args: string[], expected = 'running the bundle') => {
      const r = await timedNode([BIN, ...args], bundled);
      if (!r.stderr.startsWith(`observatory: ${expected}`)) throw new Error(`observatory ${args[0]}: expected "${expected}", found "${r.stderr.split('\n')[0]}"`);
      return r;
    };
    const measure = async (round: number) => {
      const empty = await timedNode(['-e', '']);
      const version = await observatory(['--version'], 'the version, from package.json, before loading the command line');
      const help = await observatory(['--help']);
      const helpTsx = await timedNode([BIN, '--help'], tsxEnv);
      const query = await observatory(['--lake', lake, 'query', AGGREGATE, '--format', 'csv']);
      const queryDuck = await timedNode([DUCKDB_ALONE, querySql]);
      const target = path.join(dir, `ingest-lake-${round}`);
      const ingest = await observatory(['--lake', target, 'ingest', 'noise-fiware', ngsi]);
      await rm(target, { recursive: true, force: true });
      const ingestDuck = await timedNode([DUCKDB_ALONE, copySql]);
      await rm(parquet, { force: true });
      return { empty, version, help, helpTsx, query, queryDuck, ingest, ingestDuck };
    };

    // a first round warms the page cache and DuckDB's files; it is checked, not counted
    const warm = await measure(-1);
    if (warm.version.stdout.trim() !== (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version) {
      throw new Error(`observatory --version printed "${warm.version.stdout.trim()}", not package.json's version`);
    }
    if (!warm.ingest.stderr.includes(`${entities} records → ${entities} curated, 0 quarantined`)) throw new Error(`the CLI did not curate the ${entities} entities: ${warm.ingest.stderr}`);
    const ourRows = warm.query.stdout.trim().split('\n').length - 1;
    if (ourRows !== Number(warm.queryDuck.stdout.trim())) throw new Error(`the query gave ${ourRows} rows through the CLI and ${warm.queryDuck.stdout.trim()} through DuckDB alone`);

    const runs: Awaited<ReturnType<typeof measure>>[] = [];
    for (let r = 0; r < rounds; r++) runs.push(await measure(r));
    type Key = keyof (typeof runs)[number];
    const middle = (xs: number[]) => median(xs) ?? NaN;
    const sec = (k: Key) => middle(runs.map((r) => r[k].seconds));
    const cpus = (k: Key) => runs.flatMap((r) => (r[k].cpu === undefined ? [] : [r[k].cpu]));
    const cpu = (k: Key) => (cpus(k).length === 0 ? '' : `, CPU ${fmt(middle(cpus(k)))} s`);
    const rounded = (xs: number[]) => `rounds: ${xs.map((x) => x.toFixed(2)).join(' ')}`;
    const queryRatios = runs.map((r) => r.query.seconds / r.queryDuck.seconds);
    const ingestRatios = runs.map((r) => r.ingestDuck.seconds / r.ingest.seconds);
    const note = `whole process, median of ${rounds} interleaved rounds`;
    return [
      { name: 'cli: node -e "" (an empty Node process: the floor, and how busy the machine is)', value: sec('empty'), unit: 's', note: `${note}${cpu('empty')}` },
      { name: 'cli: observatory --version (answered before the command line loads)', value: sec('version'), unit: 's', note: `target ≤ 0.15; ${note}${cpu('version')}` },
      { name: 'cli: observatory --help (the bundle: the command line loaded, no command run)', value: sec('help'), unit: 's', note: `${note}${cpu('help')}` },
      { name: 'cli: observatory --help (sources through tsx, as when the bundle is stale)', value: sec('helpTsx'), unit: 's', note: `${note}${cpu('helpTsx')}` },
      { name: `cli: observatory query, an aggregate over the demo lake (${readings} readings)`, value: sec('query'), unit: 's', note: `${note}${cpu('query')}` },
      { name: 'cli: DuckDB alone (@duckdb/node-api, the project’s view DDL), same SQL', value: sec('queryDuck'), unit: 's', note: `${note}${cpu('queryDuck')}` },
      { name: 'cli: ratio query time, observatory / DuckDB', value: middle(queryRatios), unit: '×', note: `target ≤ 1.5; ${rounded(queryRatios)}` },
      { name: `cli: observatory ingest noise-fiware, ${entities} entities into an empty lake`, value: entities / sec('ingest'), unit: 'records/s', note: `${fmt(sec('ingest'))} s; ${note}${cpu('ingest')}` },
      { name: 'cli: DuckDB alone read_json → Parquet (ZSTD), same file', value: entities / sec('ingestDuck'), unit: 'records/s', note: `${fmt(sec('ingestDuck'))} s; ${note}${cpu('ingestDuck')}` },
      { name: 'cli: ratio ingest throughput, observatory / DuckDB', value: middle(ingestRatios), unit: '×', note: `target ≥ 0.6 (aim ≥ 1); ${rounded(ingestRatios)}` },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
