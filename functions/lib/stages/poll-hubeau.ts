import { SOURCE_DEFAULT_URL } from './source-endpoints.ts';
import { z } from 'zod';
import type { RiverObservationRow } from '../datasets/index.ts';
import { HYDROMETRY, type PollEntity, type Quantity } from '../domain/flood/config.ts';
import { getWithRetry, HttpError, type HttpDeps, type RetryPolicy } from '../http/fetch.ts';
import { stateKey } from '../lake/layout.ts';
import { readSaved } from '../saved-json.ts';
import { completeJson } from './poll-checks.ts';
import type { StageContext } from './context.ts';
import { ingestHubeauPage, riverKey, type HubeauPageResult } from './ingest-hubeau.ts';

// The Hub'Eau poller (a scheduled stage): for each configured station or site and each quantity, the
// observations_tr pages since the series' watermark, cursor after cursor (HTTP 206 while a next page
// exists, 200 on the last), each page stored raw and curated by the same code as a saved file.
//
// State (state/poll-hubeau.json), per series:
// - `watermark`: the latest observation time of the last complete pass; the next pass asks for
//   date_debut_obs = watermark + 1 s (minus an optional overlap), so nothing is fetched twice;
// - `pending`: the cursor of the next page of a pass that has not finished, written after every page
//   stored. A run that fails mid-way (after the retries) keeps it, and the next run resumes at that
//   cursor: no gap, no page fetched twice. A cursor the API no longer accepts (4xx) restarts the pass
//   from the watermark; the pages fetched again land on the same keys (the dataset's duplicate rule).
// The watermark only moves when a pass reaches its last page, so a failure never skips data.

export const HUBEAU_DEFAULT_URL = SOURCE_DEFAULT_URL.hubeau;
export const OBSERVATIONS_PATH = '/api/v2/hydrometrie/observations_tr';
export const STATIONS_PATH = '/api/v2/hydrometrie/referentiel/stations';
/** Hub'Eau's largest page */
export const MAX_PAGE_SIZE = 20_000;

const STATE_KEY = stateKey('poll-hubeau');

export interface PollHubeauOptions {
  /** scheme, host and optional path prefix of the API, e.g. https://hubeau.eaufrance.fr */
  readonly baseUrl: string;
  readonly entities?: readonly PollEntity[];
  readonly pageSize?: number;
  /** a series without a watermark starts this far back (Hub'Eau keeps about a month) */
  readonly lookbackDays?: number;
  /** a series without a watermark starts here (overrides lookbackDays; the demo feed uses it) */
  readonly since?: Date;
  /** ask again for this many minutes before the watermark, to pick up revised values */
  readonly overlapMinutes?: number;
  /** referential/stations: 'auto' = when the state has none or it is a week old */
  readonly referential?: 'auto' | 'always' | 'never';
  readonly retry?: Partial<RetryPolicy>;
  readonly http?: HttpDeps;
  /** pages per series and run, a guard against a server that never ends */
  readonly maxPages?: number;
  readonly demo?: boolean;
}

const seriesState = z.object({
  watermark: z.string().nullable(),
  pending: z.object({ next: z.string(), maxTs: z.string().nullable(), pages: z.number().int() }).nullable(),
  lastRun: z.string().optional(),
  lastStatus: z.enum(['ok', 'empty', 'failed']).optional(),
  lastError: z.string().optional(),
});
const stateSchema = z.object({ version: z.literal(1), series: z.record(z.string(), seriesState), referentialAt: z.string().nullable() });
export type PollHubeauState = z.infer<typeof stateSchema>;
type SeriesState = z.infer<typeof seriesState>;

export interface SeriesReport {
  readonly series: string;
  readonly status: 'ok' | 'empty' | 'failed';
  /** where the pass started: the first run's start, the watermark, or a pending cursor */
  readonly resumedFrom: 'start' | 'watermark' | 'cursor';
  readonly since: string | null;
  readonly pages: number;
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  /** rows whose key an earlier page of this run had already curated (a duplicate page) */
  readonly duplicates: number;
  /** responses that could not be read (truncated JSON…), kept in raw/ and quarantined, then fetched again */
  readonly unreadablePages: number;
  readonly watermark: string | null;
  readonly error?: string;
}

export interface PollHubeauSummary {
  readonly baseUrl: string;
  readonly series: SeriesReport[];
  readonly pages: number;
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  readonly duplicates: number;
  readonly retries: number;
  readonly failed: number;
  readonly referential: { readonly stations: number; readonly quarantined: number } | { readonly skipped: string } | { readonly error: string };
  readonly seconds: number;
}

export const seriesId = (entity: string, quantity: Quantity) => `${entity}/${quantity}`;

export function observationsUrl(baseUrl: string, entity: string, quantity: Quantity, since: Date, pageSize: number): string {
  const u = new URL(baseUrl.replace(/\/+$/, '') + OBSERVATIONS_PATH);
  u.searchParams.set('code_entite', entity);
  u.searchParams.set('grandeur_hydro', quantity);
  u.searchParams.set('date_debut_obs', since.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  u.searchParams.set('size', String(pageSize));
  u.searchParams.set('sort', 'asc');
  return u.toString();
}

export async function readPollState(ctx: Pick<StageContext, 'store'>): Promise<PollHubeauState> {
  const saved = await readSaved(ctx.store, STATE_KEY, stateSchema, 'delete it to start over from the lookback');
  return saved ?? { version: 1, series: {}, referentialAt: null };
}

async function writeState(ctx: StageContext, state: PollHubeauState): Promise<void> {
  await ctx.store.put(STATE_KEY, JSON.stringify(state, null, 1), { contentType: 'application/json' });
}

export async function pollHubeau(ctx: StageContext, options: PollHubeauOptions): Promise<PollHubeauSummary> {
  const started = performance.now();
  const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const entities = options.entities ?? HYDROMETRY.poll;
  const state = await readPollState(ctx);
  let retries = 0;
  const onRetry = (e: { url: string; attempt: number; delayMs: number; reason: string }) => {
    retries++;
    ctx.logger.warn(`poll-hubeau: ${e.reason}; attempt ${e.attempt + 1} in ${e.delayMs} ms`, { url: e.url });
  };
  const fetchPage = (url: string, unreadable: { count: number }) =>
    getWithRetry(url, {
      policy: options.retry,
      deps: options.http,
      onRetry,
      check: completeJson((res) => {
        unreadable.count++;
        return ingestHubeauPage(ctx, { bytes: res.body, origin: url, demo: options.demo, contentType: res.headers.get('content-type') ?? undefined });
      }),
    });

  const seen = new Set<string>();
  const reports: SeriesReport[] = [];
  for (const entity of entities) {
    for (const quantity of entity.quantities) {
      const id = seriesId(entity.code_entite, quantity);
      const s: SeriesState = state.series[id] ?? { watermark: null, pending: null };
      const report = await pollSeries(ctx, { options, id, entity: entity.code_entite, quantity, pageSize, series: s, seen, fetchPage, save: () => writeState(ctx, state), set: (v) => (state.series[id] = v) });
      reports.push(report);
    }
  }

  const referential = await pollReferential(ctx, options, state, fetchPage);
  await writeState(ctx, state);
  const sum = (k: 'pages' | 'records' | 'curated' | 'quarantined' | 'duplicates') => reports.reduce((t, r) => t + r[k], 0);
  const summary: PollHubeauSummary = {
    baseUrl: options.baseUrl,
    series: reports,
    pages: sum('pages'),
    records: sum('records'),
    curated: sum('curated'),
    quarantined: sum('quarantined'),
    duplicates: sum('duplicates'),
    retries,
    failed: reports.filter((r) => r.status === 'failed').length,
    referential,
    seconds: (performance.now() - started) / 1000,
  };
  ctx.logger.info(
    `poll-hubeau: ${reports.length} series, ${summary.pages} pages, ${summary.records} records → ${summary.curated} curated + ${summary.quarantined} quarantined` +
      (summary.failed ? `; ${summary.failed} series failed (they resume next run)` : ''),
  );
  return summary;
}

interface SeriesJob {
  readonly options: PollHubeauOptions;
  readonly id: string;
  readonly entity: string;
  readonly quantity: Quantity;
  readonly pageSize: number;
  readonly series: SeriesState;
  /** keys of the rows curated by this run, to count duplicate pages */
  readonly seen: Set<string>;
  readonly fetchPage: (url: string, unreadable: { count: number }) => ReturnType<typeof getWithRetry>;
  readonly save: () => Promise<void>;
  readonly set: (s: SeriesState) => void;
}

async function pollSeries(ctx: StageContext, job: SeriesJob): Promise<SeriesReport> {
  const { options } = job;
  const now = ctx.now();
  const overlapMs = (options.overlapMinutes ?? 0) * 60_000;
  const startOf = (watermark: string | null) =>
    watermark ? new Date(Date.parse(watermark) + 1000 - overlapMs) : (options.since ?? new Date(now.getTime() - (options.lookbackDays ?? 30) * 86_400_000));
  let s = job.series;
  let { resumedFrom, since, url, maxTs } = resumePass(job, startOf);
  let pages = 0;
  const totals = { records: 0, curated: 0, quarantined: 0, duplicates: 0 };
  const unreadable = { count: 0 };
  const cursors = new Set<string>();
  const finish = (status: SeriesReport['status'], error?: string): SeriesReport => {
    job.set(s);
    return { series: job.id, status, resumedFrom, since: since?.toISOString() ?? null, pages, ...totals, unreadablePages: unreadable.count, watermark: s.watermark, ...(error ? { error } : {}) };
  };
  try {
    for (;;) {
      checkPageBudget(url, cursors, pages, options.maxPages ?? 1000);
      cursors.add(url);
      let page: HubeauPageResult;
      let status: number;
      try {
        const res = await job.fetchPage(url, unreadable);
        status = res.status;
        page = await ingestHubeauPage(ctx, { bytes: res.body, origin: url, demo: options.demo, contentType: res.headers.get('content-type') ?? undefined });
      } catch (e) {
        // a pending cursor the API refuses (expired): start the pass again from the watermark
        if (isRefusedCursor(e, resumedFrom, pages)) {
          ctx.logger.warn(`poll-hubeau: ${job.id}: the saved cursor was refused (HTTP ${e.status}); restarting from the watermark`);
          resumedFrom = s.watermark ? 'watermark' : 'start';
          since = startOf(s.watermark);
          url = observationsUrl(options.baseUrl, job.entity, job.quantity, since, job.pageSize);
          maxTs = null;
          s = { ...s, pending: null };
          cursors.clear();
          continue;
        }
        throw e;
      }
      pages++;
      maxTs = tallyPage(job, page, totals, maxTs);
      const next = nextPageOf(ctx, job, page, status);
      if (!next) break;
      s = { ...s, pending: { next, maxTs, pages: (s.pending?.pages ?? 0) + 1 } };
      job.set(s);
      await job.save();
      url = next;
    }
  } catch (e) {
    const message = (e as Error).message;
    ctx.logger.error(`poll-hubeau: ${job.id} failed after ${pages} page(s): ${message}`);
    s = { ...s, lastRun: now.toISOString(), lastStatus: 'failed', lastError: message.slice(0, 500) };
    return finish('failed', message);
  }
  const empty = maxTs === null;
  s = {
    watermark: maxTs !== null && (!s.watermark || maxTs > s.watermark) ? maxTs : s.watermark,
    pending: null,
    lastRun: now.toISOString(),
    lastStatus: empty ? 'empty' : 'ok',
  };
  return finish(empty ? 'empty' : 'ok');
}

/** where a series' pass starts: the saved cursor of an unfinished pass, else its watermark (less the overlap), else the lookback */
function resumePass(job: SeriesJob, startOf: (watermark: string | null) => Date): { resumedFrom: SeriesReport['resumedFrom']; since: Date | null; url: string; maxTs: string | null } {
  const { pending, watermark } = job.series;
  if (pending) return { resumedFrom: 'cursor', since: null, url: pending.next, maxTs: pending.maxTs };
  const since = startOf(watermark);
  return { resumedFrom: watermark ? 'watermark' : 'start', since, url: observationsUrl(job.options.baseUrl, job.entity, job.quantity, since, job.pageSize), maxTs: null };
}

/** a page beyond the run's budget, or a cursor seen before (a loop), stops the series */
function checkPageBudget(url: string, cursors: ReadonlySet<string>, pages: number, maxPages: number): void {
  if (cursors.has(url)) throw new Error(`the API sent the same page URL twice (cursor loop): ${url}`);
  if (pages >= maxPages) throw new Error(`more than ${maxPages} pages in one run; the rest is left for the next run`);
}

/** a saved cursor the API refuses on the first page (expired): the pass starts again from the watermark */
function isRefusedCursor(e: unknown, resumedFrom: SeriesReport['resumedFrom'], pages: number): e is HttpError {
  return e instanceof HttpError && !e.retryable && resumedFrom === 'cursor' && pages === 0;
}

/** adds a page's counts to the totals (rows seen before in the run are duplicates); the series' latest time so far */
function tallyPage(job: SeriesJob, page: HubeauPageResult, totals: { records: number; curated: number; quarantined: number; duplicates: number }, maxTs: string | null): string | null {
  totals.records += page.summary.records;
  totals.curated += page.summary.curated;
  totals.quarantined += page.summary.quarantined;
  let latest = maxTs;
  for (const row of page.observations) {
    const k = riverKey(row);
    if (job.seen.has(k)) totals.duplicates++;
    else job.seen.add(k);
    if (row.quantity === job.quantity) latest = laterOf(latest, row);
  }
  return latest;
}

/** the next page's URL by the envelope (an HTTP status disagreeing with it is logged), or null at the last page */
function nextPageOf(ctx: StageContext, job: SeriesJob, page: HubeauPageResult, status: number): string | null {
  if (page.summary.payload !== 'observations') throw new Error(`expected an observations_tr page, got ${page.summary.payload} (${page.summary.unreadable ?? ''})`);
  const next = page.envelope?.next ?? null;
  if ((status === 206) !== (next !== null)) {
    ctx.logger.warn(`poll-hubeau: ${job.id}: HTTP ${status} with ${next ? 'a' : 'no'} next page; following the envelope`);
  }
  return next;
}

function laterOf(current: string | null, row: RiverObservationRow): string {
  const iso = row.ts.toISOString();
  return current === null || iso > current ? iso : current;
}

async function pollReferential(
  ctx: StageContext,
  options: PollHubeauOptions,
  state: PollHubeauState,
  fetchPage: (url: string, unreadable: { count: number }) => ReturnType<typeof getWithRetry>,
): Promise<PollHubeauSummary['referential']> {
  const mode = options.referential ?? 'auto';
  const weekAgo = ctx.now().getTime() - 7 * 86_400_000;
  if (mode === 'never') return { skipped: 'referential: never' };
  if (mode === 'auto' && state.referentialAt && Date.parse(state.referentialAt) > weekAgo) return { skipped: `fetched at ${state.referentialAt}` };
  const u = new URL(options.baseUrl.replace(/\/+$/, '') + STATIONS_PATH);
  u.searchParams.set('code_station', HYDROMETRY.stations.map((s) => s.code_station).join(','));
  u.searchParams.set('size', '100');
  let url: string | null = u.toString();
  let stations = 0;
  let quarantined = 0;
  try {
    for (let i = 0; url && i < 10; i++) {
      const res = await fetchPage(url, { count: 0 });
      const page = await ingestHubeauPage(ctx, { bytes: res.body, origin: url, demo: options.demo });
      stations += page.summary.curated;
      quarantined += page.summary.quarantined;
      url = page.summary.next;
    }
  } catch (e) {
    ctx.logger.warn(`poll-hubeau: referential not refreshed: ${(e as Error).message}`);
    return { error: (e as Error).message };
  }
  state.referentialAt = ctx.now().toISOString();
  return { stations, quarantined };
}
