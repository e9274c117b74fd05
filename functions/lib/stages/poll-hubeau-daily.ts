import { z } from 'zod';
import { RIVER_DAILY_HISTORY_SINCE } from '../datasets/index.ts';
import { plusDays } from '../domain/time/holidays.ts';
import { parisDate } from '../domain/time/paris.ts';
import { getWithRetry, type HttpDeps, type HttpResponse, type RetryPolicy } from '../http/fetch.ts';
import { stateKey } from '../lake/layout.ts';
import { DAILY_GAUGES } from '../models/river/gauges.ts';
import { readSaved } from '../saved-json.ts';
import { completeJson } from './poll-checks.ts';
import type { StageContext } from './context.ts';
import { ingestHubeauDaily } from './ingest-hubeau-daily.ts';
import { MAX_PAGE_SIZE } from './poll-hubeau.ts';

// The Hub'Eau elaborated-series poller (daily): the daily mean flows (QmnJ) of the river model's gauges
// (config/river-gauges.json) over their whole record, then day after day. Hub'Eau pages obs_elab by
// page number (`page`, `size`; HTTP 206 while a `next` page exists) and serves at most 20 000 rows per
// query, so the record is asked in windows of a few years (one row a day and gauge: 3 653 rows per ten
// years), page after page.
//
// State (state/poll-hubeau-daily.json), per gauge:
// - `through`: the last day of the last window completed; the next run asks from there, minus
//   `overlapDays` (producers validate the recent means for weeks: the revised rows replace the old ones);
// - `pending`: the next page of a window not finished, and the window's last day, written after every
//   page stored. A run that fails mid-window (after the retries) keeps it; the next run resumes at that
//   page: no gap, no page fetched twice.

export const OBS_ELAB_PATH = '/api/v2/hydrometrie/obs_elab';
/** Hub'Eau's largest page is also the most rows one query may reach (page × size) */
export const OBS_ELAB_MAX_ROWS = MAX_PAGE_SIZE;
const STATE_KEY = stateKey('poll-hubeau-daily');

export interface PollHubeauDailyOptions {
  readonly baseUrl: string;
  readonly gauges?: readonly string[];
  /** a gauge without state starts here (default: 1900-01-01, the start of the longest records) */
  readonly since?: string;
  /** the last day asked (default: the day before today, Europe/Paris) */
  readonly until?: string;
  readonly windowYears?: number;
  readonly pageSize?: number;
  readonly overlapDays?: number;
  /** pages per gauge and run: the rest resumes next run */
  readonly maxPages?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly http?: HttpDeps;
  readonly demo?: boolean;
}

const gaugeState = z.object({
  through: z.string().nullable(),
  pending: z.object({ next: z.string(), windowEnd: z.string() }).nullable(),
  lastRun: z.string().optional(),
  lastStatus: z.enum(['ok', 'failed', 'partial']).optional(),
  lastError: z.string().optional(),
});
const stateSchema = z.object({ version: z.literal(1), gauges: z.record(z.string(), gaugeState) });
export type PollHubeauDailyState = z.infer<typeof stateSchema>;
type GaugeState = z.infer<typeof gaugeState>;

export interface GaugeReport {
  readonly gauge: string;
  readonly status: 'ok' | 'failed' | 'partial';
  readonly resumedFrom: 'start' | 'through' | 'page';
  readonly pages: number;
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  readonly through: string | null;
  readonly error?: string;
}

export interface PollHubeauDailySummary {
  readonly gauges: GaugeReport[];
  readonly pages: number;
  readonly records: number;
  readonly curated: number;
  readonly quarantined: number;
  readonly retries: number;
  readonly failed: number;
}

export function obsElabUrl(baseUrl: string, entity: string, from: string, to: string, size: number): string {
  const u = new URL(baseUrl.replace(/\/+$/, '') + OBS_ELAB_PATH);
  u.searchParams.set('code_entite', entity);
  u.searchParams.set('grandeur_hydro_elab', 'QmnJ');
  u.searchParams.set('date_debut_obs_elab', from);
  u.searchParams.set('date_fin_obs_elab', to);
  u.searchParams.set('size', String(size));
  return u.toString();
}

export async function readDailyPollState(ctx: Pick<StageContext, 'store'>): Promise<PollHubeauDailyState> {
  const saved = await readSaved(ctx.store, STATE_KEY, stateSchema, 'delete it to fetch the records again from the start');
  return saved ?? { version: 1, gauges: {} };
}

export async function pollHubeauDaily(ctx: StageContext, options: PollHubeauDailyOptions): Promise<PollHubeauDailySummary> {
  const windowDays = Math.round((options.windowYears ?? 10) * 365.25);
  const pageSize = Math.min(options.pageSize ?? 5000, OBS_ELAB_MAX_ROWS);
  if (windowDays > OBS_ELAB_MAX_ROWS) throw new Error(`a window of ${windowDays} days exceeds the ${OBS_ELAB_MAX_ROWS} rows Hub'Eau serves per query; use windowYears ≤ 54`);
  const until = options.until ?? plusDays(parisDate(ctx.now()), -1);
  const state = await readDailyPollState(ctx);
  const save = () => ctx.store.put(STATE_KEY, JSON.stringify(state, null, 1), { contentType: 'application/json' });
  let retries = 0;
  const onRetry = (e: { url: string; attempt: number; delayMs: number; reason: string }) => {
    retries++;
    ctx.logger.warn(`poll-hubeau-daily: ${e.reason}; attempt ${e.attempt + 1} in ${e.delayMs} ms`, { url: e.url });
  };
  const fetchPage = (url: string) =>
    getWithRetry(url, {
      policy: options.retry,
      deps: options.http,
      onRetry,
      check: completeJson((res) => ingestHubeauDaily(ctx, { bytes: res.body, origin: url, demo: options.demo })),
    });

  const run: DailyRun = { ctx, options, state, windowDays, pageSize, until, save, fetchPage };
  const reports: GaugeReport[] = [];
  for (const gauge of options.gauges ?? DAILY_GAUGES) reports.push(await pollGauge(run, gauge));
  await save();
  const sum = (k: 'pages' | 'records' | 'curated' | 'quarantined') => reports.reduce((t, r) => t + r[k], 0);
  const summary = { gauges: reports, pages: sum('pages'), records: sum('records'), curated: sum('curated'), quarantined: sum('quarantined'), retries, failed: reports.filter((r) => r.status === 'failed').length };
  ctx.logger.info(
    `poll-hubeau-daily: ${reports.length} gauges, ${summary.pages} pages, ${summary.records} daily means → ${summary.curated} curated + ${summary.quarantined} quarantined` +
      (summary.failed ? `; ${summary.failed} gauge(s) failed (they resume next run)` : ''),
  );
  return summary;
}

/** what one run of the poller shares across its gauges */
interface DailyRun {
  readonly ctx: StageContext;
  readonly options: PollHubeauDailyOptions;
  readonly state: PollHubeauDailyState;
  readonly windowDays: number;
  readonly pageSize: number;
  readonly until: string;
  readonly save: () => Promise<unknown>;
  readonly fetchPage: (url: string) => Promise<HttpResponse>;
}

/** the run's page budget is spent: the gauge resumes from its saved page next run */
class PageBudgetSpent extends Error {}

/** one gauge: its windows fetched from where it stopped, its state saved after every page, a failure kept to the gauge */
async function pollGauge(run: DailyRun, gauge: string): Promise<GaugeReport> {
  const { ctx, state } = run;
  const before: GaugeState = state.gauges[gauge] ?? { through: null, pending: null };
  const resumedFrom: GaugeReport['resumedFrom'] = before.pending ? 'page' : before.through ? 'through' : 'start';
  const totals = { pages: 0, records: 0, curated: 0, quarantined: 0 };
  let status: GaugeReport['status'] = 'ok';
  let error: string | undefined;
  try {
    await fetchGaugeWindows(run, gauge, totals);
  } catch (e) {
    error = (e as Error).message;
    status = e instanceof PageBudgetSpent ? 'partial' : 'failed';
    ctx.logger[status === 'partial' ? 'warn' : 'error'](`poll-hubeau-daily: ${gauge}: ${error}`);
  }
  const s = state.gauges[gauge] ?? before;
  state.gauges[gauge] = { ...s, lastRun: ctx.now().toISOString(), lastStatus: status, ...(error ? { lastError: error.slice(0, 500) } : { lastError: undefined }) };
  return { gauge, status, resumedFrom, ...totals, through: s.through, ...(error ? { error } : {}) };
}

/** the gauge's windows from its last day (less the overlap) to `until`, page after page */
async function fetchGaugeWindows(run: DailyRun, gauge: string, totals: { pages: number; records: number; curated: number; quarantined: number }): Promise<void> {
  const { ctx, options, state } = run;
  let s: GaugeState = state.gauges[gauge] ?? { through: null, pending: null };
  const set = (next: GaugeState) => (state.gauges[gauge] = s = next);
  let start = s.through ? plusDays(s.through, 1 - (options.overlapDays ?? 60)) : (options.since ?? RIVER_DAILY_HISTORY_SINCE);
  while (s.pending || start <= run.until) {
    const windowEnd = s.pending?.windowEnd ?? minDay(plusDays(start, run.windowDays - 1), run.until);
    let url: string | null = s.pending?.next ?? obsElabUrl(options.baseUrl, gauge, start, windowEnd, run.pageSize);
    while (url) {
      if (totals.pages >= (options.maxPages ?? 200)) throw new PageBudgetSpent(`more than ${options.maxPages ?? 200} pages in one run; the rest resumes next run`);
      const res = await run.fetchPage(url);
      const page = await ingestHubeauDaily(ctx, { bytes: res.body, origin: url, demo: options.demo, contentType: res.headers.get('content-type') ?? undefined });
      totals.pages++;
      totals.records += page.records;
      totals.curated += page.curated;
      totals.quarantined += page.quarantined;
      if (page.unreadable) throw new Error(`an obs_elab page could not be read: ${page.unreadable}`);
      url = page.next;
      set({ ...s, pending: url ? { next: url, windowEnd } : null });
      await run.save();
    }
    set({ ...s, through: windowEnd, pending: null });
    await run.save();
    start = plusDays(windowEnd, 1);
  }
}

const minDay = (a: string, b: string) => (a < b ? a : b);
