import { weatherDaily, type WeatherDailyRow } from '../datasets/index.ts';
import { DOUBTFUL, isGzip, parseMeteoFranceDaily, type MeteoFranceParse } from '../domain/heat/meteofrance.ts';
import { rejection } from '../domain/flood/records.ts';
import { UnreadableInputError } from '../domain/noise/observation.ts';
import type { StageContext } from './context.ts';
import { curate } from './curate.ts';
import { storeRaw, type IngestSummary } from './ingest-noise.ts';
import { CLIMATE_SOURCE_FORMATS } from './source-kinds.ts';

// Météo-France daily files in (plain or gzip, UTF-8 or Latin-1), weather_daily rows out. Stations
// outside the Métropole's départements are quarantined with the reason, so every line is accounted
// for. Doubtful values (quality 2) are curated with their quality code and the row's `doubtful` flag.

export const METEOFRANCE_SOURCE_KIND = 'meteofrance';

export interface MeteoFranceIngestInput {
  readonly bytes: Uint8Array;
  readonly origin: string;
  readonly demo?: boolean;
}

export interface MeteoFranceIngestSummary extends IngestSummary {
  readonly gzip: boolean;
  readonly encoding: MeteoFranceParse['encoding'] | null;
  readonly truncated: boolean;
  readonly stations: number;
  /** curated rows with at least one doubtful value */
  readonly doubtful: number;
}

export async function ingestMeteoFrance(ctx: StageContext, input: MeteoFranceIngestInput): Promise<MeteoFranceIngestSummary> {
  const gzip = isGzip(input.bytes);
  const format = CLIMATE_SOURCE_FORMATS.meteofrance;
  const raw = await storeRaw(
    ctx.store,
    {
      sourceKind: METEOFRANCE_SOURCE_KIND,
      bytes: input.bytes,
      origin: input.origin,
      contentType: gzip ? 'application/gzip' : format.contentType,
      demo: input.demo,
      extension: gzip ? `${format.extension}.gz` : format.extension,
    },
    ctx.now(),
  );
  let parsed: MeteoFranceParse | undefined;
  let unreadable: { message: string; expected: string; found: string } | undefined;
  try {
    parsed = parseMeteoFranceDaily(input.bytes);
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    unreadable = { message: e.message, expected: e.expected, found: e.found };
  }
  const s = await curate<WeatherDailyRow>(ctx, {
    dataset: weatherDaily,
    sourceKind: METEOFRANCE_SOURCE_KIND,
    raw,
    origin: input.origin,
    candidates: (parsed?.days ?? []).map((d) => ({
      record: d.record,
      recordText: d.recordText,
      row: {
        station_id: d.stationId,
        station_name: d.stationName,
        departement: d.departement,
        lat: d.lat,
        lon: d.lon,
        alti: d.alti,
        day: d.day,
        rr: d.rr,
        q_rr: d.qrr,
        tn: d.tn,
        q_tn: d.qtn,
        tx: d.tx,
        q_tx: d.qtx,
        tm: d.tm,
        q_tm: d.qtm,
        doubtful: [d.qrr, d.qtn, d.qtx, d.qtm].includes(DOUBTFUL),
        raw_key: raw.key,
        record: d.record,
        received_at: raw.receivedAt,
        dt: d.day,
      },
    })),
    rejections: parsed?.rejections ?? [],
    unreadable,
    fileNotes: parsed?.truncated
      ? [rejection('file', 'file', 'a complete gzip stream', `${input.bytes.length} bytes, cut`, 'gzip stream truncated: the lines before the cut were read', '')]
      : [],
    keyOf: (r) => `${r.station_id}|${r.day}`,
  });
  const { rows, ...summary } = s;
  if (parsed?.truncated) ctx.logger.warn(`${input.origin}: gzip stream truncated; ${rows.length} complete lines curated, the cut line quarantined`);
  return {
    ...summary,
    gzip,
    encoding: parsed?.encoding ?? null,
    truncated: parsed?.truncated ?? false,
    stations: new Set(rows.map((r) => r.station_id)).size,
    doubtful: rows.filter((r) => r.doubtful).length,
  };
}
