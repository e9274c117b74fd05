import { DATASETS, isPartitioned, quarantine } from '../datasets/index.ts';
import { granularityOf, type Granularity } from '../datasets/declaration.ts';
import { STAGES } from './registry.ts';
import { dtOfKey, RAW_PREFIX } from '../lake/layout.ts';
import { readManifest } from '../lake/manifest.ts';
import { listKeys } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';

// The operator's view: per source, what arrived and how much of it was rejected; per dataset, how
// much there is, how fresh it is and which days are missing.

export const STALE_AFTER_HOURS = 24;
const READINGS = 'status_noise_readings';
/** a gap longer than this many partitions before the latest ones ends the span a dataset is expected to cover (a stray old file is not a gap) */
export const SPAN_BREAK_DAYS = 31;
/** hours between two expected receipts of a pushed or polled source (a poller's comes from its stage's cadence); none for files given by hand */
const CADENCE_HOURS: Record<string, number> = { 'quarter-hourly': 0.25, hourly: 1, daily: 24, weekly: 168 };
const PUSHED_SOURCE_HOURS: Record<string, number> = { 'noise-fiware': 1 };

export interface SourceStatus {
  source_kind: string;
  raw_files: number;
  last_received: string | null;
  records_curated: number;
  records_quarantined: number;
  quarantine_rate: number | null;
  /** curated readings the quality control flags (kept in the lake, left out of indicators) */
  records_flagged: number;
  /** the flags, most frequent first, e.g. "stuck 144, spike 10" ('' when none) */
  flags: string;
  /** hours between two expected receipts (the poller's cadence, or a pushed source's), null for files given by hand */
  expected_every_hours: number | null;
  /** hours since the last receipt */
  freshness_hours: number | null;
  /** no receipt within twice the expected interval (false when none is expected) */
  stale: boolean;
}

export interface DatasetStatus {
  dataset: string;
  files: number;
  bytes: number;
  rows: number;
  first_dt: string | null;
  last_dt: string | null;
  /** first partition of the span the dataset is expected to cover: after the last gap of more than SPAN_BREAK_DAYS days */
  span_from: string | null;
  /** partitions (days, months or years: the dataset's granularity) missing between span_from and last_dt */
  missing_days: number;
  last_written: string | null;
  /** hours since the latest data (readings: latest ts_to; others: latest file written) */
  freshness_hours: number | null;
  stale: boolean;
}

export interface LakeStatus {
  generated_at: string;
  lake: string;
  demo: boolean;
  sources: SourceStatus[];
  datasets: DatasetStatus[];
}

/** the partition after `dt` (a day, a month or a year) */
function nextPartition(dt: string, g: Granularity): string {
  if (g === 'year') return String(Number(dt) + 1);
  if (g === 'month') {
    const [y, m] = dt.split('-').map(Number) as [number, number];
    return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  }
  return new Date(Date.parse(`${dt}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The span the partitions are expected to cover, counted back from the latest: it stops at a gap of
 * more than SPAN_BREAK_DAYS days (an old test file months before the series is not 200 missing days),
 * and the partitions missing inside it
 */
export function expectedSpan(dts: readonly string[], g: Granularity): { from: string | null; missing: number } {
  if (!dts.length) return { from: null, missing: 0 };
  const breakAfter = g === 'day' ? SPAN_BREAK_DAYS : g === 'month' ? 2 : 1;
  let from = dts.length - 1;
  let missing = 0;
  for (let i = dts.length - 1; i > 0; i--) {
    let gap = 0;
    for (let p = nextPartition(dts[i - 1]!, g); p < dts[i]! && gap <= breakAfter; p = nextPartition(p, g)) gap++;
    if (gap > breakAfter) break;
    missing += gap;
    from = i - 1;
  }
  return { from: dts[from]!, missing };
}

/** hours between two expected receipts of a source kind: its poller's cadence, a pushed source's, or null */
function expectedEveryHours(kind: string): number | null {
  const poller = STAGES.find((s) => s.source === kind);
  if (poller) return Math.min(...poller.cadences.map((c) => CADENCE_HOURS[c] ?? Number.POSITIVE_INFINITY));
  return PUSHED_SOURCE_HOURS[kind] ?? null;
}

/** records curated per source kind, over every dataset curated from raw files (the kind is in raw_key: raw/<kind>/…) */
async function curatedByKind(ctx: StageContext, relation: (name: string) => string): Promise<Map<string, number>> {
  const fromRaw = DATASETS.filter((d) => d !== quarantine && d.columns.some((c) => c.name === 'raw_key'));
  const union = fromRaw.map((d) => `SELECT split_part(raw_key, '/', 2) AS kind, count(*)::BIGINT AS n FROM ${relation(d.name)} GROUP BY 1`).join(' UNION ALL ');
  const rows = (await ctx.lake.all(`SELECT kind, sum(n)::BIGINT AS n FROM (${union}) GROUP BY 1`)).rows;
  return new Map(rows.map((r) => [String(r.kind), Number(r.n)]));
}

export async function lakeStatus(ctx: StageContext): Promise<LakeStatus> {
  const now = ctx.now();
  await ctx.lake.attach(DATASETS);
  // the readings' quality control is computed once: the view's windows are the costly part
  await ctx.lake.run(`CREATE OR REPLACE TEMP TABLE ${READINGS} AS SELECT source_kind, raw_key, qc, ts_to FROM noise_readings`);
  const relation = (name: string) => (name === 'noise_readings' ? READINGS : name);
  const curatedBySource = await curatedByKind(ctx, relation);
  const flaggedBySource = await qcFlagsBySource(ctx, READINGS);
  const quarantinedBySource = new Map(
    (await ctx.lake.all("SELECT source_kind, count(*)::INTEGER AS n FROM quarantine WHERE record <> 'file' GROUP BY 1")).rows.map((r) => [String(r.source_kind), Number(r.n)]),
  );
  const raws = await listKeys(ctx.store, `${RAW_PREFIX}/`);
  const kinds = [...new Set([...raws.map((o) => o.key.split('/')[1]!), ...curatedBySource.keys(), ...quarantinedBySource.keys()])].sort();
  const sources = kinds.map((kind): SourceStatus => {
    const files = raws.filter((o) => o.key.split('/')[1] === kind);
    const received = files.map((o) => o.metadata?.['received-at'] ?? o.lastModified.toISOString()).sort();
    const curated = curatedBySource.get(kind) ?? 0;
    const quarantined = quarantinedBySource.get(kind) ?? 0;
    const every = expectedEveryHours(kind);
    const last = received.at(-1);
    const freshness = last ? Math.round(((now.getTime() - Date.parse(last)) / 3_600_000) * 10) / 10 : null;
    return {
      source_kind: kind,
      raw_files: files.length,
      last_received: received.at(-1) ?? null,
      records_curated: curated,
      records_quarantined: quarantined,
      quarantine_rate: curated + quarantined ? quarantined / (curated + quarantined) : null,
      records_flagged: (flaggedBySource.get(kind) ?? []).reduce((t, f) => t + f.n, 0),
      flags: (flaggedBySource.get(kind) ?? []).map((f) => `${f.qc} ${f.n}`).join(', '),
      expected_every_hours: every,
      freshness_hours: freshness,
      stale: every !== null && (freshness === null || freshness > 2 * every),
    };
  });

  const latestReading = (await ctx.lake.all(`SELECT max(ts_to) AS t FROM ${READINGS}`)).rows[0]?.t as Date | null | undefined;
  const datasets: DatasetStatus[] = [];
  for (const d of DATASETS) {
    const files = (await listKeys(ctx.store, `${d.prefix}/`)).filter((o) => o.key.endsWith('.parquet'));
    const rows = Number((await ctx.lake.all(`SELECT count(*) AS n FROM ${relation(d.name)}`)).rows[0]!.n);
    const dts = isPartitioned(d) ? [...new Set(files.map((o) => dtOfKey(o.key)).filter((x): x is string => !!x))].sort() : [];
    const span = expectedSpan(dts, granularityOf(d));
    const lastWritten = files.map((o) => o.lastModified.getTime()).sort((a, b) => a - b).at(-1);
    const latest = d.name === 'noise_readings' ? latestReading?.getTime() : lastWritten;
    const freshness = latest ? (now.getTime() - latest) / 3_600_000 : null;
    datasets.push({
      dataset: d.name,
      files: files.length,
      bytes: files.reduce((t, o) => t + o.size, 0),
      rows,
      first_dt: dts[0] ?? null,
      last_dt: dts.at(-1) ?? null,
      span_from: span.from,
      missing_days: span.missing,
      last_written: lastWritten ? new Date(lastWritten).toISOString() : null,
      freshness_hours: freshness === null ? null : Math.round(freshness * 10) / 10,
      stale: freshness === null || freshness > STALE_AFTER_HOURS,
    });
  }
  await ctx.lake.run(`DROP TABLE IF EXISTS ${READINGS}`);
  const manifest = await readManifest(ctx.store);
  return { generated_at: now.toISOString(), lake: ctx.store.url, demo: Boolean(manifest?.demo), sources, datasets };
}

/** per source kind, the quality-control flags of its curated readings (most frequent first) */
export async function qcFlagsBySource(ctx: StageContext, readings = 'noise_readings'): Promise<Map<string, { qc: string; n: number }[]>> {
  const rows = (await ctx.lake.all(`SELECT source_kind, qc, count(*)::INTEGER AS n FROM ${readings} WHERE qc <> 'ok' GROUP BY ALL ORDER BY n DESC, qc`)).rows;
  const out = new Map<string, { qc: string; n: number }[]>();
  for (const r of rows) out.set(String(r.source_kind), [...(out.get(String(r.source_kind)) ?? []), { qc: String(r.qc), n: Number(r.n) }]);
  return out;
}
