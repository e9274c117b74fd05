import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { once } from 'node:events';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { AthenaEngine, AthenaSettings } from '../lib/adapters/athena.ts';
import type { Logger } from '../lib/ports/logger.ts';
import type { ObjectStore } from '../lib/ports/object-store.ts';
import type { StageContext } from '../lib/stages/context.ts';
import type { IngestSummary } from '../lib/stages/ingest-noise.ts';
import { PUSH_PATH } from '../lib/push/constants.ts';
import { CLIMATE_SOURCE_FORMATS, isClimateSourceKind, isNoiseSourceKind, NOISE_SOURCE_FORMATS } from '../lib/stages/source-kinds.ts';
import { formatResult, OUTPUT_FORMATS, type OutputFormat } from './format.ts';
import { isCalendarDate } from '../lib/domain/time/calendar.ts';

// Heavy modules (DuckDB's native binary, the AWS SDK, the stages) load when a command needs them, so
// that `--help` and usage errors answer at once.
const lib = {
  duck: () => import('../lib/adapters/duckdb.ts'),
  fsStore: () => import('../lib/adapters/fs-store.ts'),
  athena: () => import('../lib/adapters/athena.ts'),
  datasets: () => import('../lib/datasets/index.ts'),
  derive: () => import('../lib/datasets/derive.ts'),
  logger: () => import('../lib/ports/logger.ts'),
  ingest: () => import('../lib/stages/ingest-noise.ts'),
  ingestPool: () => import('../local/ingest-workers/pool.ts'),
  shardReaders: () => import('../local/ingest-workers/shard-readers.ts'),
  climateIngest: () => import('../lib/stages/ingest-climate.ts'),
  sensors: () => import('../lib/stages/sensors.ts'),
  quarantine: () => import('../lib/stages/quarantine.ts'),
  status: () => import('../lib/stages/status.ts'),
  pipeline: () => import('../lib/stages/pipeline.ts'),
  server: () => import('../local/site-server.ts'),
  networks: () => import('../lib/push/networks.ts'),
  demo: () => import('../local/demo-feed.ts'),
  dialect: () => import('../lib/sql/dialect.ts'),
  confine: () => import('../lib/sql/confine.ts'),
  exportStage: () => import('../lib/stages/export.ts'),
  trainModels: () => import('../lib/stages/train-models.ts'),
  trainRiver: () => import('../lib/stages/train-river.ts'),
  predict: () => import('../lib/stages/predict.ts'),
  riverSeries: () => import('../lib/models/river/series.ts'),
  report: () => import('../lib/models/report.ts'),
};

const INGEST_KINDS = [...Object.keys(NOISE_SOURCE_FORMATS), ...Object.keys(CLIMATE_SOURCE_FORMATS)];

// `observatory`: results on stdout, logs and summaries on stderr; exit 0 when the input was processed
// (even with records in quarantine), 1 when an input could not be read, 2 on usage errors.

export const DEFAULT_LAKE = '.lake';

// model names, spelled here so that `--help` and usage errors need no TensorFlow import
const MODEL_NAMES = ['noise', 'river', 'heat'] as const;
const PREDICT_NAMES = ['noise', 'river', 'heat', 'climate-risk'] as const;

function modelNames(given: string, known: readonly string[], allowAll = true): string[] {
  if (allowAll && given === 'all') return [...known];
  if (!known.includes(given)) throw new UsageError(`unknown model "${given}"; expected one of ${known.join(', ')}${allowAll ? ', all' : ''}`);
  return [given];
}

class UsageError extends Error {}
class InputError extends Error {}

interface Globals {
  lake: string;
  quiet?: boolean;
}

async function lakeStore(dir: string): Promise<ObjectStore> {
  const { FsObjectStore } = await lib.fsStore();
  return new FsObjectStore(path.resolve(dir));
}

async function withContext<T>(globals: Globals, fn: (ctx: StageContext) => Promise<T>): Promise<T> {
  const { Duck } = await lib.duck();
  const { stderrLogger } = await lib.logger();
  const duck = await Duck.open();
  const ctx: StageContext = {
    store: await lakeStore(globals.lake),
    duck,
    logger: stderrLogger({ quiet: globals.quiet }),
    now: () => new Date(),
  };
  try {
    return await fn(ctx);
  } finally {
    await duck.close();
  }
}

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS as string[]).default('table');

/** below this many bytes in all, worker threads would take longer to start than the ingest */
const JOBS_FROM_BYTES = 32 * 2 ** 20;

/** the files' sizes (0 for one that cannot be read: its ingest says why) */
async function fileSizes(files: readonly string[]): Promise<number[]> {
  return Promise.all(files.map((f) => stat(f).then((s) => s.size, () => 0)));
}

function parseCount(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1, got "${value}"`);
    return n;
  };
}

function parseNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${value}"`);
    return n;
  };
}

export function printIngestSummary(logger: Logger, s: IngestSummary): void {
  const replay = s.newRaw ? '' : ' (already received: replay, nothing new)';
  if (s.unreadable) {
    logger.error(`${s.origin}: could not be read: ${s.unreadable} — kept in ${s.rawKey} and in the quarantine`);
    return;
  }
  logger.info(
    `${s.origin}: ${s.records} records → ${s.curated} curated, ${s.quarantined} quarantined` +
      (s.duplicatesInFile ? ` (${s.duplicatesInFile} superseded by a later record of the same file)` : '') +
      ` — ${s.rawKey}${replay}`,
  );
  for (const r of s.rejections.slice(0, 5)) {
    logger.info(`  record ${r.record}: ${r.field ?? '-'}: ${r.reason} (expected ${r.expected ?? '-'}, found ${r.found ?? '-'})`);
  }
  if (s.rejections.length > 5) logger.info(`  … ${s.quarantined - 5} more in the quarantine`);
}

/**
 * reads each file, hands its bytes to `ingestOne` (up to `concurrency` files at a time), prints each
 * summary in the order of the files and the total; an unreadable file (missing, or not parseable at
 * all) makes the command exit 1 after the others were processed
 */
async function ingestFiles(
  ctx: StageContext,
  files: readonly string[],
  format: OutputFormat | undefined,
  ingestOne: (bytes: Buffer, origin: string) => Promise<IngestSummary>,
  concurrency = 1,
): Promise<IngestSummary[]> {
  const summaries: IngestSummary[] = [];
  const failures: string[] = [];
  const started: Promise<IngestSummary | string>[] = [];
  const start = async (file: string): Promise<IngestSummary | string> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      return `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
    return ingestOne(bytes, path.basename(file));
  };
  for (let next = 0, done = 0; done < files.length; done++) {
    while (next < files.length && next - done < concurrency) {
      const ingest = start(files[next++]!);
      ingest.catch(() => {}); // awaited in order below; a failure meanwhile is not "unhandled"
      started.push(ingest);
    }
    const summary = await started[done]!;
    if (typeof summary === 'string') {
      failures.push(summary);
      continue;
    }
    printIngestSummary(ctx.logger, summary);
    if (summary.unreadable) failures.push(`${files[done]}: ${summary.unreadable}`);
    summaries.push(summary);
  }
  const total = summaries.reduce(
    (t, s) => ({ records: t.records + s.records, curated: t.curated + s.curated, quarantined: t.quarantined + s.quarantined }),
    { records: 0, curated: 0, quarantined: 0 },
  );
  ctx.logger.info(`total: ${files.length} files, ${total.records} records → ${total.curated} curated + ${total.quarantined} quarantined`);
  if (format) {
    const rows = summaries.map(({ rejections: _r, days, ...s }) => ({ ...s, days: days.join(' '), unreadable: s.unreadable ?? null }));
    const columns = Object.keys(rows[0] ?? { rawKey: '' }).map((name) => ({ name, type: 'VARCHAR' }));
    process.stdout.write(formatResult({ columns, rows }, format));
  }
  if (failures.length) throw new InputError(failures.join('; '));
  return summaries;
}

function buildProgram(): Command {
  const program = new Command('observatory')
    .description('Grand Paris noise & climate observatory: ingest, curate, compute indicators, query and publish the data lake')
    .option('--lake <dir>', 'lake folder (the embedded object store)', DEFAULT_LAKE)
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .exitOverride();

  const globals = () => program.opts<Globals>();

  program
    .command('ingest')
    .description(`store raw, validate and curate input files; kinds: ${INGEST_KINDS.join(', ')}`)
    .argument('<kind>', 'input format')
    .argument('<files...>', 'files to ingest')
    .option('--sensor <id>', 'noise-csv: the sensor the series comes from')
    .option('--lon <deg>', 'noise-csv: sensor longitude (WGS84)', parseNumber('--lon'))
    .option('--lat <deg>', 'noise-csv: sensor latitude (WGS84)', parseNumber('--lat'))
    .option('--tz <zone>', 'noise-csv: time zone of naive timestamps', 'Europe/Paris')
    .option('--interval <seconds>', 'noise-csv: length of each reading (default: inferred from the series)', parseNumber('--interval'))
    .option('--jobs <n>', `noise kinds: files ingested side by side in worker threads (default: the cores, ${os.availableParallelism()} here, when there are several files of ${JOBS_FROM_BYTES / 2 ** 20} MiB or more in all; else 1, and a large FIWARE array is then read in parts on all the cores)`, parseCount('--jobs'))
    .addOption(new Option('--format <format>', 'print the per-file summary on stdout').choices(['csv', 'json']))
    .action(async (kind: string, files: string[], o: { sensor?: string; lon?: number; lat?: number; tz: string; interval?: number; jobs?: number; format?: OutputFormat }) => {
      if (isClimateSourceKind(kind)) {
        const { ingestClimateFile } = await lib.climateIngest();
        await withContext(globals(), (ctx) => ingestFiles(ctx, files, o.format, (bytes, origin) => ingestClimateFile(ctx, kind, { bytes, origin })));
        return;
      }
      if (!isNoiseSourceKind(kind)) throw new UsageError(`unknown kind "${kind}"; expected one of ${INGEST_KINDS.join(', ')}`);
      const { ingestNoise } = await lib.ingest();
      const { refreshSensors } = await lib.sensors();
      if (kind === 'noise-csv' && !o.sensor) throw new UsageError('noise-csv needs --sensor ID');
      if ((o.lon === undefined) !== (o.lat === undefined)) throw new UsageError('give both --lon and --lat, or neither');
      if (o.tz && !isTimeZone(o.tz)) throw new UsageError(`--tz: unknown time zone "${o.tz}"`);
      const csv = kind === 'noise-csv' ? { sensorId: o.sensor!, lon: o.lon, lat: o.lat, tz: o.tz, intervalSeconds: o.interval } : undefined;
      const sizes = await fileSizes(files);
      const jobs = Math.min(files.length, o.jobs ?? (sizes.reduce((a, b) => a + b, 0) >= JOBS_FROM_BYTES ? os.availableParallelism() : 1));
      await withContext(globals(), async (ctx) => {
        try {
          if (jobs > 1) {
            const { NoiseIngestPool } = await lib.ingestPool();
            const pool = await NoiseIngestPool.open({ lakeDir: path.resolve(globals().lake), workers: jobs });
            ctx.logger.info(`ingesting ${files.length} files with ${jobs} worker threads`);
            try {
              await ingestFiles(ctx, files, o.format, (bytes, origin) => pool.ingest({ sourceKind: kind, bytes, origin, csv }), jobs);
            } finally {
              await pool.close();
            }
          } else {
            // one file at a time: a large FIWARE array is read in parts on the other cores too
            const { SHARDED_READ_MIN_BYTES } = await lib.ingest();
            const sharded = kind === 'noise-fiware' && os.availableParallelism() > 1 && Math.max(0, ...sizes) >= SHARDED_READ_MIN_BYTES;
            const readers = sharded ? await (await lib.shardReaders()).ShardReaders.open({ logger: ctx.logger }) : undefined;
            if (readers) ctx.logger.info(`large FIWARE arrays read on ${readers.count + 1} threads`);
            try {
              const c = readers ? { ...ctx, noiseShards: readers } : ctx;
              await ingestFiles(c, files, o.format, (bytes, origin) => ingestNoise(c, { sourceKind: kind, bytes, origin, csv }));
            } finally {
              await readers?.close();
            }
          }
        } finally {
          // the sensors seen in the files that did go through are merged even when another file failed
          await refreshSensors(ctx);
        }
      });
    });

  program
    .command('run')
    .description('run the downstream stages (indicators, site publication) over whatever the lake holds')
    .option('--demo', 'first feed the simulated demo network through the real ingestion')
    .addOption(new Option('--format <format>', 'print the stage reports on stdout').choices(['json']))
    .action(async (o: { demo?: boolean; format?: 'json' }) => {
      const { runPipeline } = await lib.pipeline();
      const { feedDemo } = await lib.demo();
      await withContext(globals(), async (ctx) => {
        const started = performance.now();
        const demo = o.demo ? await feedDemo(ctx) : undefined;
        const reports = await runPipeline(ctx);
        ctx.logger.info(`pipeline done in ${((performance.now() - started) / 1000).toFixed(1)} s on ${ctx.store.url}`);
        if (o.format === 'json') process.stdout.write(JSON.stringify({ demo, stages: reports }) + '\n');
      });
    });

  program
    .command('query')
    .description('run a read-only SQL query over the lake’s datasets (one view per dataset)')
    .argument('[sql]', 'the SQL (SELECT only)')
    .option('--file <file>', 'read the SQL from a file, e.g. notebooks/sql/commune_lden_by_month.sql')
    .addOption(formatOption())
    .option('--max-rows <n>', 'stop after this many rows (a warning says so)', parseNumber('--max-rows'), 10000)
    .addOption(new Option('--engine <engine>', 'duckdb over the local lake, or athena on AWS').choices(['duckdb', 'athena']).default('duckdb'))
    .option('--workgroup <name>', 'athena: workgroup (default: $OBSERVATORY_ATHENA_WORKGROUP)')
    .option('--database <name>', 'athena: Glue database (default: $OBSERVATORY_ATHENA_DATABASE)')
    .option('--output-location <s3url>', 'athena: result location (default: $OBSERVATORY_ATHENA_OUTPUT, or the workgroup’s)')
    .action(async (text: string | undefined, o: { file?: string; format: OutputFormat; maxRows: number; engine: 'duckdb' | 'athena'; workgroup?: string; database?: string; outputLocation?: string }) => {
      if ((text === undefined) === (o.file === undefined)) throw new UsageError('give the SQL as an argument or with --file FILE (one of the two)');
      const sql = o.file
        ? await readFile(o.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
            throw new UsageError(`--file: cannot read ${o.file}: ${e.code ?? e.message}`);
          })
        : text!;
      await withContext({ ...globals(), quiet: true }, async (ctx) => {
        let result;
        try {
          if (o.engine === 'athena') {
            const { athenaSettingsFromEnv } = await lib.athena();
            let settings;
            try {
              settings = athenaSettingsFromEnv(process.env, { workgroup: o.workgroup, database: o.database, outputLocation: o.outputLocation });
            } catch (e) {
              throw new UsageError((e as Error).message);
            }
            // the same SQL as on the local lake: DuckDB spellings are rewritten for Athena, or refused with a reason
            const r = await (await athenaEngine(settings)).query((await lib.dialect()).toAthena(sql));
            process.stderr.write(`athena: ${r.queryExecutionId}, ${r.bytesScanned} bytes scanned\n`);
            result = r;
          } else {
            await ctx.duck.attachLake(ctx.store, (await lib.datasets()).DATASETS);
            const { confineToDirectories, readLake } = await lib.confine();
            await confineToDirectories(ctx.duck, [globals().lake]);
            result = await readLake(ctx.duck, sql);
          }
        } catch (e) {
          if (e instanceof UsageError) throw e;
          // a dialect error lists every construct Athena cannot run, one per line
          if ((e as Error).name === 'DialectError') throw new UsageError((e as Error).message);
          throw new UsageError(firstLine((e as Error).message));
        }
        if (result.rows.length > o.maxRows) {
          process.stderr.write(`warning: ${result.rows.length} rows, showing the first ${o.maxRows} (--max-rows)\n`);
          result = { ...result, rows: result.rows.slice(0, o.maxRows) };
        }
        process.stdout.write(formatResult(result, o.format));
      });
    });

  program
    .command('export')
    .description('write an extract of one dataset for offline work (Parquet or CSV), optionally for one commune and a range of dates')
    .argument('<dataset>', 'a declared dataset (see `observatory dictionary`)')
    .addOption(new Option('--format <format>', 'file format').choices(['parquet', 'csv']).makeOptionMandatory())
    .option('--commune <insee>', 'only this commune (datasets with a commune_insee column)')
    .option('--from <date>', 'first local date (dt partition, YYYY-MM-DD, inclusive)')
    .option('--to <date>', 'last local date (dt partition, YYYY-MM-DD, inclusive)')
    .option('--out <file>', 'where to write; - for stdout (default: <dataset>[_<commune>][_<from>_<to>].<format>)')
    .action(async (name: string, o: { format: 'parquet' | 'csv'; commune?: string; from?: string; to?: string; out?: string }) => {
      const { exportDataset, planExport, ExportRequestError } = await lib.exportStage();
      const request = { dataset: name, format: o.format, commune: o.commune, from: o.from, to: o.to };
      let plan;
      try {
        plan = planExport(request);
      } catch (e) {
        if (e instanceof ExportRequestError) throw new UsageError(e.message);
        throw e;
      }
      await withContext({ ...globals(), quiet: true }, async (ctx) => {
        const toStdout = o.out === '-';
        const file = toStdout ? ctx.duck.scratch(plan.defaultFile) : (o.out ?? plan.defaultFile);
        const s = await exportDataset(ctx, request, file);
        if (toStdout) {
          try {
            for await (const chunk of createReadStream(file)) {
              if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
            }
          } catch (e) {
            // the reader went away (`… --out - | head`): not an error of the export
            if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
          }
        }
        const read = s.partitions === undefined ? '' : `, ${s.partitions} dt partition(s) read`;
        process.stderr.write(`export: ${s.rows} rows of ${s.dataset} (${s.filters}${read}) → ${toStdout ? 'stdout' : s.file} (${s.format}, ${s.bytes} bytes)\n`);
      });
    });

  program
    .command('serve')
    .description(`serve the published site from the lake (read-only), and the sensor push endpoint POST ${PUSH_PATH} when networks are configured`)
    .option('--port <n>', 'port (0 = any free port)', parseNumber('--port'), 8080)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--push-networks <file>', 'JSON [{network, key_sha256}] of the networks allowed to push (default: $OBSERVATORY_PUSH_NETWORKS)')
    .action(async (o: { port: number; host: string; pushNetworks?: string }) => {
      const networksJson = o.pushNetworks ? await readFile(o.pushNetworks, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--push-networks: cannot read ${o.pushNetworks}: ${e.code}`);
      }) : process.env.OBSERVATORY_PUSH_NETWORKS;
      let networks;
      try {
        networks = networksJson ? (await lib.networks()).parsePushNetworks(networksJson, o.pushNetworks ?? 'OBSERVATORY_PUSH_NETWORKS') : undefined;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const store = await lakeStore(globals().lake);
      const { Duck } = await lib.duck();
      const { stderrLogger } = await lib.logger();
      const push = networks
        ? { ctx: { store, duck: await Duck.open(), logger: stderrLogger({ quiet: globals().quiet }), now: () => new Date() }, networks }
        : undefined;
      const { serveSite } = await lib.server();
      const server = await serveSite(store, { port: o.port, host: o.host, push });
      process.stdout.write(server.url + '\n');
      process.stderr.write(`serving ${path.resolve(globals().lake)}/site at ${server.url} (Ctrl-C to stop)\n`);
      process.stderr.write(push ? `push endpoint: POST ${server.url.replace(/\/$/, '')}${PUSH_PATH} for ${networks!.map((n) => n.network).join(', ')}\n` : 'push endpoint off (no --push-networks)\n');
      await waitForever();
    });

  program
    .command('start')
    .description('the main job: run the whole pipeline with demo data on the embedded lake, then serve the site')
    .option('--port <n>', 'port (0 = any free port)', parseNumber('--port'), 8080)
    .option('--no-serve', 'stop after the pipeline')
    .action(async (o: { port: number; serve: boolean }) => {
      const { runPipeline } = await lib.pipeline();
      const { feedDemo } = await lib.demo();
      const { serveSite } = await lib.server();
      await withContext(globals(), async (ctx) => {
        const started = performance.now();
        const demo = await feedDemo(ctx);
        const reports = await runPipeline(ctx);
        ctx.logger.info(
          `\nSummary: ${demo.files} demo files, ${demo.records} records → ${demo.curated} curated + ${demo.quarantined} quarantined; ` +
            `${reports.length} stages in ${((performance.now() - started) / 1000).toFixed(1)} s; lake: ${ctx.store.url}`,
        );
      });
      if (!o.serve) return;
      let server;
      try {
        server = await serveSite(await lakeStore(globals().lake), { port: o.port });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        process.stderr.write(`port ${o.port} is in use; using a free port\n`);
        server = await serveSite(await lakeStore(globals().lake), { port: 0 });
      }
      process.stderr.write(`site: ${server.url} (Ctrl-C to stop)\n`);
      process.stdout.write(server.url + '\n');
      await waitForever();
    });

  const quarantineCommand = program.command('quarantine').description('what was rejected and why; replay after a fix');
  quarantineCommand
    .command('list')
    .description('rejections grouped by source, field and reason, with counts')
    .option('--since <time>', 'only files received since this date or ISO time')
    .addOption(formatOption())
    .action(async (o: { since?: string; format: OutputFormat }) => {
      if (o.since && Number.isNaN(Date.parse(o.since))) throw new UsageError(`--since: not a date or time: "${o.since}"`);
      const { quarantineGroups } = await lib.quarantine();
      await withContext({ ...globals(), quiet: true }, async (ctx) => {
        const groups = await quarantineGroups(ctx, { since: o.since });
        const columns = ['source_kind', 'field', 'reason', 'records', 'files', 'first_received', 'last_received'].map((name) => ({ name, type: name === 'records' || name === 'files' ? 'INTEGER' : 'VARCHAR' }));
        process.stdout.write(formatResult({ columns, rows: groups as unknown as Record<string, unknown>[] }, o.format));
        process.stderr.write(`${groups.reduce((t, g) => t + g.records, 0)} records in quarantine\n`);
      });
    });
  quarantineCommand
    .command('replay')
    .description('parse and validate the quarantined files again with the current code and configuration')
    .option('--source <kind>', 'only this source kind')
    .addOption(new Option('--format <format>', 'print the summary on stdout').choices(['json']))
    .action(async (o: { source?: string; format?: 'json' }) => {
      const { replayQuarantine } = await lib.quarantine();
      await withContext(globals(), async (ctx) => {
        const r = await replayQuarantine(ctx, { sourceKind: o.source });
        ctx.logger.info(`replay: ${r.files} files, ${r.before} records were in quarantine, ${r.released} released, ${r.after} remain`);
        for (const s of r.skipped) ctx.logger.warn(`skipped ${s.rawKey}: ${s.reason}`);
        if (o.format === 'json') process.stdout.write(JSON.stringify(r) + '\n');
      });
    });

  program
    .command('status')
    .description('per source and dataset: last ingest, freshness, gaps, quarantine rate, row counts')
    .addOption(new Option('--format <format>', 'table, or json for monitoring').choices(['table', 'json']).default('table'))
    .action(async (o: { format: 'table' | 'json' }) => {
      const { lakeStatus } = await lib.status();
      await withContext({ ...globals(), quiet: true }, async (ctx) => {
        const status = await lakeStatus(ctx);
        if (o.format === 'json') {
          process.stdout.write(JSON.stringify(status, null, 2) + '\n');
          return;
        }
        const asTable = (rows: object[]) => {
          const list = rows as Record<string, unknown>[];
          return formatResult({ columns: Object.keys(list[0] ?? {}).map((name) => ({ name, type: 'VARCHAR' })), rows: list }, 'table');
        };
        process.stdout.write(`lake ${status.lake}${status.demo ? ' (DEMO DATA)' : ''}\n\nsources\n${asTable(status.sources)}\ndatasets\n${asTable(status.datasets)}`);
      });
    });

  program
    .command('dictionary')
    .description('print the data dictionary generated from the dataset declarations')
    .addOption(new Option('--format <format>', 'markdown or json').choices(['markdown', 'json']).default('markdown'))
    .action(async (o: { format: 'markdown' | 'json' }) => {
      const { DATASETS } = await lib.datasets();
      const { dictionary, dictionaryMarkdown } = await lib.derive();
      process.stdout.write(o.format === 'json' ? JSON.stringify(dictionary(DATASETS), null, 2) + '\n' : dictionaryMarkdown(DATASETS));
    });

  const modelsCommand = program.command('models').description(`train, evaluate and run the forecasting models: ${MODEL_NAMES.join(', ')} (see docs/models.md)`);
  modelsCommand
    .command('train')
    .description('train on the lake’s data, score against the baselines on held-out days, register the version and point current.json at it')
    .argument('<model>', `${MODEL_NAMES.join(' | ')} | all`)
    .action(async (model: string) => {
      const names = modelNames(model, MODEL_NAMES);
      const { trainModels } = await lib.trainModels();
      await withContext(globals(), async (ctx) => {
        const summaries = await trainModels(ctx, { models: names as (typeof MODEL_NAMES)[number][] });
        process.stdout.write(JSON.stringify(summaries.map(({ report: _r, ...s }) => s), null, 1) + '\n');
      });
    });
  modelsCommand
    .command('evaluate')
    .description(
      'score a model against its baselines on held-out data without registering it: on the lake’s last days, or (river) on an external daily series ' +
        '(CSV/TSV: a date column and one column per station; the columns other than --target are upstream inputs). Prints JSON on stdout.',
    )
    .argument('<model>', MODEL_NAMES.join(' | '))
    .option('--series <file>', 'river: backtest on this daily series file instead of the lake (the version and its metrics are kept in models/river-series/ and model_evaluations)')
    .option('--target <column>', 'river --series: the column to forecast')
    .option('--upstream <columns>', 'river --series: comma-separated upstream columns (default: every other column)')
    .option('--train-until <date>', 'river --series: first held-out day YYYY-MM-DD (training uses the days before)')
    .option('--threshold <value>', 'river: the level whose crossings are scored (default: 95th percentile of the training period, or the flood threshold)', parseNumber('--threshold'))
    .addOption(new Option('--transform <transform>', 'river --series: model the series in log space or as it is (default: log when every value is positive)').choices(['log', 'none']))
    .option('--unit <text>', 'river --series: the unit of the series, printed back (e.g. "m³/s", "m")')
    .option('--details', 'print the whole evaluation report instead of the per-horizon summary')
    .action(async (model: string, o: { series?: string; target?: string; upstream?: string; trainUntil?: string; threshold?: number; transform?: 'log' | 'none'; unit?: string; details?: boolean }) => {
      const [name] = modelNames(model, MODEL_NAMES, false);
      const { evaluationSummary } = await lib.report();
      const warnDropped = (origins: { used: number; dropped: number } | undefined) => {
        if (!origins || origins.used + origins.dropped === 0) return;
        const share = origins.dropped / (origins.used + origins.dropped);
        if (share > 0.2) {
          process.stderr.write(
            `warning: ${origins.dropped} of ${origins.used + origins.dropped} origins (${(100 * share).toFixed(0)} %) were dropped because an input (a lag of the target or of an upstream column) is missing; the scores rest on the ${origins.used} complete ones\n`,
          );
        }
      };
      if (o.series) {
        if (name !== 'river') throw new UsageError('--series is only for the river model');
        if (!o.target) throw new UsageError('--series needs --target COLUMN');
        if (!o.trainUntil || !isCalendarDate(o.trainUntil)) throw new UsageError(`--train-until: expected a date YYYY-MM-DD, found ${JSON.stringify(o.trainUntil ?? null)}`);
        const text = await readFile(o.series, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new InputError(`--series: cannot read ${o.series}: ${e.code ?? e.message}`);
        });
        const { parseDailySeries } = await lib.riverSeries();
        const { evaluateRiverSeries } = await lib.trainRiver();
        let series;
        try {
          series = parseDailySeries(text, path.basename(o.series));
        } catch (e) {
          throw new InputError((e as Error).message);
        }
        await withContext(globals(), async (ctx) => {
          let result;
          try {
            result = await evaluateRiverSeries(ctx, {
              name: path.basename(o.series!),
              series,
              target: o.target!,
              upstream: o.upstream?.split(',').map((c) => c.trim()).filter(Boolean),
              trainUntil: o.trainUntil!,
              threshold: o.threshold,
              transform: o.transform === 'none' ? 'identity' : o.transform,
              unit: o.unit,
            });
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
          warnDropped(result.origins);
          const transform = result.report.notes[0]?.startsWith('log') ? 'log' : 'none';
          process.stdout.write(JSON.stringify(o.details ? result.report : evaluationSummary(result.report, { stepHours: series.stepHours, origins: result.origins, transform })) + '\n');
        });
        return;
      }
      const { trainNoise, trainHeat, trainRiver } = await lib.trainModels();
      await withContext(globals(), async (ctx) => {
        const options = { dryRun: true, ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) };
        const summary = name === 'noise' ? await trainNoise(ctx, options) : name === 'river' ? await trainRiver(ctx, options) : await trainHeat(ctx, options);
        if (summary.skipped || !summary.report) throw new InputError(`${name}: nothing to evaluate: ${summary.skipped ?? 'no report'}`);
        const r = summary.report;
        warnDropped(summary.origins);
        process.stdout.write(
          JSON.stringify(
            o.details
              ? r
              : {
                  ...evaluationSummary(r, { stepHours: name === 'heat' ? 24 : 1, origins: summary.origins }),
                  probabilities: r.probabilities.map(({ model: m, ...p }) => ({ ...p, model: { brier: m.brier } })),
                  decisions: r.decisions,
                },
          ) + '\n',
        );
      });
    });
  modelsCommand
    .command('predict')
    .description('forecast with the current version of a model (or its baseline where it did not beat it) and write the predictions dataset')
    .argument('<model>', `${PREDICT_NAMES.join(' | ')} | all`)
    .action(async (model: string) => {
      const names = modelNames(model, PREDICT_NAMES);
      const { predict } = await lib.predict();
      await withContext(globals(), async (ctx) => {
        const summaries = await predict(ctx, { models: names as (typeof PREDICT_NAMES)[number][] });
        process.stdout.write(JSON.stringify(summaries, null, 1) + '\n');
      });
    });

  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
    c.exitOverride().configureOutput(program.configureOutput());
    // --lake is accepted after the command too: `observatory query "…" --lake DIR`
    if (c !== program && c.commands.length === 0) c.option('--lake <dir>', 'lake folder (the embedded object store)');
  }
  program.hook('preAction', (_program, action) => {
    const lake = action.opts().lake as string | undefined;
    if (lake) program.setOptionValue('lake', lake);
  });
  return program;
}

/** the Athena engine; tests replace it to run against a stubbed SDK client */
let athenaEngine = async (settings: AthenaSettings): Promise<AthenaEngine> => new (await lib.athena()).AthenaEngine(settings);
export function setAthenaEngineFactory(factory: (settings: AthenaSettings) => AthenaEngine): void {
  athenaEngine = async (settings) => factory(settings);
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim()) ?? s;
}

function waitForever(): Promise<never> {
  return new Promise(() => {
    process.on('SIGINT', () => process.exit(0));
    process.on('SIGTERM', () => process.exit(0));
  });
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed its one-line message
    }
    if (e instanceof UsageError) {
      process.stderr.write(`observatory: ${e.message}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`observatory: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`observatory: ${(e as Error).message.split('\n')[0]}\n`);
    if (process.env.OBSERVATORY_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
