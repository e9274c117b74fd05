import { partitionOf, weatherForecasts, type WeatherForecastRow } from '../datasets/index.ts';
import { rejection, UnreadableInputError, type RecordRejection } from '../domain/flood/records.ts';
import { isObject } from '../domain/json.ts';
import { plusDays } from '../domain/time/holidays.ts';
import { parisDate } from '../domain/time/paris.ts';
import type { StageContext } from './context.ts';
import { curate } from './curate.ts';
import { storeClimateRaw } from './climate-raw.ts';
import type { IngestSummary } from './ingest-noise.ts';

// Météo-France point forecasts in, `weather_forecasts` rows out. The response is the one of Météo-France's
// forecast web service (the `forecast?lat=&lon=` operation its apps use; the fields as the maintained
// client hacf-fr/meteofrance-api models them): {position: {lat, lon, name, …}, updated_on: <unix s>,
// daily_forecast: [{dt: <unix s, the local day's midnight>, T: {min, max, sea}, humidity, precipitation,
// …}], forecast: […hourly], probability_forecast: […]}. One response is one point: the poller asks for
// each reference station's position and names the station in the request (`station` in the origin),
// and the demo feed does the same against the local fake. `source` says whether the forecast is the
// service's or derived from observations with the documented error model (demo-climate/forecasts.ts).

export const METEOFRANCE_FORECAST_SOURCE_KIND = 'meteofrance-forecast';

const tempOrNull = (v: unknown): number | null | undefined => (v === null || v === undefined ? null : typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export interface ForecastResponse {
  readonly issuedAt: Date;
  readonly rows: { record: number; recordText: string; row: Omit<WeatherForecastRow, 'raw_key' | 'received_at' | 'station_id' | 'source'> }[];
  readonly rejections: RecordRejection[];
}

export function parseForecastResponse(text: string): ForecastResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'a Météo-France forecast JSON response', `${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '…' : ''}`);
  }
  if (!isObject(doc) || !Array.isArray(doc.daily_forecast)) {
    throw new UnreadableInputError('not a Météo-France forecast: no daily_forecast array', 'an object {position, updated_on, daily_forecast: […]}', isObject(doc) ? `keys ${Object.keys(doc).join(', ')}` : typeof doc);
  }
  if (typeof doc.updated_on !== 'number' || !Number.isFinite(doc.updated_on)) {
    throw new UnreadableInputError('updated_on missing: the issue time of the forecast is unknown', 'updated_on: a Unix time in seconds', JSON.stringify(doc.updated_on));
  }
  const issuedAt = new Date(doc.updated_on * 1000);
  const issueDay = parisDate(issuedAt);
  const rows: ForecastResponse['rows'] = [];
  const rejections: RecordRejection[] = [];
  doc.daily_forecast.forEach((d: unknown, i: number) => {
    const text = JSON.stringify(d) ?? String(d);
    const reject = (field: string, expected: string, found: unknown, reason: string) => rejections.push(rejection(i, field, expected, found, reason, text));
    if (!isObject(d)) return reject('daily_forecast', 'a day object', d, 'not an object');
    if (typeof d.dt !== 'number' || !Number.isFinite(d.dt)) return reject('dt', 'a Unix time in seconds (the day’s local midnight)', d.dt, 'dt missing or not a number');
    // dt is the local midnight: its Paris day is the day forecast
    const target = parisDate(new Date(d.dt * 1000));
    let lead = 0;
    while (lead <= 16 && plusDays(issueDay, lead) !== target) lead++;
    if (lead > 15) return reject('dt', `a day from the issue day ${issueDay} to 15 days after`, target, 'the day is before the issue or too far after it');
    const t = isObject(d.T) ? d.T : undefined;
    if (!t) return reject('T', 'an object {min, max}', d.T, 'T missing');
    const tn = tempOrNull(t.min);
    const tx = tempOrNull(t.max);
    if (tn === undefined) return reject('T.min', 'a temperature in °C or null', t.min, 'T.min not a number');
    if (tx === undefined) return reject('T.max', 'a temperature in °C or null', t.max, 'T.max not a number');
    if (tn === null && tx === null) return reject('T', 'T.min or T.max', 'neither', 'no temperature forecast for the day');
    rows.push({ record: i, recordText: text, row: { issued_at: issuedAt, target_day: target, lead_days: lead, tn, tx, record: i, dt: partitionOf(weatherForecasts, issueDay) } });
  });
  return { issuedAt, rows, rejections };
}

/** the station a response is for: `station=<NUM_POSTE>` in the request URL or the file name (station-<NUM_POSTE>…) */
export function stationOfOrigin(origin: string): string | undefined {
  return /[?&]station=(\d{8})\b/.exec(origin)?.[1] ?? /station-(\d{8})/.exec(origin)?.[1];
}

export async function ingestMeteoFranceForecast(
  ctx: StageContext,
  input: { bytes: Uint8Array; origin: string; contentType?: string; demo?: boolean; station?: string; source?: WeatherForecastRow['source'] },
): Promise<IngestSummary> {
  const raw = await storeClimateRaw(ctx, METEOFRANCE_FORECAST_SOURCE_KIND, input);
  const station = input.station ?? stationOfOrigin(input.origin);
  const base = { dataset: weatherForecasts, sourceKind: METEOFRANCE_FORECAST_SOURCE_KIND, raw, origin: input.origin };
  let parsed: ForecastResponse;
  try {
    if (!station) throw new UnreadableInputError('the forecast’s station is unknown', 'station=<NUM_POSTE> in the request or a file name station-<NUM_POSTE>….json', input.origin);
    parsed = parseForecastResponse(Buffer.from(input.bytes).toString('utf8'));
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    const { rows: _r, ...summary } = await curate<WeatherForecastRow>(ctx, { ...base, candidates: [], rejections: [], unreadable: { message: e.message, expected: e.expected, found: e.found } });
    return summary;
  }
  // a demo lake's forecasts are derived from its observations: said in every row
  const source = input.source ?? (input.demo ? 'demo-derived' : 'meteofrance');
  const { rows: _rows, ...summary } = await curate<WeatherForecastRow>(ctx, {
    ...base,
    candidates: parsed.rows.map((c) => ({ record: c.record, recordText: c.recordText, row: { ...c.row, station_id: station, source, raw_key: raw.key, received_at: raw.receivedAt } })),
    rejections: parsed.rejections,
  });
  return summary;
}
