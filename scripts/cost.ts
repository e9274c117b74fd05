// What the observatory costs a month on AWS, from what its runs are measured to do.
//
//   node --import tsx scripts/cost.ts            prints the cost table for the committed counts
//   node --import tsx scripts/cost.ts --measure  measures the counts again (a generated lake), writes
//                                                scripts/cost-counts.json, then prints the table
//
// The counts are measured, not typed: one push request through the push service as the ingest-push
// Lambda runs it (the raw file stored, the answer computed: lib/push/queued.ts), the queued curation of
// each quarter hour's pushes in batches (what ingest-file runs from the pushed-raw queue), then each cadence of the registry (functions/lib/stages/registry.ts) run by the runner
// (stages/pipeline.ts) on a lake holding the scenario's fleet, each stage's requests counted at the
// object store (ports/counting-store.ts). The scenario sets only the fleet, the page views and the
// bytes researchers scan; the cadences are the registry's. The module is shared with the scale
// benchmark (projected S3 requests).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COUNTER_NAMES, CountingObjectStore, zeroCounters, type StoreCounters } from '../functions/lib/ports/counting-store.ts';
import { CADENCES, STAGES, stagesOf, type Cadence } from '../functions/lib/stages/registry.ts';
import type { StageContext } from '../functions/lib/stages/context.ts';

export interface Scenario {
  readonly sensors: number;
  readonly pushIntervalMinutes: number;
  readonly pageViewsPerMonth: number;
  readonly athenaScannedGbPerMonth: number;
}

/** the scenario (16, item 7): 500 sensors pushing every 15 minutes, 50 000 page views, 50 GB scanned */
export const SCENARIO: Scenario = { sensors: 500, pushIntervalMinutes: 15, pageViewsPerMonth: 50_000, athenaScannedGbPerMonth: 50 };

export interface Price {
  /** USD per unit */
  readonly usd: number;
  readonly per: string;
  /** as the pricing page states it */
  readonly shown: string;
  readonly source: string;
  /** when the price was read, and how */
  readonly read: string;
}

const NOT_READ = '2026-12-07: not re-read (no internet in this session): AWS’s published eu-west-3 rate as last known; check the page before relying on it';

/** eu-west-3 (Paris), on-demand, x86, first tier; free tiers left out (a new account's expire) */
export const PRICES = {
  lambdaGbSecond: { usd: 0.0000166667, per: 'GB-second', shown: '0.0000166667 $ per GB-second (x86)', source: 'https://aws.amazon.com/lambda/pricing/', read: NOT_READ },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request', shown: '0.20 $ per million requests', source: 'https://aws.amazon.com/lambda/pricing/', read: NOT_READ },
  s3Put: { usd: 0.0053 / 1000, per: 'PUT, COPY, POST or LIST request', shown: '0.0053 $ per 1 000 PUT, COPY, POST, LIST requests', source: 'https://aws.amazon.com/s3/pricing/', read: NOT_READ },
  s3Get: { usd: 0.00042 / 1000, per: 'GET or HEAD request', shown: '0.00042 $ per 1 000 GET, SELECT and other requests', source: 'https://aws.amazon.com/s3/pricing/', read: NOT_READ },
  s3StorageGbMonth: { usd: 0.024, per: 'GB-month, S3 Standard', shown: '0.024 $ per GB-month (S3 Standard, first 50 TB)', source: 'https://aws.amazon.com/s3/pricing/', read: NOT_READ },
  athenaTb: { usd: 5, per: 'TB scanned', shown: '5.00 $ per TB scanned', source: 'https://aws.amazon.com/athena/pricing/', read: NOT_READ },
  cloudFrontGb: { usd: 0.085, per: 'GB to Europe', shown: '0.085 $ per GB out to Europe (first 10 TB)', source: 'https://aws.amazon.com/cloudfront/pricing/', read: NOT_READ },
  cloudFrontRequest: { usd: 0.012 / 10_000, per: 'HTTPS request, Europe', shown: '0.0120 $ per 10 000 HTTPS requests (Europe)', source: 'https://aws.amazon.com/cloudfront/pricing/', read: NOT_READ },
  apiGatewayRequest: { usd: 3.5 / 1e6, per: 'REST API request', shown: '3.50 $ per million REST API requests (first 333 million)', source: 'https://aws.amazon.com/api-gateway/pricing/', read: NOT_READ },
  sqsRequest: { usd: 0.4 / 1e6, per: 'SQS request (standard queue)', shown: '0.40 $ per million SQS requests (standard queues)', source: 'https://aws.amazon.com/sqs/pricing/', read: NOT_READ },
  stepFunctionsTransition: { usd: 0.025 / 1000, per: 'Standard state transition', shown: '0.025 $ per 1 000 state transitions (Standard)', source: 'https://aws.amazon.com/step-functions/pricing/', read: NOT_READ },
} as const satisfies Record<string, Price>;

/** one measured run: its requests and its duration (seconds on the measuring machine) */
export interface MeasuredRun extends StoreCounters {
  readonly seconds: number;
}

export interface CostCounts {
  /** how and where they were measured */
  readonly measured: string;
  /** sensors of the generated fleet (its pushes are the scenario's) */
  readonly sensors: number;
  /** one push request (one sensor's readings of an interval), through the push service as on AWS (accepted, curation queued) */
  readonly push: MeasuredRun;
  /** the queued curation of one interval's pushes (in QUEUE.batchesPerInterval batches, each followed by the after-ingest stages) */
  readonly pushCuration: MeasuredRun & { readonly batches: number };
  /** per cadence, per stage: one run of the cadence after an hour of pushes */
  readonly cadences: Partial<Record<Cadence, Record<string, MeasuredRun>>>;
  /** the site's objects: bytes of an average page view (HTML and what it loads) and requests per view */
  readonly pageView: { readonly bytes: number; readonly requests: number };
  /** bytes in the lake after the measured history, per day of history */
  readonly lakeBytesPerDay: number;
}

/**
 * The pushed-raw queue (SQS → ingest-file), as the AWS documentation describes Lambda's SQS pollers:
 * a burst of pushes may be split among its 5 first pollers, so an interval's pushes are measured in 5
 * batches; ReceiveMessage and DeleteMessageBatch take 10 messages at a time; an idle poller long-polls
 * (20 s), 3 requests a minute, for each of the two queues ingest-file reads (incoming files, pushes).
 * An estimate from the documented behaviour, not a measurement.
 */
export const QUEUE = { batchesPerInterval: 5, messagesPerRequest: 10, idlePollers: 5, idleRequestsPerMinute: 3, queues: 2 } as const;

/** runs a month of each cadence (30 days) */
export const RUNS_PER_MONTH: Record<Exclude<Cadence, 'after-ingest'>, number> = { 'quarter-hourly': 30 * 96, hourly: 30 * 24, daily: 30, weekly: 30 / 7 };

export interface CostLine {
  readonly item: string;
  readonly arithmetic: string;
  readonly usd: number;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (n: number) => `$${n.toFixed(2)}`;

/** the memory a stage's function gets on AWS (MB): the registry's limits; the ingests: infra/config/prod.json */
function memoryOf(name: string): number {
  return STAGES.find((s) => s.name === name)?.limits.memoryMb ?? 1024;
}

/** the monthly bill's lines for a scenario, from measured counts */
export function costLines(counts: CostCounts, scenario: Scenario = SCENARIO): CostLine[] {
  const pushes = scenario.sensors * (60 / scenario.pushIntervalMinutes) * 24 * 30;
  const intervals = (60 / scenario.pushIntervalMinutes) * 24 * 30;
  // the curation was measured for the measured fleet's interval: it scales with the pushes
  const curation = { runs: intervals * (scenario.sensors / counts.sensors), batches: counts.pushCuration.batches };
  const lines: CostLine[] = [];
  const s3 = {
    put: pushes * (counts.push.objects_written + counts.push.lists) + curation.runs * (counts.pushCuration.objects_written + counts.pushCuration.lists),
    get: pushes * counts.push.objects_read + curation.runs * counts.pushCuration.objects_read,
  };
  let gbSeconds = pushes * counts.push.seconds * (memoryOf('ingest-push') / 1024) + curation.runs * counts.pushCuration.seconds * (memoryOf('ingest-file') / 1024);
  // each push invokes the authorizer (128 MB, milliseconds: its duration is left out) and ingest-push; each batch ingest-file
  let invocations = 2 * pushes + curation.runs * curation.batches;
  // EventBridge's SendMessage per push, the pollers' receives and deletes, their idle long polls
  const sqsRequests = pushes * (1 + 2 / QUEUE.messagesPerRequest) + QUEUE.queues * QUEUE.idlePollers * QUEUE.idleRequestsPerMinute * 60 * 24 * 30;
  let transitions = 0;
  for (const cadence of CADENCES) {
    if (cadence === 'after-ingest') continue;
    const runs = counts.cadences[cadence] ?? {};
    const perMonth = RUNS_PER_MONTH[cadence];
    for (const [stage, r] of Object.entries(runs)) {
      s3.put += perMonth * (r.objects_written + r.lists);
      s3.get += perMonth * r.objects_read;
      gbSeconds += perMonth * r.seconds * (memoryOf(stage) / 1024);
      invocations += perMonth;
    }
    // an execution passes every stage's choice, runs its stages' tasks, then `done`
    transitions += perMonth * (STAGES.length + stagesOf(cadence).length + 1);
  }
  lines.push({ item: 'API Gateway (push requests)', arithmetic: `${fmt(pushes)} requests × ${PRICES.apiGatewayRequest.usd * 1e6} $/M`, usd: pushes * PRICES.apiGatewayRequest.usd });
  lines.push({ item: 'Lambda requests', arithmetic: `${fmt(invocations)} invocations (authorizer and ingest per push, one per queued batch and per stage run) × 0.20 $/M`, usd: invocations * PRICES.lambdaRequest.usd });
  lines.push({ item: 'Lambda duration', arithmetic: `${fmt(gbSeconds)} GB-s × ${PRICES.lambdaGbSecond.usd} $`, usd: gbSeconds * PRICES.lambdaGbSecond.usd });
  lines.push({ item: 'S3 PUT and LIST', arithmetic: `${fmt(s3.put)} requests × ${PRICES.s3Put.usd * 1000} $/1 000`, usd: s3.put * PRICES.s3Put.usd });
  lines.push({ item: 'S3 GET and HEAD', arithmetic: `${fmt(s3.get)} requests × ${PRICES.s3Get.usd * 1000} $/1 000`, usd: s3.get * PRICES.s3Get.usd });
  const storedGb = (counts.lakeBytesPerDay * 365) / 1e9;
  lines.push({ item: 'S3 storage (after a year)', arithmetic: `${fmt(storedGb, 2)} GB × ${PRICES.s3StorageGbMonth.usd} $`, usd: storedGb * PRICES.s3StorageGbMonth.usd });
  lines.push({
    item: 'SQS (pushed-raw queue)',
    arithmetic: `${fmt(sqsRequests)} requests (one message per push, receives and deletes by 10, idle polling) × ${PRICES.sqsRequest.usd * 1e6} $/M`,
    usd: sqsRequests * PRICES.sqsRequest.usd,
  });
  lines.push({ item: 'Step Functions', arithmetic: `${fmt(transitions)} transitions × ${PRICES.stepFunctionsTransition.usd * 1000} $/1 000`, usd: transitions * PRICES.stepFunctionsTransition.usd });
  const athenaTb = scenario.athenaScannedGbPerMonth / 1000;
  lines.push({ item: 'Athena', arithmetic: `${athenaTb} TB × ${PRICES.athenaTb.usd} $`, usd: athenaTb * PRICES.athenaTb.usd });
  const cfGb = (scenario.pageViewsPerMonth * counts.pageView.bytes) / 1e9;
  const cfRequests = scenario.pageViewsPerMonth * counts.pageView.requests;
  lines.push({
    item: 'CloudFront',
    arithmetic: `${fmt(cfGb, 2)} GB × ${PRICES.cloudFrontGb.usd} $ + ${fmt(cfRequests)} requests × ${PRICES.cloudFrontRequest.usd * 10_000} $/10 000`,
    usd: cfGb * PRICES.cloudFrontGb.usd + cfRequests * PRICES.cloudFrontRequest.usd,
  });
  return lines;
}

/** the projected S3 requests of a month (the scale benchmark prints these) */
export function monthlyS3Requests(counts: CostCounts, scenario: Scenario = SCENARIO): { put: number; get: number; list: number; delete: number } {
  const pushes = scenario.sensors * (60 / scenario.pushIntervalMinutes) * 24 * 30;
  const runs = (60 / scenario.pushIntervalMinutes) * 24 * 30 * (scenario.sensors / counts.sensors);
  const c = counts.pushCuration;
  const out = {
    put: pushes * counts.push.objects_written + runs * c.objects_written,
    get: pushes * counts.push.objects_read + runs * c.objects_read,
    list: pushes * counts.push.lists + runs * c.lists,
    delete: pushes * counts.push.deletes + runs * c.deletes,
  };
  for (const cadence of CADENCES) {
    if (cadence === 'after-ingest') continue;
    for (const r of Object.values(counts.cadences[cadence] ?? {})) {
      out.put += RUNS_PER_MONTH[cadence] * r.objects_written;
      out.get += RUNS_PER_MONTH[cadence] * r.objects_read;
      out.list += RUNS_PER_MONTH[cadence] * r.lists;
      out.delete += RUNS_PER_MONTH[cadence] * r.deletes;
    }
  }
  return out;
}

/** the table docs/deploy.md shows (between its cost markers) */
export function costTable(counts: CostCounts, scenario: Scenario = SCENARIO): string {
  const lines = costLines(counts, scenario);
  const total = lines.reduce((t, l) => t + l.usd, 0);
  const rows = lines.map((l) => `| ${l.item} | ${l.arithmetic} | ${usd(l.usd)} |`);
  const prices = Object.values(PRICES).map((p) => `- ${p.shown}: ${p.source}`);
  return [
    `Scenario: ${fmt(scenario.sensors)} sensors pushing every ${scenario.pushIntervalMinutes} min, ${fmt(scenario.pageViewsPerMonth)} page views and ${scenario.athenaScannedGbPerMonth} GB scanned by Athena a month; the cadences of functions/lib/stages/registry.ts; counts: ${counts.measured}.`,
    '',
    '| Item | Arithmetic (a 30-day month) | USD |',
    '| --- | --- | ---: |',
    ...rows,
    `| **Total** | | **${usd(total)}** |`,
    '',
    `Prices (eu-west-3, on demand, free tiers left out; ${NOT_READ}):`,
    ...[...new Set(prices)],
  ].join('\n');
}

export const COUNTS_FILE = fileURLToPath(new URL('./cost-counts.json', import.meta.url));

export async function readCounts(file = COUNTS_FILE): Promise<CostCounts> {
  return JSON.parse(await readFile(file, 'utf8')) as CostCounts;
}

// ---------------------------------------------------------------------------------------------------
// Measuring

function runOf(counters: StoreCounters, seconds: number): MeasuredRun {
  return { ...(Object.fromEntries(COUNTER_NAMES.map((n) => [n, counters[n]])) as unknown as StoreCounters), seconds: Math.round(seconds * 1000) / 1000 };
}

/** one sensor's 15 minutes of 1-minute readings, as a network pushes them (NGSI-v2 keyValues) */
function pushBody(sensor: number, start: number, minutes: number): string {
  return JSON.stringify(
    Array.from({ length: minutes }, (_, m) => {
      const t = start + m * 60_000;
      return {
        id: `urn:ngsi-ld:NoiseLevelObserved:s${sensor}-${t}`,
        type: 'NoiseLevelObserved',
        refDevice: `urn:ngsi-ld:Device:s${sensor}`,
        dateObservedFrom: new Date(t).toISOString(),
        dateObservedTo: new Date(t + 60_000).toISOString(),
        location: { type: 'Point', coordinates: [2.25 + (sensor % 25) * 0.008, 48.82 + Math.floor(sensor / 25) * 0.004] },
        LAeq: 45 + ((sensor + m) % 30),
        LAmax: 75,
      };
    }),
  );
}

interface HourSteps {
  push(ctx: StageContext, sensor: number, start: number): Promise<{ body: Record<string, unknown> }>;
  curate(ctx: StageContext, rawKeys: string[]): Promise<void>;
  rawKeyOf(answer: { body: Record<string, unknown> }): string;
  /** moves the lake's clock to the end of the interval being pushed */
  tick(endOfInterval: number): void;
}

/** an hour of the fleet's pushes and their queued curation, each through a counting store: the counts per push and per interval */
async function measureHour(ctx: StageContext, steps: HourSteps, hour: { sensors: number; from: number; intervalMs: number }): Promise<{ push: MeasuredRun; curation: MeasuredRun }> {
  const pushCounters = zeroCounters();
  const curationCounters = zeroCounters();
  const counted = () => {
    const store = new CountingObjectStore(ctx.store);
    return { store, ctx: { ...ctx, store, lake: ctx.lake.withStore(store) } };
  };
  let pushSeconds = 0;
  let pushCount = 0;
  let curationSeconds = 0;
  let intervalCount = 0;
  for (let t = hour.from; t < hour.from + 3_600_000; t += hour.intervalMs) {
    steps.tick(t + hour.intervalMs);
    const keys: string[] = [];
    for (let s = 0; s < hour.sensors; s++) {
      const c = counted();
      const started = performance.now();
      keys.push(steps.rawKeyOf(await steps.push(c.ctx, s, t)));
      pushSeconds += (performance.now() - started) / 1000;
      pushCount++;
      for (const n of COUNTER_NAMES) pushCounters[n] += c.store.counters[n];
    }
    const c = counted();
    const started = performance.now();
    await steps.curate(c.ctx, keys);
    curationSeconds += (performance.now() - started) / 1000;
    intervalCount++;
    for (const n of COUNTER_NAMES) curationCounters[n] += c.store.counters[n];
  }
  const per = (counters: StoreCounters, runs: number) => Object.fromEntries(COUNTER_NAMES.map((n) => [n, counters[n] / runs])) as unknown as StoreCounters;
  return { push: runOf(per(pushCounters, pushCount), pushSeconds / pushCount), curation: runOf(per(curationCounters, intervalCount), curationSeconds / intervalCount) };
}

/** the scenario's fleet on a generated lake: a few hours of history, then an hour of pushes, then each cadence */
export async function measureCounts(scenario: Scenario = SCENARIO, log: (line: string) => void = () => {}): Promise<CostCounts> {
  const { withOpenContext } = await import('../functions/lib/entry/context.ts');
  const { FsObjectStore } = await import('../functions/lib/adapters/fs-store.ts');
  const { silentLogger } = await import('../functions/lib/ports/logger.ts');
  const { handlePush } = await import('../functions/lib/push/service.ts');
  const { acceptPushes, ingestQueuedPushes } = await import('../functions/lib/push/queued.ts');
  const { afterIngest } = await import('../functions/lib/stages/ingest-service.ts');
  const { keyHash } = await import('../functions/lib/push/networks.ts');
  const { runPipeline } = await import('../functions/lib/stages/pipeline.ts');
  const { listKeys } = await import('../functions/lib/ports/object-store.ts');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-cost-'));
  await mkdir(path.join(dir, 'scratch'));
  const day = Date.parse('2026-06-01T00:00:00Z');
  // a day of history and two hours: the site shows a theme once its data cover most of a Paris day
  // (a 2-hour lake published no noise theme, so its hourly publish rewrote 17 objects where a lake in
  // operation rewrites ~265: every commune's live file, the changed communes' pages and downloads)
  const HISTORY_HOURS = 26;
  const hour = day + HISTORY_HOURS * 3_600_000;
  // the lake's clock moves as in operation: each interval's curation and runs see the end of that
  // interval, so what depends on « now » (freshness, the outlook's days) changes run to run as it would
  let clock = day;
  try {
    return await withOpenContext({ store: new FsObjectStore(path.join(dir, 'lake')), logger: silentLogger, scratchDir: path.join(dir, 'scratch'), now: () => new Date(clock) }, async (ctx) => {
      const key = 'cost-measure-key';
      const networks = [{ network: 'measure', key_sha256: keyHash(key) }];
      // the pushes go through one warm function, as ingest-push runs them: the registry read once per TTL
      const acceptPush = acceptPushes();
      const push = async (c: typeof ctx, sensor: number, start: number) =>
        handlePush(
          c,
          networks,
          {
            method: 'POST',
            headers: { 'x-api-key': key, 'content-type': 'application/json' },
            body: Buffer.from(pushBody(sensor, start, scenario.pushIntervalMinutes)),
            requestId: `s${sensor}-${start}`,
          },
          acceptPush,
        );
      // an interval's pushes curated from the queue: its raw files in QUEUE.batchesPerInterval batches,
      // each followed by the after-ingest stages (as ingest-file runs them)
      const curate = async (c: typeof ctx, rawKeys: string[]) => {
        const size = Math.ceil(rawKeys.length / QUEUE.batchesPerInterval);
        for (let i = 0; i < rawKeys.length; i += size) {
          await ingestQueuedPushes(c, rawKeys.slice(i, i + size));
          await afterIngest(c);
        }
      };
      const rawKeyOf = (answer: { body: Record<string, unknown> }) => String(answer.body.raw_key);
      // a day of history: each interval's pushes, then the hourly cadence, as on AWS
      const intervalMs = scenario.pushIntervalMinutes * 60_000;
      log(`history: ${scenario.sensors} sensors, ${HISTORY_HOURS} h`);
      for (let t = day; t < hour; t += intervalMs) {
        const keys: string[] = [];
        clock = t + intervalMs;
        for (let s = 0; s < scenario.sensors; s++) keys.push(rawKeyOf(await push(ctx, s, t)));
        await curate(ctx, keys);
        if ((t + intervalMs - day) % 3_600_000 === 0) await runPipeline(ctx, { cadence: 'hourly' });
      }
      await runPipeline(ctx, { cadence: 'daily' });
      // the measured hour: every push counted
      const measured = await measureHour(ctx, { push, curate, rawKeyOf, tick: (t) => (clock = t) }, { sensors: scenario.sensors, from: hour, intervalMs });
      // the cadences run ten minutes after the measured hour, as the hourly schedule does
      clock = hour + 3_600_000 + 600_000;
      const cadences: CostCounts['cadences'] = {};
      for (const cadence of CADENCES) {
        if (cadence === 'after-ingest') continue;
        log(`cadence ${cadence}`);
        const reports = await runPipeline(ctx, { cadence });
        cadences[cadence] = Object.fromEntries(reports.map((r) => [r.stage, runOf(r, r.seconds)]));
      }
      const site = (await listKeys(ctx.store, 'site/')).filter((o) => o.key.endsWith('.html'));
      const assets = (await listKeys(ctx.store, 'site/')).filter((o) => /\.(css|js)$/.test(o.key));
      const pageBytes = site.length ? site.reduce((t, o) => t + o.size, 0) / site.length : 0;
      const lakeBytes = (await listKeys(ctx.store, '')).filter((o) => !o.key.startsWith('site/')).reduce((t, o) => t + o.size, 0);
      return {
        measured: `measured ${new Date().toISOString().slice(0, 10)} by scripts/cost.ts --measure on a generated lake (${scenario.sensors} sensors, ${HISTORY_HOURS} hours of history then an hour of pushes, each quarter hour's curated from the queue in ${QUEUE.batchesPerInterval} batches; seconds on a shared 2-core machine)`,
        sensors: scenario.sensors,
        push: measured.push,
        pushCuration: { ...measured.curation, batches: QUEUE.batchesPerInterval },
        cadences,
        pageView: { bytes: Math.round(pageBytes + assets.reduce((t, o) => t + o.size, 0)), requests: 1 + assets.length },
        lakeBytesPerDay: Math.round((lakeBytes * 24) / (HISTORY_HOURS + 1)),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const measure = process.argv.includes('--measure');
  const sensors = process.argv.find((a) => a.startsWith('--sensors='));
  const scenario = sensors ? { ...SCENARIO, sensors: Number(sensors.slice(10)) } : SCENARIO;
  const counts = measure ? await measureCounts(scenario, (l) => process.stderr.write(`${l}\n`)) : await readCounts();
  if (measure && !sensors) await writeFile(COUNTS_FILE, JSON.stringify(counts, null, 1) + '\n');
  process.stdout.write(costTable(counts) + '\n');
}
