import { DAILY_MEAN_FLOW, partitionOf, riverDaily, type RiverDailyRow } from '../datasets/index.ts';
import { problem, seriesCodes, strOrNull, type RowProblem } from '../domain/flood/hubeau.ts';
import { rejection, UnreadableInputError, type RecordRejection } from '../domain/flood/records.ts';
import { isObject } from '../domain/json.ts';
import type { StageContext } from './context.ts';
import { curate } from './curate.ts';
import { storeClimateRaw } from './climate-raw.ts';
import type { IngestSummary } from './ingest-noise.ts';

// Hub'Eau hydrométrie `obs_elab` pages (the elaborated daily and monthly series, over the stations'
// whole record) in, curated `river_daily` rows and quarantined records out. The envelope is the one of
// every Hub'Eau endpoint ({count, first, prev, next, api_version, data}); the rows carry code_site,
// code_station, date_obs_elab (a day), grandeur_hydro_elab, resultat_obs_elab (l/s for a flow),
// code_statut, code_qualification, code_methode and their labels (hubeau.eaufrance.fr/page/api-hydrometrie).
// Monthly means (QmM) and maximum heights (HIXnJ, HIXM) are not daily mean flows: rejected, named.

export const HUBEAU_DAILY_SOURCE_KIND = 'hubeau-daily';

export interface ObsElabPage {
  readonly next: string | null;
  readonly count: number | null;
  readonly rows: { readonly record: number; readonly recordText: string; readonly row: Omit<RiverDailyRow, 'raw_key' | 'received_at'> }[];
  readonly rejections: RecordRejection[];
}

const intOrNull = (v: unknown): number | null | undefined => (v === null || v === undefined ? null : typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
const DAY = /^(\d{4}-\d{2}-\d{2})(T00:00:00(\.0+)?Z?)?$/;

/** parses an obs_elab page; throws UnreadableInputError when it is not one */
export function parseObsElab(text: string): ObsElabPage {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'a Hub’Eau JSON response', `${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '…' : ''} (${text.length} characters)`);
  }
  if (!isObject(doc) || !Array.isArray(doc.data)) {
    const said = isObject(doc) && typeof doc.message === 'string' ? ` (the API said: ${doc.message})` : '';
    throw new UnreadableInputError(`not a Hub’Eau envelope: no data array${said}`, 'an object {count, first, prev, next, api_version, data: […]}', isObject(doc) ? `keys ${Object.keys(doc).join(', ')}` : typeof doc);
  }
  const rows: ObsElabPage['rows'][number][] = [];
  const rejections: RecordRejection[] = [];
  doc.data.forEach((row: unknown, i: number) => {
    const text = JSON.stringify(row) ?? 'undefined';
    const parsed = parseObsElabRow(row, i);
    if ('problem' in parsed) rejections.push(rejection(i, ...parsed.problem, text));
    else rows.push({ record: i, recordText: text, row: parsed });
  });
  const url = (v: unknown) => (typeof v === 'string' && v ? v : null);
  return { next: url(doc.next), count: typeof doc.count === 'number' ? doc.count : null, rows, rejections };
}

/** one daily mean: its series, day and value (l/s → m³/s, once, here) and codes */
function parseObsElabRow(row: unknown, i: number): ObsElabPage['rows'][number]['row'] | RowProblem {
  if (!isObject(row)) return problem('data', 'an obs_elab object', row, 'row is not an object');
  const series = seriesCodes(row, 'null');
  if ('problem' in series) return series;
  const quantity = row.grandeur_hydro_elab;
  if (!DAILY_MEAN_FLOW.includes(quantity as (typeof DAILY_MEAN_FLOW)[number])) {
    return problem('grandeur_hydro_elab', 'QmnJ (or QmJ in API v1): the daily mean flow', quantity, 'not a daily mean flow (ask grandeur_hydro_elab=QmnJ)');
  }
  const day = typeof row.date_obs_elab === 'string' ? DAY.exec(row.date_obs_elab)?.[1] : undefined;
  if (!day || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
    return problem('date_obs_elab', 'a calendar day YYYY-MM-DD', row.date_obs_elab, 'date_obs_elab missing or not a real day');
  }
  const value = row.resultat_obs_elab;
  if (typeof value !== 'number' || !Number.isFinite(value)) return problem('resultat_obs_elab', 'a number (l/s)', value, 'resultat_obs_elab missing or not a number');
  const status = intOrNull(row.code_statut);
  const qualification = intOrNull(row.code_qualification);
  const method = intOrNull(row.code_methode);
  const bad = status === undefined ? 'code_statut' : qualification === undefined ? 'code_qualification' : method === undefined ? 'code_methode' : undefined;
  if (bad) return problem(bad, 'an integer code or null', row[bad], `${bad} not an integer`);
  return {
    site_code: series.site,
    station_code: series.station,
    day,
    quantity: quantity as string,
    value: value / 1000,
    status: status ?? null,
    status_label: strOrNull(row.libelle_statut),
    qualification: qualification ?? null,
    qualification_label: strOrNull(row.libelle_qualification),
    method: method ?? null,
    record: i,
    dt: partitionOf(riverDaily, day),
  };
}

export interface HubeauDailyIngestSummary extends IngestSummary {
  readonly next: string | null;
  readonly count: number | null;
  /** the latest day curated from the page (null when none) */
  readonly lastDay: string | null;
}

export async function ingestHubeauDaily(ctx: StageContext, input: { bytes: Uint8Array; origin: string; contentType?: string; demo?: boolean }): Promise<HubeauDailyIngestSummary> {
  const raw = await storeClimateRaw(ctx, HUBEAU_DAILY_SOURCE_KIND, input);
  let page: ObsElabPage;
  try {
    page = parseObsElab(Buffer.from(input.bytes).toString('utf8'));
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    const s = await curate<RiverDailyRow>(ctx, { dataset: riverDaily, sourceKind: HUBEAU_DAILY_SOURCE_KIND, raw, origin: input.origin, candidates: [], rejections: [], unreadable: { message: e.message, expected: e.expected, found: e.found } });
    const { rows: _rows, ...summary } = s;
    return { ...summary, next: null, count: null, lastDay: null };
  }
  const s = await curate<RiverDailyRow>(ctx, {
    dataset: riverDaily,
    sourceKind: HUBEAU_DAILY_SOURCE_KIND,
    raw,
    origin: input.origin,
    candidates: page.rows.map((c) => ({ record: c.record, recordText: c.recordText, row: { ...c.row, raw_key: raw.key, received_at: raw.receivedAt } })),
    rejections: page.rejections,
  });
  const { rows, ...summary } = s;
  const lastDay = rows.reduce<string | null>((m, r) => (m === null || r.day > m ? r.day : m), null);
  return { ...summary, next: page.next, count: page.count, lastDay };
}
