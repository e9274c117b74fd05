import { SOURCE_DEFAULT_URL } from './source-endpoints.ts';
import { z } from 'zod';
import { sha256Hex } from '../hash.ts';
import { DAILY_FILE_PERIODS, gzipIntegrity, parseDailyFileName, type DailyFileName, type DailyFilePeriod } from '../domain/heat/meteofrance.ts';
import { isMetropoleDepartement, WEATHER_DEPARTEMENTS } from '../domain/heat/basin-rain-stations.ts';
import { getWithRetry, HttpError, type HttpDeps, type HttpResponse, type RetryPolicy } from '../http/fetch.ts';
import { stateKey } from '../lake/layout.ts';
import { issuesText, readSaved } from '../saved-json.ts';
import { completeJson } from './poll-checks.ts';
import type { StageContext } from './context.ts';
import { ingestMeteoFrance, type MeteoFranceIngestSummary } from './ingest-meteofrance.ts';

// The Météo-France poller (a scheduled stage, daily): the "données climatologiques de base
// quotidiennes" (RR-T-Vent) of the Métropole's départements and of the river model's basin rain
// stations (config/basin-rain-stations.json), the "latest" file of each (this year and
// last, updated daily) and its "previous" file (1950 to two years ago, updated rarely). Their names
// carry year ranges that move every January, so each run first lists the dataset's resources on
// data.gouv.fr (API v2, paged) and takes, per département and period, the file with the latest years.
// Each file is stored raw and ingested by ingestMeteoFrance, like a saved file; per département the
// "previous" file is received before the "latest" one, so that where they overlap the latest wins
// (weather_daily's duplicate rule: the most recently received file).
//
// Unchanged files cost nothing. state/poll-meteofrance.json keeps, per file URL, what data.gouv.fr
// said of the resource (last_modified, checksum, filesize), what the file server said (ETag,
// Last-Modified) and the sha256 of the bytes ingested:
// - a file completely ingested whose resource metadata has not changed is not requested at all (but is
//   asked again with a conditional GET after `recheckDays`, in case the metadata lags);
// - otherwise a conditional GET (If-None-Match / If-Modified-Since): 304 means unchanged;
// - bytes with the sha256 already ingested are not ingested again (they would change nothing: raw/ is
//   content-addressed and the curated files are named after it).
// A file is ingested in chunks of days (ingestMeteoFrance); the state records the last day stored, so a
// run stopped by its deadline (or killed) resumes there, reading the bytes back from raw/ instead of
// downloading them again. A file that fails after the retries is recorded as failed; the other files
// go on, and the next run tries it again. A response that is not a complete gzip stream (a cut
// download) is kept in raw/ and quarantined with the reason, then asked again — unless it is the CSV
// itself, decompressed by the HTTP client because the server sent it with Content-Encoding: gzip.

/** the data.gouv.fr API (not the file server: the files' URLs come from the resource listing) */
export const DATAGOUV_DEFAULT_URL = SOURCE_DEFAULT_URL.meteofrance;
export const METEOFRANCE_DAILY_DATASET = 'donnees-climatologiques-de-base-quotidiennes';
/** resources of a dataset, paged: {data, next_page, previous_page, page, page_size, total} */
export const resourcesPath = (dataset: string) => `/api/2/datasets/${encodeURIComponent(dataset)}/resources/`;
/** resources asked per page (udata's default is 50) */
export const RESOURCES_PAGE_SIZE = 100;

const STATE_KEY = stateKey('poll-meteofrance');

/**
 * the départements polled by default: the Métropole's (heat indicators), then those of the river model's
 * basin rain stations upstream of Paris (config/basin-rain-stations.json, the one declaration)
 */
export const POLLED_DEPARTEMENTS: readonly string[] = WEATHER_DEPARTEMENTS;

export interface PollMeteoFranceOptions {
  /** scheme, host and optional path prefix of the data.gouv.fr API, e.g. https://www.data.gouv.fr */
  readonly baseUrl: string;
  readonly dataset?: string;
  readonly departements?: readonly string[];
  readonly pageSize?: number;
  /** a file unchanged per data.gouv.fr is asked again (conditional GET) after this many days; default 7 */
  readonly recheckDays?: number;
  /** epoch ms: past it, no new file or chunk is started; what is left resumes next run */
  readonly deadline?: number;
  /** the clock the deadline is read against (epoch ms); default Date.now */
  readonly clock?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  /** per attempt of a file download (a "previous" file is tens of MB); default 5 minutes */
  readonly fileTimeoutMs?: number;
  readonly http?: HttpDeps;
  /** listing pages per run, a guard against a server that never ends */
  readonly maxPages?: number;
  readonly demo?: boolean;
}

const fileState = z.object({
  departement: z.string(),
  period: z.enum(DAILY_FILE_PERIODS),
  name: z.string(),
  /** the resource as data.gouv.fr described it when the file was last asked */
  resource: z.object({ id: z.string().nullable(), lastModified: z.string().nullable(), checksum: z.string().nullable(), filesize: z.number().nullable() }),
  etag: z.string().nullable(),
  httpLastModified: z.string().nullable(),
  sha256: z.string().nullable(),
  rawKey: z.string().nullable(),
  /** the last day stored from rawKey (null: none yet) */
  through: z.string().nullable(),
  /** every chunk of rawKey is stored */
  complete: z.boolean(),
  /** when the file itself was last asked (GET or conditional GET) */
  checkedAt: z.string().nullable(),
  lastRun: z.string(),
  lastStatus: z.enum(['ingested', 'unchanged', 'partial', 'failed']),
  lastError: z.string().optional(),
});
const stateSchema = z.object({ version: z.literal(1), files: z.record(z.string(), fileState) });
export type PollMeteoFranceState = z.infer<typeof stateSchema>;
type FileState = z.infer<typeof fileState>;

/** a file of the dataset, as the resource listing describes it */
export interface DailyFileResource extends DailyFileName {
  readonly url: string;
  readonly id: string | null;
  readonly lastModified: string | null;
  readonly checksum: string | null;
  readonly filesize: number | null;
}

export interface FileReport {
  readonly departement: string;
  readonly period: DailyFilePeriod;
  readonly name: string;
  /**
   * ingested: every chunk stored; unchanged: nothing to do; partial: stopped at the deadline, resumes
   * next run; deferred: not started (deadline); failed: see error, tried again next run
   */
  readonly status: 'ingested' | 'unchanged' | 'partial' | 'deferred' | 'failed';
  /** what was asked: nothing, a conditional GET, a full GET, or the bytes kept in raw/ (resume) */
  readonly fetched: 'none' | 'conditional' | 'full' | 'raw';
  readonly httpStatus?: number;
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  /** responses that were not a complete gzip stream, kept in raw/ and quarantined, then asked again */
  readonly unreadableResponses: number;
  readonly through: string | null;
  readonly rawKey: string | null;
  readonly error?: string;
}

export interface PollMeteoFranceSummary {
  readonly baseUrl: string;
  /** the resource listing: pages read and resources listed, or why it failed (the known files are polled anyway) */
  readonly discovery: { readonly pages: number; readonly resources: number; readonly superseded: string[]; readonly invalid: number } | { readonly error: string };
  readonly files: FileReport[];
  /** the Métropole's départements and periods without a file in the listing (warned: the heat indicators need them) */
  readonly missing: { readonly departement: string; readonly period: DailyFilePeriod }[];
  /** the same for the basin rain départements (said at info level: basin rain is an optional input of the river model) */
  readonly basinMissing: { readonly departement: string; readonly period: DailyFilePeriod }[];
  readonly ingested: number;
  readonly unchanged: number;
  readonly partial: number;
  readonly deferred: number;
  readonly failed: number;
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  readonly retries: number;
  readonly seconds: number;
}

export async function readMeteoFranceState(ctx: Pick<StageContext, 'store'>): Promise<PollMeteoFranceState> {
  const saved = await readSaved(ctx.store, STATE_KEY, stateSchema, 'delete it to fetch every file again');
  return saved ?? { version: 1, files: {} };
}

async function writeState(ctx: StageContext, state: PollMeteoFranceState): Promise<void> {
  await ctx.store.put(STATE_KEY, JSON.stringify(state, null, 1), { contentType: 'application/json' });
}

const resourceSchema = z.object({
  id: z.string().nullish(),
  title: z.string().nullish(),
  url: z.string().min(1),
  last_modified: z.string().nullish(),
  checksum: z.object({ type: z.string().nullish(), value: z.string() }).nullish(),
  filesize: z.number().nullish(),
});
const pageSchema = z.object({ data: z.array(z.unknown()), next_page: z.string().nullish(), total: z.number().nullish() });

/** the file name at the end of a URL's path, decoded */
function fileNameOf(url: string): string {
  const path = new URL(url).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * The daily files of the départements in the dataset's resources, one per département and period
 * (the latest years when several are listed, e.g. around the new year), and the names passed over.
 * A resource is recognised by the file name of its URL, else by its title. Resources that cannot be
 * fetched (no URL, not http(s)) are listed in `invalid`, each with why.
 */
export function selectDailyFiles(
  resources: readonly unknown[],
  departements: readonly string[],
): { files: DailyFileResource[]; superseded: string[]; invalid: InvalidResource[] } {
  const best = new Map<string, DailyFileResource>();
  const superseded: string[] = [];
  const invalid: InvalidResource[] = [];
  for (const [index, item] of resources.entries()) {
    const read = fetchableResource(item, index);
    if ('reason' in read) {
      invalid.push(read);
      continue;
    }
    const file = dailyFileOf(read.resource, read.url);
    if (!file || !departements.includes(file.departement)) continue;
    const k = `${file.departement}/${file.period}`;
    const current = best.get(k);
    if (!current) best.set(k, file);
    else if (file.toYear > current.toYear || (file.toYear === current.toYear && file.fromYear > current.fromYear)) {
      superseded.push(current.name);
      best.set(k, file);
    } else superseded.push(file.name);
  }
  return { files: [...best.values()], superseded, invalid };
}

type ListedResource = z.infer<typeof resourceSchema>;

/** a resource of the listing with an http(s) URL, or why it cannot be fetched */
function fetchableResource(item: unknown, index: number): { resource: ListedResource; url: URL } | InvalidResource {
  const r = resourceSchema.safeParse(item);
  if (!r.success) return { index, resource: describeResource(item), reason: issuesText(r.error) };
  const url = URL.canParse(r.data.url) ? new URL(r.data.url) : undefined;
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    return { index, resource: describeResource(item), reason: `url ${JSON.stringify(r.data.url)} is not an http(s) URL` };
  }
  return { resource: r.data, url };
}

/** the daily file a resource is, recognised by the file name of its URL, else by its title */
function dailyFileOf(r: ListedResource, url: URL): DailyFileResource | undefined {
  const name = parseDailyFileName(fileNameOf(url.toString())) ?? (r.title ? parseDailyFileName(r.title.trim()) : undefined);
  if (!name) return undefined;
  return {
    ...name,
    url: url.toString(),
    id: r.id ?? null,
    lastModified: r.last_modified ?? null,
    checksum: r.checksum ? `${r.checksum.type ?? 'sha1'}:${r.checksum.value}` : null,
    filesize: r.filesize ?? null,
  };
}

/** a resource of the listing that cannot be fetched: its position, its title or id, and why */
export interface InvalidResource {
  readonly index: number;
  readonly resource: string;
  readonly reason: string;
}

function describeResource(item: unknown): string {
  const o = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
  const name = [o['title'], o['id']].find((v) => typeof v === 'string');
  return typeof name === 'string' ? JSON.stringify(name) : 'untitled';
}

export async function pollMeteoFrance(ctx: StageContext, options: PollMeteoFranceOptions): Promise<PollMeteoFranceSummary> {
  const started = performance.now();
  const departements = options.departements ?? POLLED_DEPARTEMENTS;
  const state = await readMeteoFranceState(ctx);
  let retries = 0;
  const onRetry = (e: { url: string; attempt: number; delayMs: number; reason: string }) => {
    retries++;
    ctx.logger.warn(`poll-meteofrance: ${e.reason}; attempt ${e.attempt + 1} in ${e.delayMs} ms`, { url: e.url });
  };
  const clock = options.clock ?? Date.now;
  const pastDeadline = () => options.deadline !== undefined && clock() >= options.deadline;

  // 1. which files exist today
  const { discovery, files } = await discoverFiles(ctx, options, departements, state, onRetry);
  const absent = departements.flatMap((departement) =>
    DAILY_FILE_PERIODS.filter((period) => !files.some((f) => f.departement === departement && f.period === period)).map((period) => ({ departement, period })),
  );
  // the heat indicators need the Métropole's files; a basin département's rain is an optional input of the river model
  const missing = absent.filter((m) => isMetropoleDepartement(m.departement));
  const basinMissing = absent.filter((m) => !isMetropoleDepartement(m.departement));
  for (const m of missing) ctx.logger.warn(`poll-meteofrance: no ${m.period} file for département ${m.departement} in the listing`);
  for (const m of basinMissing) ctx.logger.info(`poll-meteofrance: no ${m.period} file for basin rain département ${m.departement} in the listing`);

  // 2. each file, département by département, "previous" before "latest"
  const order = (f: DailyFileResource) => [departements.indexOf(f.departement), DAILY_FILE_PERIODS.indexOf(f.period)] as const;
  files.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
  const reports: FileReport[] = [];
  // files received in one run are received one after the other, even when the clock does not move (tests)
  let lastReceipt = 0;
  const receiptContext = (): StageContext => {
    lastReceipt = Math.max(ctx.now().getTime(), lastReceipt + 1);
    const at = new Date(lastReceipt);
    return { ...ctx, now: () => at };
  };
  for (const file of files) {
    if (pastDeadline()) {
      reports.push(emptyReport(file, 'deferred', state.files[file.url]));
      continue;
    }
    reports.push(await pollFile(ctx, { options, file, state, onRetry, pastDeadline, receiptContext, save: () => writeState(ctx, state) }));
  }
  // a file replaced by one with later years (the new year's names) leaves the state
  for (const [url, s] of Object.entries(state.files)) {
    if (files.some((f) => f.departement === s.departement && f.period === s.period && f.url !== url)) delete state.files[url];
  }
  await writeState(ctx, state);

  const count = (status: FileReport['status']) => reports.filter((r) => r.status === status).length;
  const sum = (k: 'records' | 'curated' | 'quarantined') => reports.reduce((t, r) => t + r[k], 0);
  const summary: PollMeteoFranceSummary = {
    baseUrl: options.baseUrl,
    discovery,
    files: reports,
    missing,
    basinMissing,
    ingested: count('ingested'),
    unchanged: count('unchanged'),
    partial: count('partial'),
    deferred: count('deferred'),
    failed: count('failed'),
    records: sum('records'),
    curated: sum('curated'),
    quarantined: sum('quarantined'),
    retries,
    seconds: (performance.now() - started) / 1000,
  };
  ctx.logger.info(
    `poll-meteofrance: ${reports.length} files: ${summary.ingested} ingested, ${summary.unchanged} unchanged` +
      (summary.partial + summary.deferred ? `, ${summary.partial} partial and ${summary.deferred} deferred (they resume next run)` : '') +
      (summary.failed ? `, ${summary.failed} failed (tried again next run)` : '') +
      `; ${summary.records} lines → ${summary.curated} curated + ${summary.quarantined} quarantined`,
  );
  return summary;
}

/** the files of the départements in today's listing; without the listing, the files known from earlier runs */
async function discoverFiles(
  ctx: StageContext,
  options: PollMeteoFranceOptions,
  departements: readonly string[],
  state: PollMeteoFranceState,
  onRetry: (e: { url: string; attempt: number; delayMs: number; reason: string }) => void,
): Promise<{ discovery: PollMeteoFranceSummary['discovery']; files: DailyFileResource[] }> {
  try {
    const listing = await listResources(options, onRetry);
    const selected = selectDailyFiles(listing.resources, departements);
    if (selected.invalid.length) {
      const shown = selected.invalid.slice(0, 5).map((i) => `#${i.index} ${i.resource}: ${i.reason}`);
      ctx.logger.warn(`poll-meteofrance: ${selected.invalid.length} resource(s) of the listing cannot be fetched and were passed over: ${shown.join('; ')}`);
    }
    return { files: selected.files, discovery: { pages: listing.pages, resources: listing.resources.length, superseded: selected.superseded, invalid: selected.invalid.length } };
  } catch (e) {
    // without the listing, the files known from earlier runs are still worth a (conditional) GET
    const message = (e as Error).message;
    ctx.logger.error(`poll-meteofrance: the resource listing failed (${message}); polling the ${Object.keys(state.files).length} file(s) known from earlier runs`);
    const files = Object.entries(state.files)
      .filter(([, s]) => departements.includes(s.departement))
      .flatMap(([url, s]) => {
        const name = parseDailyFileName(s.name);
        return name ? [{ ...name, url, id: s.resource.id, lastModified: null, checksum: null, filesize: null }] : [];
      });
    return { discovery: { error: message }, files };
  }
}

async function listResources(options: PollMeteoFranceOptions, onRetry: (e: { url: string; attempt: number; delayMs: number; reason: string }) => void): Promise<{ resources: unknown[]; pages: number }> {
  const first = new URL(options.baseUrl.replace(/\/+$/, '') + resourcesPath(options.dataset ?? METEOFRANCE_DAILY_DATASET));
  first.searchParams.set('page', '1');
  first.searchParams.set('page_size', String(options.pageSize ?? RESOURCES_PAGE_SIZE));
  const resources: unknown[] = [];
  const seen = new Set<string>();
  const maxPages = options.maxPages ?? 100;
  let url: string | null = first.toString();
  let pages = 0;
  while (url) {
    if (seen.has(url)) throw new Error(`the resource listing sent the same page twice (next_page loop): ${url}`);
    if (pages >= maxPages) throw new Error(`the resource listing has more than ${maxPages} pages`);
    seen.add(url);
    const res = await getWithRetry(url, {
      policy: options.retry,
      deps: options.http,
      onRetry,
      check: completeJson(),
    });
    const page = pageSchema.safeParse(JSON.parse(res.body.toString('utf8')));
    if (!page.success) {
      throw new Error(`${url}: not a data.gouv.fr resource page: ${issuesText(page.error)}`);
    }
    pages++;
    resources.push(...page.data.data);
    url = page.data.next_page ? new URL(page.data.next_page, url).toString() : null;
  }
  return { resources, pages };
}

interface FileJob {
  readonly options: PollMeteoFranceOptions;
  readonly file: DailyFileResource;
  readonly state: PollMeteoFranceState;
  readonly onRetry: (e: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  readonly pastDeadline: () => boolean;
  /** the context of one receipt: its clock is strictly after the previous receipt's */
  readonly receiptContext: () => StageContext;
  readonly save: () => Promise<void>;
}

function emptyReport(file: DailyFileResource, status: FileReport['status'], s: FileState | undefined, extra: Partial<FileReport> = {}): FileReport {
  return {
    departement: file.departement,
    period: file.period,
    name: file.name,
    status,
    fetched: 'none',
    records: 0,
    curated: 0,
    quarantined: 0,
    unreadableResponses: 0,
    through: s?.through ?? null,
    rawKey: s?.rawKey ?? null,
    ...extra,
  };
}

const sameResource = (s: FileState, f: DailyFileResource) =>
  f.lastModified !== null && s.resource.lastModified === f.lastModified && s.resource.checksum === f.checksum && s.resource.filesize === f.filesize;

async function pollFile(ctx: StageContext, job: FileJob): Promise<FileReport> {
  const { file } = job;
  const now = ctx.now();
  const previous = job.state.files[file.url];
  const base: FileState = previous ?? newFileState(file, now);
  const set = (s: FileState) => (job.state.files[file.url] = s);
  // unchanged per data.gouv.fr, completely ingested and checked recently: no request
  if (previous && checkedRecently(previous, file, now, job.options.recheckDays ?? 7)) {
    set({ ...previous, lastRun: now.toISOString(), lastStatus: 'unchanged', lastError: undefined });
    return emptyReport(file, 'unchanged', previous);
  }
  const fetch: Fetch = { fetched: 'none', unreadable: 0 };
  try {
    const got = await fileBytes(ctx, job, base, fetch);
    if ('unchanged' in got) {
      set(got.unchanged);
      return emptyReport(file, 'unchanged', previous, { fetched: fetch.fetched, httpStatus: fetch.httpStatus, unreadableResponses: fetch.unreadable });
    }
    return await ingestFile(ctx, job, got, fetch);
  } catch (e) {
    const message = (e as Error).message;
    ctx.logger.error(`poll-meteofrance: ${file.name} failed: ${message}`);
    const failed: FileState = { ...(job.state.files[file.url] ?? base), lastRun: now.toISOString(), lastStatus: 'failed', lastError: message.slice(0, 500) };
    set(failed);
    await job.save();
    return emptyReport(file, 'failed', failed, { fetched: fetch.fetched, ...(e instanceof HttpError && e.status !== undefined ? { httpStatus: e.status } : {}), unreadableResponses: fetch.unreadable, error: message });
  }
}

/** how a file was fetched this run (filled in as it goes, so that a failure still reports it) */
interface Fetch {
  fetched: FileReport['fetched'];
  httpStatus?: number;
  unreadable: number;
}

function newFileState(file: DailyFileResource, now: Date): FileState {
  return {
    departement: file.departement,
    period: file.period,
    name: file.name,
    resource: resourceOf(file),
    etag: null,
    httpLastModified: null,
    sha256: null,
    rawKey: null,
    through: null,
    complete: false,
    checkedAt: null,
    lastRun: now.toISOString(),
    lastStatus: 'failed',
  };
}

const resourceOf = (file: DailyFileResource): FileState['resource'] => ({ id: file.id, lastModified: file.lastModified, checksum: file.checksum, filesize: file.filesize });

function checkedRecently(previous: FileState, file: DailyFileResource, now: Date, recheckDays: number): boolean {
  return previous.complete && sameResource(previous, file) && previous.checkedAt !== null && now.getTime() - Date.parse(previous.checkedAt) < recheckDays * 86_400_000;
}

/**
 * the bytes to ingest and the state they start from: an interrupted ingest of bytes unchanged since resumes
 * from the copy in raw/; otherwise a (conditional) GET, whose 304 or already-ingested bytes mean unchanged
 */
async function fileBytes(ctx: StageContext, job: FileJob, base: FileState, fetch: Fetch): Promise<{ bytes: Uint8Array; state: FileState } | { unchanged: FileState }> {
  const { file } = job;
  const now = ctx.now().toISOString();
  const previous = job.state.files[file.url];
  if (previous && !previous.complete && previous.rawKey && sameResource(previous, file)) {
    fetch.fetched = 'raw';
    return { bytes: await ctx.store.get(previous.rawKey), state: previous };
  }
  const conditional = previous?.complete ? { ...(previous.etag ? { 'if-none-match': previous.etag } : {}), ...(previous.httpLastModified ? { 'if-modified-since': previous.httpLastModified } : {}) } : {};
  fetch.fetched = Object.keys(conditional).length ? 'conditional' : 'full';
  const unreadable = { count: 0 };
  const res = await download(ctx, job, conditional, unreadable).finally(() => (fetch.unreadable = unreadable.count));
  fetch.httpStatus = res.status;
  const server = { etag: res.headers.get('etag'), httpLastModified: res.headers.get('last-modified'), checkedAt: now };
  const resource = resourceOf(file);
  if (res.status === 304) {
    return { unchanged: { ...base, ...server, etag: server.etag ?? base.etag, httpLastModified: server.httpLastModified ?? base.httpLastModified, resource, lastRun: now, lastStatus: 'unchanged', lastError: undefined } };
  }
  const sha256 = await sha256Hex(res.body);
  if (previous?.complete && previous.sha256 === sha256) return { unchanged: { ...previous, ...server, resource, lastRun: now, lastStatus: 'unchanged', lastError: undefined } };
  // the same bytes as an interrupted ingest resume where it stopped; new bytes start over
  const resume = previous && previous.sha256 === sha256 ? previous.through : null;
  return { bytes: res.body, state: { ...base, ...server, resource, sha256, rawKey: null, through: resume, complete: false } };
}

/** ingests the bytes in chunks of days, saving the progress after each, and reports */
async function ingestFile(ctx: StageContext, job: FileJob, got: { bytes: Uint8Array; state: FileState }, fetch: Fetch): Promise<FileReport> {
  const { file, options } = job;
  const now = ctx.now().toISOString();
  const set = (s: FileState) => (job.state.files[file.url] = s);
  let s = got.state;
  set(s);
  const summary: MeteoFranceIngestSummary = await ingestMeteoFrance(
    job.receiptContext(),
    { bytes: got.bytes, origin: file.url, demo: options.demo },
    {
      after: s.through,
      stop: job.pastDeadline,
      // the progress is saved after every chunk: a run killed in the middle resumes at the last one
      stored: async (through) => {
        s = { ...s, through };
        set(s);
        await job.save();
      },
    },
  );
  s = { ...s, rawKey: summary.rawKey, through: summary.through, complete: summary.complete, lastRun: now, lastStatus: summary.complete ? 'ingested' : 'partial', lastError: undefined };
  set(s);
  await job.save();
  if (!summary.complete) ctx.logger.warn(`poll-meteofrance: ${file.name}: stopped at the deadline after ${summary.through ?? 'no day'}; resumes next run`);
  return {
    ...emptyReport(file, summary.complete ? 'ingested' : 'partial', s),
    fetched: fetch.fetched,
    ...(fetch.httpStatus !== undefined ? { httpStatus: fetch.httpStatus } : {}),
    records: summary.records,
    curated: summary.curated,
    quarantined: summary.quarantined,
    unreadableResponses: fetch.unreadable,
  };
}

/** GET of a file: a body that is not a complete gzip stream is kept in raw/ and quarantined, then asked again */
function download(ctx: StageContext, job: FileJob, headers: Record<string, string>, unreadable: { count: number }): Promise<HttpResponse> {
  const { file, options } = job;
  return getWithRetry(file.url, {
    policy: { ...options.retry, timeoutMs: options.fileTimeoutMs ?? 300_000 },
    deps: options.http,
    headers: { accept: 'application/gzip, application/octet-stream, */*', 'accept-encoding': 'identity', ...headers },
    accept: [304],
    onRetry: job.onRetry,
    check: async (res) => {
      const integrity = await gzipIntegrity(res.body);
      if (integrity === 'complete') return undefined;
      // served with Content-Encoding: gzip (object metadata), the file arrives decompressed by the HTTP client
      if (integrity === 'not-gzip' && res.headers.get('content-encoding') === 'gzip' && startsWithHeader(res.body)) return undefined;
      unreadable.count++;
      await ingestMeteoFrance(job.receiptContext(), { bytes: res.body, origin: file.url, demo: options.demo });
      return integrity === 'not-gzip' ? 'the body is not gzip (kept in raw/ and quarantined)' : `the gzip stream is ${integrity} (kept in raw/ and quarantined)`;
    },
  });
}

/** the bytes start with a Météo-France daily file's header (NUM_POSTE first, an optional BOM) */
function startsWithHeader(bytes: Uint8Array): boolean {
  return /^"?NUM_POSTE"?;/.test(Buffer.from(bytes.subarray(0, 64)).toString('latin1').replace(/^\xEF\xBB\xBF/, ''));
}
