import { DATASETS, quarantine } from '../datasets/index.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';
import { ingestClimateFile } from './ingest-climate.ts';
import { ingestNoise, type FiwareOptions, type NoiseCsvOptions } from './ingest-noise.ts';
import { isClimateSourceKind, isNoiseSourceKind } from './source-kinds.ts';
import { refreshSensors } from './sensors.ts';

// Operations on the quarantine: what was rejected and why, and replaying the rejected files through
// the current parsers and validators after a fix or a configuration change.

export interface QuarantineGroup {
  source_kind: string;
  field: string | null;
  reason: string;
  records: number;
  files: number;
  first_received: Date;
  last_received: Date;
}

export async function quarantineGroups(ctx: StageContext, options: { since?: string } = {}): Promise<QuarantineGroup[]> {
  await ctx.lake.attach(DATASETS);
  const where = options.since ? `WHERE received_at >= ${sqlString(options.since)}::TIMESTAMPTZ` : '';
  const r = await ctx.lake.all(`
    SELECT source_kind, field, reason, count(*)::INTEGER AS records, count(DISTINCT raw_key)::INTEGER AS files,
      min(received_at) AS first_received, max(received_at) AS last_received
    FROM ${quarantine.name} ${where}
    GROUP BY ALL ORDER BY records DESC, source_kind, field, reason`);
  return r.rows as unknown as QuarantineGroup[];
}

export interface ReplaySummary {
  files: number;
  /** records in quarantine before and after the replay */
  before: number;
  after: number;
  /** records that left the quarantine and are now curated */
  released: number;
  skipped: { rawKey: string; reason: string }[];
}

export async function replayQuarantine(ctx: StageContext, options: { sourceKind?: string } = {}): Promise<ReplaySummary> {
  await ctx.lake.attach(DATASETS);
  const filter = options.sourceKind ? `WHERE source_kind = ${sqlString(options.sourceKind)}` : '';
  const files = (
    await ctx.lake.all(`SELECT raw_key, any_value(source_kind) AS source_kind, count(*)::INTEGER AS n FROM ${quarantine.name} ${filter} GROUP BY raw_key ORDER BY raw_key`)
  ).rows as { raw_key: string; source_kind: string; n: number }[];
  const summary: ReplaySummary = { files: files.length, before: 0, after: 0, released: 0, skipped: [] };
  for (const f of files) {
    summary.before += f.n;
    const kind = f.source_kind;
    const head = await ctx.store.head(f.raw_key);
    if (!head || !(isNoiseSourceKind(kind) || isClimateSourceKind(kind))) {
      summary.skipped.push({ rawKey: f.raw_key, reason: head ? `no replay for source kind ${kind}` : 'raw file missing' });
      summary.after += f.n;
      continue;
    }
    const bytes = await ctx.store.get(f.raw_key);
    const origin = decodeURIComponent(head.metadata?.origin ?? f.raw_key);
    const parseOptions = head.metadata?.['parse-options'];
    // the same ingest that first read the file, from its raw bytes: outputs are named after the raw file
    const result = isNoiseSourceKind(kind)
      ? await ingestNoise(ctx, {
          sourceKind: kind,
          bytes,
          origin,
          contentType: head.contentType,
          // the options the file was first read with (a CSV's sensor and zone, a FIWARE batch's zone and interval)
          ...(parseOptions ? (kind === 'noise-csv' ? { csv: JSON.parse(parseOptions) as NoiseCsvOptions } : { fiware: JSON.parse(parseOptions) as FiwareOptions }) : {}),
        })
      : await ingestClimateFile(ctx, kind, { bytes, origin });
    summary.after += result.quarantined + (result.unreadable ? 1 : 0);
  }
  summary.released = summary.before - summary.after;
  if (summary.released > 0) await refreshSensors(ctx);
  return summary;
}
