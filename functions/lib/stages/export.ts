import { stat } from 'node:fs/promises';
import { DATASETS, dataset as declaredDataset, daySql, isPartitioned, type DatasetDeclaration } from '../datasets/index.ts';
import { isCalendarDate } from '../domain/time/calendar.ts';
import { sqlString } from '../sql/literals.ts';
import type { StageContext } from './context.ts';

// Extracts for offline work: one dataset, optionally one commune and a range of local dates, written
// as Parquet or CSV by DuckDB from the dataset's view — the rows `observatory query` would show.

export const EXPORT_FORMATS = ['parquet', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  readonly dataset: string;
  /** INSEE code: rows of this commune only (datasets with a commune_insee column) */
  readonly commune?: string;
  /** inclusive range of the `dt` partition (Europe/Paris local dates), partitioned datasets only */
  readonly from?: string;
  readonly to?: string;
  readonly format: ExportFormat;
}

export interface ExportPlan {
  readonly dataset: DatasetDeclaration;
  readonly request: ExportRequest;
  /** SQL conditions on the view */
  readonly where: readonly string[];
  /** the file name an extract gets when none is given: dataset + filters + extension */
  readonly defaultFile: string;
}

export interface ExportSummary {
  readonly dataset: string;
  readonly file: string;
  readonly format: ExportFormat;
  readonly rows: number;
  readonly bytes: number;
  /** dt partitions read; undefined when the whole dataset was read */
  readonly partitions?: number;
  readonly filters: string;
}

/** a request that cannot be served: the message says which option and what would work */
export class ExportRequestError extends Error {}

const INSEE = /^\d[0-9AB]\d{3}$/;

export function planExport(request: ExportRequest): ExportPlan {
  let d: DatasetDeclaration;
  try {
    d = declaredDataset(request.dataset);
  } catch (e) {
    throw new ExportRequestError((e as Error).message);
  }
  if (!(EXPORT_FORMATS as readonly string[]).includes(request.format)) {
    throw new ExportRequestError(`unknown format "${request.format}"; expected one of ${EXPORT_FORMATS.join(', ')}`);
  }
  const where: string[] = [];
  if (request.commune !== undefined) {
    if (!d.columns.some((c) => c.name === 'commune_insee')) {
      const withCommune = DATASETS.filter((x) => x.columns.some((c) => c.name === 'commune_insee')).map((x) => x.name);
      throw new ExportRequestError(`--commune: dataset ${d.name} has no commune_insee column; datasets with one: ${withCommune.join(', ')}`);
    }
    if (!INSEE.test(request.commune)) throw new ExportRequestError(`--commune: "${request.commune}" is not an INSEE commune code (5 characters, e.g. 75056)`);
    where.push(`commune_insee = ${sqlString(request.commune)}`);
  }
  for (const [option, value] of [['--from', request.from], ['--to', request.to]] as const) {
    if (value === undefined) continue;
    if (!isPartitioned(d)) {
      const partitioned = DATASETS.filter(isPartitioned).map((x) => x.name);
      throw new ExportRequestError(`${option}: dataset ${d.name} is not partitioned by date; --from/--to apply to ${partitioned.join(', ')}`);
    }
    if (!isCalendarDate(value)) throw new ExportRequestError(`${option}: "${value}" is not a calendar date YYYY-MM-DD`);
  }
  if (request.from && request.to && request.from > request.to) throw new ExportRequestError(`--from ${request.from} is after --to ${request.to}`);
  // by the record's Paris day (the dt of a daily dataset; a coarser dataset's dt holds a month or a year)
  if (request.from) where.push(`${daySql(d)} >= DATE ${sqlString(request.from)}`);
  if (request.to) where.push(`${daySql(d)} <= DATE ${sqlString(request.to)}`);
  const range = request.from && request.to ? `${request.from}_${request.to}` : request.from ? `from-${request.from}` : request.to ? `to-${request.to}` : '';
  const defaultFile = [d.name, request.commune, range].filter(Boolean).join('_') + `.${request.format}`;
  return { dataset: d, request, where, defaultFile };
}

export function describeFilters(request: ExportRequest): string {
  const parts = [request.commune && `commune ${request.commune}`, (request.from || request.to) && `days ${request.from ?? '…'} → ${request.to ?? '…'}`];
  return parts.filter(Boolean).join(', ') || 'no filter';
}

/** writes the extract to `file` (a local path); only the partitions in range are read */
export async function exportDataset(ctx: StageContext, request: ExportRequest, file: string): Promise<ExportSummary> {
  const plan = planExport(request);
  const d = plan.dataset;
  const ranged = request.from !== undefined || request.to !== undefined;
  const window = ranged ? { kind: 'dates' as const, from: request.from ?? '0000-01-01', to: request.to ?? '9999-12-31' } : undefined;
  const attached = await ctx.lake.attach([d], window);
  const where = plan.where.length ? ` WHERE ${plan.where.join(' AND ')}` : '';
  const order = d.key?.length ? ` ORDER BY ${d.key.join(', ')}` : '';
  const rows = await ctx.lake.exportToFile(`SELECT * FROM ${d.name}${where}${order}`, file, request.format);
  return { dataset: d.name, file, format: request.format, rows, bytes: (await stat(file)).size, partitions: ranged ? attached.partitions : undefined, filters: describeFilters(request) };
}

/**
 * What a dataset holds, for a result that came back empty: its days (first to last, by the record's
 * Paris day) and its communes, where it has them — so that a filter outside them is seen as such.
 */
export async function describeHoldings(ctx: StageContext, d: DatasetDeclaration): Promise<string> {
  await ctx.lake.attach([d]);
  const hasCommune = d.columns.some((c) => c.name === 'commune_insee');
  const parts = [
    'count(*) AS n',
    ...(isPartitioned(d) ? [`min(${daySql(d)}) AS first, max(${daySql(d)}) AS last`] : []),
    ...(hasCommune ? ['count(DISTINCT commune_insee) AS communes, min(commune_insee) AS lowest, max(commune_insee) AS highest'] : []),
  ];
  const row = (await ctx.lake.all(`SELECT ${parts.join(', ')} FROM ${d.name}`)).rows[0]!;
  if (Number(row.n) === 0) return `${d.name} holds no row`;
  const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));
  const days = isPartitioned(d) ? ` over days ${day(row.first)} to ${day(row.last)}` : '';
  const communes = hasCommune ? ` in ${String(row.communes)} commune(s), ${String(row.lowest)} to ${String(row.highest)}` : '';
  return `${d.name} holds ${String(row.n)} rows${days}${communes}`;
}
