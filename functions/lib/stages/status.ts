import { DATASETS, isPartitioned } from '../datasets/index.ts';
import { dtOfKey, RAW_PREFIX } from '../lake/layout.ts';
import { readManifest } from '../lake/manifest.ts';
import { listKeys } from '../ports/object-store.ts';
import type { StageContext } from './context.ts';

// The operator's view: per source, what arrived and how much of it was rejected; per dataset, how
// much there is, how fresh it is and which days are missing.

export const STALE_AFTER_HOURS = 24;

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
}

export interface DatasetStatus {
  dataset: string;
  files: number;
  bytes: number;
  rows: number;
  first_dt: string | null;
  last_dt: string | null;
  /** days between first_dt and last_dt with no partition */
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

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export async function lakeStatus(ctx: StageContext): Promise<LakeStatus> {
  const now = ctx.now();
  await ctx.lake.attach(DATASETS);
  const curatedBySource = new Map(
    (await ctx.lake.all('SELECT source_kind, count(*)::INTEGER AS n FROM noise_readings GROUP BY 1')).rows.map((r) => [String(r.source_kind), Number(r.n)]),
  );
  const flaggedBySource = await qcFlagsBySource(ctx);
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
    return {
      source_kind: kind,
      raw_files: files.length,
      last_received: received.at(-1) ?? null,
      records_curated: curated,
      records_quarantined: quarantined,
      quarantine_rate: curated + quarantined ? quarantined / (curated + quarantined) : null,
      records_flagged: (flaggedBySource.get(kind) ?? []).reduce((t, f) => t + f.n, 0),
      flags: (flaggedBySource.get(kind) ?? []).map((f) => `${f.qc} ${f.n}`).join(', '),
    };
  });

  const latestReading = (await ctx.lake.all('SELECT max(ts_to) AS t FROM noise_readings')).rows[0]?.t as Date | null | undefined;
  const datasets: DatasetStatus[] = [];
  for (const d of DATASETS) {
    const files = (await listKeys(ctx.store, `${d.prefix}/`)).filter((o) => o.key.endsWith('.parquet'));
    const rows = Number((await ctx.lake.all(`SELECT count(*) AS n FROM ${d.name}`)).rows[0]!.n);
    const dts = isPartitioned(d) ? [...new Set(files.map((o) => dtOfKey(o.key)).filter((x): x is string => !!x))].sort() : [];
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
      missing_days: dts.length ? daysBetween(dts[0]!, dts.at(-1)!) + 1 - dts.length : 0,
      last_written: lastWritten ? new Date(lastWritten).toISOString() : null,
      freshness_hours: freshness === null ? null : Math.round(freshness * 10) / 10,
      stale: freshness === null || freshness > STALE_AFTER_HOURS,
    });
  }
  const manifest = await readManifest(ctx.store);
  return { generated_at: now.toISOString(), lake: ctx.store.url, demo: Boolean(manifest?.demo), sources, datasets };
}

/** per source kind, the quality-control flags of its curated readings (most frequent first) */
export async function qcFlagsBySource(ctx: StageContext): Promise<Map<string, { qc: string; n: number }[]>> {
  const rows = (await ctx.lake.all("SELECT source_kind, qc, count(*)::INTEGER AS n FROM noise_readings WHERE qc <> 'ok' GROUP BY ALL ORDER BY n DESC, qc")).rows;
  const out = new Map<string, { qc: string; n: number }[]>();
  for (const r of rows) out.set(String(r.source_kind), [...(out.get(String(r.source_kind)) ?? []), { qc: String(r.qc), n: Number(r.n) }]);
  return out;
}
