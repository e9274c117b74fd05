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
import type { DatasetDeclaration } from '../lib/datasets/declaration.ts';
import type { IngestSummary } from '../lib/stages/ingest-noise.ts';
import { PUSH_PATH } from '../lib/push/constants.ts';
import { CLIMATE_SOURCE_FORMATS, isClimateSourceKind, isNoiseSourceKind, NOISE_SOURCE_FORMATS, SHARDED_READ_MIN_BYTES, type NoiseSourceKind } from '../lib/stages/source-kinds.ts';
import { formatResult, OUTPUT_FORMATS, type OutputFormat } from './format.ts';
import { packageVersion } from './version.cjs';
import { isCalendarDate } from '../lib/domain/time/calendar.ts';
import { parseIntervalSeconds, parseTimeFormat } from '../lib/domain/time/formats.ts';
import type { FiwareOptions } from '../lib/domain/noise/fiware.ts';
import type { NoiseCsvOptions } from '../lib/domain/noise/csv.ts';

// Heavy modules (DuckDB's native binary, the AWS SDK, the stages) load when a command needs them, so
// that `--help` and usage errors answer at once.
const lib = {
  entry: () => import('../lib/entry/context.ts'),
  fsStore: () => import('../lib/adapters/fs-store.ts'),
  s3Store: () => import('../lib/adapters/s3-store.ts'),
  sources: () => import('../lib/stages/source-endpoints.ts'),
  ingestService: () => import('../lib/stages/ingest-service.ts'),
  athena: () => import('../lib/adapters/athena.ts'),
  datasets: () => import('../lib/datasets/index.ts'),
  derive: () => import('../lib/datasets/derive.ts'),
  logger: () => import('../lib/ports/logger.ts'),
  ingestPool: () => import('../local/ingest-workers/pool.ts'),
  shardReaders: () => import('../local/ingest-workers/shard-readers.ts'),
  quarantine: () => import('../lib/stages/quarantine.ts'),
  status: () => import('../lib/stages/status.ts'),
  pipeline: () => import('../lib/stages/pipeline.ts'),
  backfill: () => import('../lib/stages/backfill.ts'),
  server: () => import('../local/site-server.ts'),
  networks: () => import('../lib/push/networks.ts'),
  demo: () => import('../local/demo-feed.ts'),
  dialect: () => import('../lib/sql/dialect.ts'),
  confine: () => import('../lib/sql/confine.ts'),
  exportStage: () => import('../lib/stages/export.ts'),
  migrate: () => import('../lib/stages/migrate.ts'),
  trainModels: () => import('../lib/stages/train-models.ts'),
  trainRiver: () => import('../lib/stages/train-river.ts'),
  predict: () => import('../lib/stages/predict.ts'),
  riverSeries: () => import('../lib/models/river/series.ts'),
  report: () => import('../lib/models/report.ts'),
};

const INGEST_KINDS = [...Object.keys(NOISE_SOURCE_FORMATS), ...Object.keys(CLIMATE_SOURCE_FORMATS)];
/** reference files: the Vigicrues section referential and the sensor registry */
const REFERENCE_KINDS = ['vigicrues-sections', 'sensors'] as const;

async function ingestReferences(ctx: StageContext, kind: (typeof REFERENCE_KINDS)[number], files: string[]): Promise<void> {
  const { UnreadableInputError } = await import('../lib/domain/noise/observation.ts');
  for (const file of files) {
    const bytes = await readFile(file).catch((e: Error) => {
      throw new InputError(`${file}: ${e.message}`);
    });
    const origin = path.basename(file);
    try {
      if (kind === 'sensors') {
        const { ingestSensorRegistry } = await import('../lib/stages/sensor-registry.ts');
        const s = await ingestSensorRegistry(ctx, { bytes, origin });
        ctx.logger.info(`${origin}: ${s.sensors} sensor periods registered (${s.registered} in the registry) — ${s.rawKey}; readings quarantined for an unknown position can now be recovered with \`observatory quarantine replay\``);
      } else {
        const { ingestVigicruesSections } = await import('../lib/stages/vigicrues-sections.ts');
        const s = await ingestVigicruesSections(ctx, { bytes, origin });
        ctx.logger.info(`${origin}: ${s.sections} Vigicrues sections stored (${s.rawKey}); config/vigicrues-sections.json checked against them`);
      }
    } catch (e) {
      if (e instanceof UnreadableInputError) throw new InputError(`${file}: ${e.message} (expected ${e.expected}; found ${e.found})`);
      if (['SectionMappingError', 'RegistryFileError'].includes((e as Error).name)) throw new InputError((e as Error).message);
      throw e;
    }
  }
}

// `observatory`: results on stdout, logs and summaries on stderr; exit 0 when the input was processed
// (even with records in quarantine), 1 when an input could not be read, 2 on usage errors.

export const DEFAULT_LAKE = '.lake';

// cadences, spelled here so that `--help` needs no stage import (a test holds them to the registry's)
export const CADENCE_NAMES = ['quarter-hourly', 'hourly', 'daily', 'weekly', 'after-ingest'] as const;

// model names, spelled here so that `--help` and usage errors need no TensorFlow import
const MODEL_NAMES = ['noise', 'river', 'heat'] as const;
const PREDICT_NAMES = ['noise', 'river', 'heat', 'climate-risk'] as const;

function modelNames(given: string, known: readonly string[], allowAll = true): string[] {
  if (allowAll && given === 'all') return [...known];
  if (!known.includes(given)) throw new UsageError(`unknown model "${given}"; expected one of ${known.join(', ')}${allowAll ? ', all' : ''}`);
  return [given];
}

class UsageError extends Error {}

/** runs `work`, turning an error of `kind` (a request the library refuses) into a usage error */
function usage<T>(work: () => T, kind: new (...args: never[]) => Error): T {
  const refused = (e: unknown) => {
    if (e instanceof kind) throw new UsageError(e.message);
    throw e;
  };
  try {
    const out = work();
    return (out instanceof Promise ? out.catch(refused) : out) as T;
  } catch (e) {
    return refused(e);
  }
}
class InputError extends Error {}

interface Globals {
  lake: string;
  quiet?: boolean;
}

/** `s3://bucket/prefix`: the deployed lake, through the standard AWS credential chain */
export function isS3Lake(lake: string): boolean {
  return lake.startsWith('s3://');
}

/**
 * The lake's object store: a folder, or `s3://bucket[/prefix]` (credentials from the standard AWS
 * chain; AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for another S3 server, e.g. a local one)
 */
async function lakeStore(lake: string): Promise<ObjectStore> {
  if (isS3Lake(lake)) {
    const m = /^s3:\/\/(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(?<prefix>.*))?$/.exec(lake)?.groups;
    if (!m?.bucket) throw new UsageError(`--lake: expected s3://bucket[/prefix], found "${lake}"`);
    const { S3ObjectStore, createS3Client } = await lib.s3Store();
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
    const prefix = (m.prefix ?? '').replace(/\/+$/, '');
    return new S3ObjectStore({ bucket: m.bucket, prefix: prefix ? `${prefix}/` : '', client: createS3Client(endpoint ? { endpoint } : {}) });
  }
  const { FsObjectStore } = await lib.fsStore();
  return new FsObjectStore(path.resolve(lake));
}

async function withContext<T>(globals: Globals, fn: (ctx: StageContext) => Promise<T>): Promise<T> {
  const { withOpenContext } = await lib.entry();
  const { stderrLogger } = await lib.logger();
  const { configuredSources } = await lib.sources();
  // locally a poller polls only a source configured in the environment (OBSERVATORY_<SOURCE>_URL)
  return withOpenContext({ store: await lakeStore(globals.lake), logger: stderrLogger({ quiet: globals.quiet }), sources: configuredSources() }, fn);
}

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table');

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
      ` — ${s.rawKey}${s.correction ? '' : replay}`,
  );
  if (s.correction) logger.info(`${s.origin}: ${s.correction}`);
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
  read: (file: string) => Promise<Buffer> = readFile,
): Promise<IngestSummary[]> {
  const summaries: IngestSummary[] = [];
  const failures: string[] = [];
  const started: Promise<IngestSummary | string>[] = [];
  const start = async (file: string): Promise<IngestSummary | string> => {
    let bytes: Buffer;
    try {
      bytes = await read(file);
    } catch (e) {
      return `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
    return ingestOne(bytes, path.basename(file));
  };
  for (let done = 0; done < files.length; done++) {
    // up to `concurrency` files read and ingested ahead of the one awaited
    for (const file of files.slice(started.length, done + concurrency)) {
      const ingest = start(file);
      ingest.catch(() => {}); // awaited in order below; a failure meanwhile is not "unhandled"
      started.push(ingest);
    }
    const summary = await (started[done] ?? Promise.reject(new Error(`file ${done + 1} of ${files.length} was never started`)));
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

/** `read`, the first file's bytes being read at once (awaited by the first call for it) */
function readAhead(files: readonly string[], read: (file: string) => Promise<Buffer>): (file: string) => Promise<Buffer> {
  let ahead = files[0] === undefined ? undefined : { file: files[0], bytes: read(files[0]) };
  ahead?.bytes.catch(() => {}); // awaited by ingestFiles, which reports a file it cannot read
  return (file) => {
    const taken = ahead?.file === file ? ahead.bytes : undefined;
    ahead = undefined;
    return taken ?? read(file);
  };
}

/** ingests noise files: side by side in worker threads (`--jobs`), or one at a time with a large FIWARE array read in parts on the other cores */
async function ingestNoiseFiles(g: Globals, kind: NoiseSourceKind, files: string[], o: NoiseIngestFlags & { jobs?: number; format?: OutputFormat; replace?: boolean }): Promise<void> {
  const { csv, fiware } = noiseParseOptions(kind, o);
  const sizes = await fileSizes(files);
  const jobs = Math.min(files.length, o.jobs ?? (!isS3Lake(g.lake) && sizes.reduce((a, b) => a + b, 0) >= JOBS_FROM_BYTES ? os.availableParallelism() : 1));
  // one file at a time: a large FIWARE array is read in parts on the other cores too; the reader
  // threads start, and the first file is read, while the stages' modules load and the lake opens
  const sharded = jobs === 1 && kind === 'noise-fiware' && os.availableParallelism() > 1 && Math.max(0, ...sizes) >= SHARDED_READ_MIN_BYTES;
  const logger = (await lib.logger()).stderrLogger({ quiet: g.quiet });
  const shards = sharded ? await lib.shardReaders() : undefined;
  const readers = shards?.startShardReaders({ logger });
  // with readers, a file of a folder lake is read into shared memory: the readers read their parts where they are
  const read = jobs === 1 ? readAhead(files, shards && !isS3Lake(g.lake) ? shards.readFileShared : readFile) : readFile;
  try {
    const { afterIngest, ingestFile } = await lib.ingestService();
    await withContext(g, async (ctx) => {
      try {
        if (jobs > 1) {
          if (isS3Lake(g.lake)) throw new UsageError('--jobs: worker threads ingest into a lake folder; on an s3:// lake files are ingested one at a time');
          const { NoiseIngestPool } = await lib.ingestPool();
          const pool = await NoiseIngestPool.open({ lakeDir: path.resolve(g.lake), workers: jobs });
          ctx.logger.info(`ingesting ${files.length} files with ${jobs} worker threads`);
          try {
            await ingestFiles(ctx, files, o.format, (bytes, origin) => pool.ingest({ sourceKind: kind, bytes, origin, csv, fiware, replace: o.replace }), jobs);
          } finally {
            await pool.close();
          }
        } else {
          if (readers) ctx.logger.info(`large FIWARE arrays read on ${readers.count + 1} threads`);
          const c = readers ? { ...ctx, noiseShards: readers } : ctx;
          await ingestFiles(c, files, o.format, (bytes, origin) => ingestFile(c, { sourceKind: kind, bytes, origin, csv, fiware, replace: o.replace }), 1, read);
        }
      } finally {
        // the sensors seen in the files that did go through are merged even when another file failed
        await afterIngest(ctx);
      }
    });
  } finally {
    await readers?.close();
  }
}

function buildProgram(): Command {
  const program = new Command('observatory')
    .description('Grand Paris noise & climate observatory: ingest, curate, compute indicators, query and publish the data lake')
    .option('--lake <dir>', 'lake folder (the embedded object store), or s3://bucket/prefix (the deployed lake)', DEFAULT_LAKE)
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .version(packageVersion(), '-V, --version', 'print the version of the observatory')
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .exitOverride();

  const globals = () => program.opts<Globals>();

  addIngestCommand(program, globals);
  addRunCommand(program, globals);
  addQueryCommand(program, globals);
  addExportCommand(program, globals);
  addServeCommand(program, globals);
  addStartCommand(program, globals);
  addQuarantineCommands(program, globals);
  addStatusCommand(program, globals);
  addMigrateCommand(program, globals);
  addDictionaryCommand(program);
  addModelsCommands(program, globals);

  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
    c.exitOverride().configureOutput(program.configureOutput());
    // --lake is accepted after the command too: `observatory query "…" --lake DIR`
    if (c !== program && c.commands.length === 0) c.option('--lake <dir>', 'lake folder (the embedded object store), or s3://bucket/prefix');
  }
  program.hook('preAction', (_program, action) => {
    const lake = action.opts().lake as string | undefined;
    if (lake) program.setOptionValue('lake', lake);
  });
  return program;
}


/** `observatory ingest`: ingest files of any kind */
function addIngestCommand(program: Command, globals: () => Globals): void {
  program
    .command('ingest')
    .description(`store raw, validate and curate input files; kinds: ${INGEST_KINDS.join(', ')}; references: ${REFERENCE_KINDS.join(', ')}`)
    .argument('<kind>', 'input format')
    .argument('<files...>', 'files to ingest')
    .option('--sensor <id>', 'noise-csv: the sensor the series comes from (one sensor per file)')
    .option('--sensor-column <name>', 'noise-csv: the column naming each row\'s sensor (several sensors per file; positions from the sensor registry)')
    .option('--lon <deg>', 'noise-csv: sensor longitude (WGS84)', parseNumber('--lon'))
    .option('--lat <deg>', 'noise-csv: sensor latitude (WGS84)', parseNumber('--lat'))
    .option('--tz <zone>', 'noise kinds: time zone of times written without offset (noise-csv default: Europe/Paris; noise-fiware: none, such times are quarantined)')
    .option('--interval <length>', 'noise kinds: length of each reading, seconds or with a unit: 60, 60s, 1min, 15min, 1h (noise-csv default: inferred from the series; noise-fiware: needed for readings stamped with a single instant)', parseInterval)
    .addOption(new Option('--interval-anchor <where>', 'where a single time sits in its reading (noise-csv default: start; noise-fiware default: end)').choices(['end', 'start']))
    .option('--time-column <name>', 'noise-csv: the column of the readings\' times')
    .option('--end-column <name>', 'noise-csv: the column of the readings\' ends')
    .option('--level-column <name>', 'noise-csv: the column of LAeq')
    .addOption(new Option('--decimal <mark>', 'noise-csv: the decimal mark of levels (default: both)').choices(['.', ',']))
    .addOption(new Option('--delimiter <delimiter>', 'noise-csv: the field delimiter (default: detected from the header)').choices([',', ';', 'tab']))
    .option('--time-format <format>', 'noise-csv: the format of times with %Y %m %d %H %M %S %f, e.g. "%d/%m/%Y %H:%M:%S"')
    .option('--jobs <n>', `noise kinds: files ingested side by side in worker threads (default: the cores, ${os.availableParallelism()} here, when there are several files of ${JOBS_FROM_BYTES / 2 ** 20} MiB or more in all; else 1, and a large FIWARE array is then read in parts on all the cores)`, parseCount('--jobs'))
    .option('--replace', 'noise kinds: apply a correction — bytes received before with other options replace the readings those options gave')
    .addOption(new Option('--format <format>', 'print the per-file summary on stdout').choices(['csv', 'json']))
    .action(async (kind: string, files: string[], o: NoiseIngestFlags & { jobs?: number; format?: OutputFormat; replace?: boolean }) => {
      if ((REFERENCE_KINDS as readonly string[]).includes(kind)) {
        await withContext(globals(), (ctx) => ingestReferences(ctx, kind as (typeof REFERENCE_KINDS)[number], files));
        return;
      }
      const { afterIngest, ingestFile } = await lib.ingestService();
      if (isClimateSourceKind(kind)) {
        await withContext(globals(), async (ctx) => {
          await ingestFiles(ctx, files, o.format, (bytes, origin) => ingestFile(ctx, { sourceKind: kind, bytes, origin }));
          await afterIngest(ctx);
        });
        return;
      }
      if (!isNoiseSourceKind(kind)) throw new UsageError(`unknown kind "${kind}"; expected one of ${INGEST_KINDS.join(', ')}`);
      await ingestNoiseFiles(globals(), kind, files, o);
    });
}

/** `observatory run`: run the stages */
function addRunCommand(program: Command, globals: () => Globals): void {
  program
    .command('run')
    .description('run the stages (indicators, forecasts, site publication) over whatever the lake holds: all of them, or those AWS runs on one cadence; each stage reports the requests it made to the store')
    .option('--demo', 'first feed the simulated demo network through the real ingestion')
    .addOption(new Option('--schedule <cadence>', 'only the stages AWS runs on this cadence, in the same order').choices(CADENCE_NAMES as unknown as string[]))
    .option('--from <date>', 'backfill: first local date (Europe/Paris, YYYY-MM-DD, inclusive) whose indicators to recompute, in chunks of days')
    .option('--to <date>', 'backfill: last local date (inclusive)')
    .addOption(new Option('--format <format>', 'print the stage reports on stdout').choices(['json']))
    .action(async (o: { demo?: boolean; schedule?: (typeof CADENCE_NAMES)[number]; from?: string; to?: string; format?: 'json' }) => {
      const { runPipeline } = await lib.pipeline();
      const { runBackfill, checkRange, BackfillRequestError } = await lib.backfill();
      const { feedDemo } = await lib.demo();
      const backfill = o.from !== undefined || o.to !== undefined;
      if (backfill && o.schedule) throw new UsageError('--from/--to (a backfill) and --schedule exclude each other: a backfill recomputes a range of days, a schedule what changed');
      const range = backfill ? usage(() => checkRange(o.from, o.to), BackfillRequestError) : undefined;
      await withContext(globals(), async (ctx) => {
        const started = performance.now();
        const demo = o.demo ? await feedDemo(ctx) : undefined;
        const out = range
          ? await usage(() => runBackfill(ctx, range), BackfillRequestError)
          : { stages: await runPipeline(ctx, o.schedule ? { cadence: o.schedule } : {}) };
        const reports = 'reports' in out ? { plan: out.plan, stages: out.reports } : out;
        ctx.logger.info(`${range ? 'backfill' : 'pipeline'} done in ${((performance.now() - started) / 1000).toFixed(1)} s on ${ctx.store.url}`);
        if (o.format === 'json') process.stdout.write(JSON.stringify({ demo, ...reports }) + '\n');
      });
    });
}

/** `observatory query`: read-only SQL over the lake */
function addQueryCommand(program: Command, globals: () => Globals): void {
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
        : (text ?? '');
      if (!(await lib.confine()).statementKinds(sql).length) throw new UsageError('empty SQL: give a SELECT query as an argument or with --file FILE');
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
            await ctx.lake.attach((await lib.datasets()).DATASETS);
            const { confineToDirectories, readLake } = await lib.confine();
            // an s3:// lake is read from the engine's scratch folder, where its objects were fetched
            const lakeDir = isS3Lake(globals().lake) ? path.dirname(ctx.lake.scratch('lake')) : globals().lake;
            await confineToDirectories(ctx.lake, [lakeDir]);
            // a relative file path: the current folder first, then the lake (site/… downloads)
            result = await readLake(ctx.lake, sql, { cwd: process.cwd(), lake: lakeDir });
          }
        } catch (e) {
          if (e instanceof UsageError) throw e;
          // a dialect error lists every construct Athena cannot run, one per line
          if ((e as Error).name === 'DialectError') throw new UsageError((e as Error).message);
          throw new UsageError(firstLine((e as Error).message));
        }
        if (result.rows.length === 0) await warnEmpty(ctx);
        if (result.rows.length > o.maxRows) {
          process.stderr.write(`warning: ${result.rows.length} rows, showing the first ${o.maxRows} (--max-rows)\n`);
          result = { ...result, rows: result.rows.slice(0, o.maxRows) };
        }
        process.stdout.write(formatResult(result, o.format));
      });
    });
}

/** `observatory export`: an extract of one dataset */
function addExportCommand(program: Command, globals: () => Globals): void {
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
        const file = toStdout ? ctx.lake.scratch(plan.defaultFile) : (o.out ?? plan.defaultFile);
        const s = await exportDataset(ctx, request, file);
        if (toStdout) {
          try {
            for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
              if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
            }
          } catch (e) {
            // the reader went away (`… --out - | head`): not an error of the export
            if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
          }
        }
        const read = s.partitions === undefined ? '' : `, ${s.partitions} dt partition(s) read`;
        if (s.rows === 0) await warnEmpty(ctx, plan.dataset);
        process.stderr.write(`export: ${s.rows} rows of ${s.dataset} (${s.filters}${read}) → ${toStdout ? 'stdout' : s.file} (${s.format}, ${s.bytes} bytes)\n`);
      });
    });
}

/** `observatory serve`: serve the site (and the push endpoint) */
function addServeCommand(program: Command, globals: () => Globals): void {
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
      const { stderrLogger } = await lib.logger();
      const push = networks ? { ctx: (await (await lib.entry()).openContext({ store, logger: stderrLogger({ quiet: globals().quiet }) })).ctx, networks } : undefined;
      const { serveSite } = await lib.server();
      const server = await serveSite(store, { port: o.port, host: o.host, push });
      process.stdout.write(server.url + '\n');
      process.stderr.write(`serving ${path.resolve(globals().lake)}/site at ${server.url} (Ctrl-C to stop)\n`);
      process.stderr.write(push ? `push endpoint: POST ${server.url.replace(/\/$/, '')}${PUSH_PATH} for ${push.networks.map((n) => n.network).join(', ')}\n` : 'push endpoint off (no --push-networks)\n');
      await waitForever();
    });
}

/** `observatory start`: the demo pipeline, then the site */
function addStartCommand(program: Command, globals: () => Globals): void {
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
}

/** `observatory quarantine list|replay`: what was rejected and why; replay after a fix */
function addQuarantineCommands(program: Command, globals: () => Globals): void {
  const quarantineCommand = program.command('quarantine').description('what was rejected and why; replay after a fix');
  quarantineCommand
    .command('list')
    .description('rejections grouped by source, field and reason, with counts')
    .option('--since <time>', 'only files received since this date or ISO time')
    .addOption(formatOption())
    .action(async (o: { since?: string; format: OutputFormat }) => {
      if (o.since && (Number.isNaN(Date.parse(o.since)) || !isCalendarDate(o.since.slice(0, 10)))) {
        throw new UsageError(`--since: expected a real date YYYY-MM-DD or an ISO time, found "${o.since}"`);
      }
      const { quarantineGroups } = await lib.quarantine();
      await withContext({ ...globals(), quiet: true }, async (ctx) => {
        const groups = await quarantineGroups(ctx, { since: o.since });
        const columns = ['source_kind', 'field', 'reason', 'records', 'files', 'first_received', 'last_received'].map((name) => ({ name, type: name === 'records' || name === 'files' ? 'INTEGER' : 'VARCHAR' }));
        process.stdout.write(formatResult({ columns, rows: groups as unknown as Record<string, unknown>[] }, o.format));
        process.stderr.write(`${groups.reduce((t, g) => t + g.records, 0)} records in quarantine\n`);
        const { qcFlagsBySource } = await lib.status();
        await ctx.lake.attach([(await lib.datasets()).noiseReadings]);
        for (const [kind, flags] of await qcFlagsBySource(ctx)) {
          process.stderr.write(`${kind}: ${flags.reduce((t, f) => t + f.n, 0)} curated readings flagged by quality control (${flags.map((f) => `${f.qc} ${f.n}`).join(', ')}): kept in the lake, left out of indicators\n`);
        }
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
}

/** `observatory status`: the lake’s health */
function addStatusCommand(program: Command, globals: () => Globals): void {
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
        // the rate is a fraction in JSON, a percentage with one decimal here
        const sources = status.sources.map((x) => ({ ...x, quarantine_rate: x.quarantine_rate === null ? null : `${(x.quarantine_rate * 100).toFixed(1)} %` }));
        process.stdout.write(`lake ${status.lake}${status.demo ? ' (DEMO DATA)' : ''}\n\nsources\n${asTable(sources)}\ndatasets\n${asTable(status.datasets)}`);
      });
    });
}

/** `observatory migrate`: move the lake to the declared partitioning */
function addMigrateCommand(program: Command, globals: () => Globals): void {
  program
    .command('migrate')
    .description('moves the lake to each dataset’s declared partitioning (daily partitions into monthly or yearly ones); safe to run again')
    .addOption(formatOption())
    .action(async (o: { format: OutputFormat }) => {
      const { migrateLake } = await lib.migrate();
      await withContext(globals(), async (ctx) => {
        const summary = await migrateLake(ctx);
        const rows = summary.datasets.map((x) => ({ dataset: x.dataset, partition: x.granularity, files_moved: x.filesMoved, files_written: x.partitionsWritten, already_there: x.targetsKept }));
        process.stdout.write(formatResult({ columns: Object.keys(rows[0] ?? { dataset: '' }).map((name) => ({ name, type: 'VARCHAR' })), rows }, o.format));
      });
    });
}

/** `observatory dictionary`: the data dictionary */
function addDictionaryCommand(program: Command): void {
  program
    .command('dictionary')
    .description('print the data dictionary generated from the dataset declarations')
    .addOption(new Option('--format <format>', 'markdown or json').choices(['markdown', 'json']).default('markdown'))
    .action(async (o: { format: 'markdown' | 'json' }) => {
      const { DATASETS } = await lib.datasets();
      const { dictionary, dictionaryMarkdown } = await lib.derive();
      process.stdout.write(o.format === 'json' ? JSON.stringify(dictionary(DATASETS), null, 2) + '\n' : dictionaryMarkdown(DATASETS));
    });
}

/** `observatory models train|evaluate|predict` */
function addModelsCommands(program: Command, globals: () => Globals): void {
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
    .action((model: string, o: EvaluateFlags) => evaluateModel(globals, model, o));
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
}

/** the flags of `observatory models evaluate` */
interface EvaluateFlags {
  series?: string;
  target?: string;
  upstream?: string;
  trainUntil?: string;
  threshold?: number;
  transform?: 'log' | 'none';
  unit?: string;
  details?: boolean;
}

/** a warning when more than a fifth of the forecast origins were dropped for a missing input */
function warnDropped(origins: { used: number; dropped: number } | undefined): void {
  if (!origins || origins.used + origins.dropped === 0) return;
  const share = origins.dropped / (origins.used + origins.dropped);
  if (share > 0.2) {
    process.stderr.write(
      `warning: ${origins.dropped} of ${origins.used + origins.dropped} origins (${(100 * share).toFixed(0)} %) were dropped because an input (a lag of the target or of an upstream column) is missing; the scores rest on the ${origins.used} complete ones\n`,
    );
  }
}

/** `observatory models evaluate`: on the lake's last days, or (river) on an external daily series */
async function evaluateModel(globals: () => Globals, model: string, o: EvaluateFlags): Promise<void> {
  const [name] = modelNames(model, MODEL_NAMES, false);
  const { evaluationSummary } = await lib.report();
  if (o.series) return evaluateOnSeries(globals, name, { ...o, series: o.series });
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
}

/** `observatory models evaluate river --series FILE`: a backtest on a daily series file */
async function evaluateOnSeries(globals: () => Globals, name: string | undefined, o: EvaluateFlags & { series: string }): Promise<void> {
  const { target, trainUntil } = o;
  if (name !== 'river') throw new UsageError('--series is only for the river model');
  if (!target) throw new UsageError('--series needs --target COLUMN');
  if (!trainUntil || !isCalendarDate(trainUntil)) throw new UsageError(`--train-until: expected a date YYYY-MM-DD, found ${JSON.stringify(trainUntil ?? null)}`);
  const text = await readFile(o.series, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`--series: cannot read ${o.series}: ${e.code ?? e.message}`);
  });
  const { parseDailySeries } = await lib.riverSeries();
  const { evaluateRiverSeries } = await lib.trainRiver();
  const { evaluationSummary } = await lib.report();
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
        name: path.basename(o.series),
        series,
        target,
        upstream: o.upstream?.split(',').map((c) => c.trim()).filter(Boolean),
        trainUntil,
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
}

/** the Athena engine; tests replace it to run against a stubbed SDK client */
let athenaEngine = async (settings: AthenaSettings): Promise<AthenaEngine> => new (await lib.athena()).AthenaEngine(settings);
export function setAthenaEngineFactory(factory: (settings: AthenaSettings) => AthenaEngine): void {
  athenaEngine = (settings) => Promise.resolve(factory(settings));
}

/** the flags of `observatory ingest` that say how noise files are read */
interface NoiseIngestFlags {
  sensor?: string;
  sensorColumn?: string;
  lon?: number;
  lat?: number;
  tz?: string;
  interval?: number;
  intervalAnchor?: 'end' | 'start';
  timeColumn?: string;
  endColumn?: string;
  levelColumn?: string;
  decimal?: '.' | ',';
  delimiter?: ',' | ';' | 'tab';
  timeFormat?: string;
}

function parseInterval(value: string): number {
  const seconds = parseIntervalSeconds(value);
  if (seconds === undefined) throw new InvalidArgumentError(`--interval must be a positive length such as 60, 60s, 1min, 15min or 1h, got "${value}"`);
  return seconds;
}

/** the parser options of a noise kind from the command line, or a usage error naming the flag */
function noiseParseOptions(kind: string, o: NoiseIngestFlags): { csv?: NoiseCsvOptions; fiware?: FiwareOptions } {
  checkNoiseFlagValues(o);
  return kind === 'noise-csv' ? { csv: csvParseOptions(o) } : { fiware: fiwareParseOptions(o) };
}

/** the values every noise kind checks: a zone, a position, an interval */
function checkNoiseFlagValues(o: NoiseIngestFlags): void {
  if (o.tz !== undefined && !isTimeZone(o.tz)) throw new UsageError(`--tz: expected a time zone of the IANA list such as Europe/Paris or UTC, found "${o.tz}"`);
  if (o.lon !== undefined && !(o.lon >= -180 && o.lon <= 180)) throw new UsageError(`--lon: expected a longitude from -180 to 180 degrees (WGS84), found ${o.lon}`);
  if (o.lat !== undefined && !(o.lat >= -90 && o.lat <= 90)) throw new UsageError(`--lat: expected a latitude from -90 to 90 degrees (WGS84), found ${o.lat}`);
  if (o.interval !== undefined && !(o.interval > 0)) throw new UsageError(`--interval: expected a length above 0, found ${o.interval}`);
}

/** FIWARE files: a zone for naive times and an interval, no CSV flag */
function fiwareParseOptions(o: NoiseIngestFlags): FiwareOptions {
  const csvOnly = (['sensor', 'sensorColumn', 'lon', 'lat', 'timeColumn', 'endColumn', 'levelColumn', 'decimal', 'delimiter', 'timeFormat'] as const).filter((k) => o[k] !== undefined);
  if (csvOnly.length) throw new UsageError(`${csvOnly.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')}: only for noise-csv`);
  if (o.intervalAnchor && o.interval === undefined) throw new UsageError('--interval-anchor needs --interval');
  const interval = o.interval !== undefined ? { interval: { seconds: o.interval, anchor: o.intervalAnchor ?? ('end' as const) } } : {};
  return { ...(o.tz ? { tz: o.tz } : {}), ...interval };
}

/** the sensor of a CSV file: one given (with its position) or a column naming each row's */
function checkCsvSensorFlags(o: NoiseIngestFlags): void {
  if (!o.sensor && !o.sensorColumn) throw new UsageError('noise-csv needs --sensor ID (one sensor per file) or --sensor-column NAME');
  if (o.sensor && o.sensorColumn) throw new UsageError('--sensor and --sensor-column exclude each other: one sensor per file, or a column naming each row\'s');
  if ((o.lon === undefined) !== (o.lat === undefined)) throw new UsageError('give both --lon and --lat, or neither');
  if (o.sensorColumn && o.lon !== undefined) throw new UsageError('--lon/--lat describe the sensor of --sensor; with --sensor-column, positions come from the sensor registry (observatory ingest sensors)');
}

function csvParseOptions(o: NoiseIngestFlags): NoiseCsvOptions {
  checkCsvSensorFlags(o);
  if (o.timeFormat !== undefined) {
    try {
      parseTimeFormat(o.timeFormat);
    } catch (e) {
      throw new UsageError(`--time-format: ${(e as Error).message}`);
    }
  }
  return {
    ...(o.sensor ? { sensorId: o.sensor } : {}),
    ...(o.sensorColumn ? { sensorColumn: o.sensorColumn } : {}),
    lon: o.lon,
    lat: o.lat,
    tz: o.tz ?? 'Europe/Paris',
    intervalSeconds: o.interval,
    ...(o.intervalAnchor ? { intervalAnchor: o.intervalAnchor } : {}),
    ...(o.timeColumn ? { timeColumn: o.timeColumn } : {}),
    ...(o.endColumn ? { endColumn: o.endColumn } : {}),
    ...(o.levelColumn ? { levelColumn: o.levelColumn } : {}),
    ...(o.decimal ? { decimal: o.decimal } : {}),
    ...(o.delimiter ? { delimiter: o.delimiter === 'tab' ? '\t' : o.delimiter } : {}),
    ...(o.timeFormat ? { timeFormat: o.timeFormat } : {}),
  };
}

/** an empty result: what the lake does hold (the dataset exported, or the readings), on stderr, so that a filter outside it is seen as such */
async function warnEmpty(ctx: StageContext, dataset?: DatasetDeclaration): Promise<void> {
  const { describeHoldings } = await lib.exportStage();
  const held = await describeHoldings(ctx, dataset ?? (await lib.datasets()).noiseReadings).catch((e: Error) => `what the lake holds could not be read (${firstLine(e.message)})`);
  process.stderr.write(`warning: the result is empty; ${held} (see \`observatory status\` for every dataset)\n`);
}

/** an IANA zone name (Area/Location, or UTC / Etc/…), which Intl knows; offsets such as +01:00 are not zones */
function isTimeZone(tz: string): boolean {
  if (!/^(?:UTC|[A-Z][A-Za-z_-]+(?:\/[A-Za-z0-9_+-]+)+)$/.test(tz)) return false;
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
    if (e instanceof UsageError || (e instanceof Error && e.name === 'CorrectionRequiredError')) {
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
