import { partitionOf, riverObservations, riverStations, type RiverObservationRow } from '../datasets/index.ts';
import { curatedValue } from '../domain/flood/units.ts';
import { parseHubeau, type HubeauEnvelope, type HubeauPayload, type RiverObservationRecord, type StationRecord } from '../domain/flood/hubeau.ts';
import { UnreadableInputError } from '../domain/noise/observation.ts';
import { parisDate } from '../domain/time/paris.ts';
import type { StageContext } from './context.ts';
import { curate, type Candidate } from './curate.ts';
import { storeClimateRaw } from './climate-raw.ts';
import type { IngestSummary } from './ingest-noise.ts';

// Hub'Eau hydrométrie pages in, curated river observations (or station referential rows) and
// quarantined records out — the same path as the noise ingest. The poller calls it once per page it
// receives; `observatory ingest hubeau` once per saved response.

export const HUBEAU_SOURCE_KIND = 'hubeau';

export interface HubeauIngestInput {
  readonly bytes: Uint8Array;
  /** the file name, or the request URL of a polled page */
  readonly origin: string;
  readonly contentType?: string;
  readonly demo?: boolean;
}

export interface HubeauIngestSummary extends IngestSummary {
  readonly payload: 'observations' | 'stations' | 'unreadable';
  /** the envelope's cursor to the next page (null on the last page) */
  readonly next: string | null;
  readonly count: number | null;
}

export interface HubeauPageResult {
  readonly summary: HubeauIngestSummary;
  readonly envelope: HubeauEnvelope | null;
  /** the curated observation rows of the page (empty for a referential page) */
  readonly observations: readonly RiverObservationRow[];
}

export const riverKey = (r: Pick<RiverObservationRow, 'site_code' | 'station_code' | 'quantity' | 'ts'>) =>
  `${r.site_code}|${r.station_code ?? ''}|${r.quantity}|${r.ts.getTime()}`;

export async function ingestHubeauPage(ctx: StageContext, input: HubeauIngestInput): Promise<HubeauPageResult> {
  const raw = await storeClimateRaw(ctx, HUBEAU_SOURCE_KIND, input);
  let payload: HubeauPayload;
  try {
    payload = parseHubeau(Buffer.from(input.bytes).toString('utf8'));
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    const s = await curate<RiverObservationRow>(ctx, {
      dataset: riverObservations,
      sourceKind: HUBEAU_SOURCE_KIND,
      raw,
      origin: input.origin,
      candidates: [],
      rejections: [],
      unreadable: { message: e.message, expected: e.expected, found: e.found },
    });
    const { rows: _rows, ...summary } = s;
    return { summary: { ...summary, payload: 'unreadable', next: null, count: null }, envelope: null, observations: [] };
  }

  if (payload.kind === 'stations') {
    const s = await curate(ctx, {
      dataset: riverStations,
      sourceKind: HUBEAU_SOURCE_KIND,
      raw,
      origin: input.origin,
      candidates: stationCandidates(payload.stations, raw),
      rejections: payload.rejections,
    });
    const { rows: _rows, ...summary } = s;
    return { summary: { ...summary, payload: 'stations', next: payload.envelope.next, count: payload.envelope.count }, envelope: payload.envelope, observations: [] };
  }

  const s = await curate<RiverObservationRow>(ctx, {
    dataset: riverObservations,
    sourceKind: HUBEAU_SOURCE_KIND,
    raw,
    origin: input.origin,
    candidates: observationCandidates(payload.observations, raw),
    rejections: payload.rejections,
  });
  const { rows, ...summary } = s;
  return { summary: { ...summary, payload: 'observations', next: payload.envelope.next, count: payload.envelope.count }, envelope: payload.envelope, observations: rows };
}

/** where the rows of a page come from: its raw file and when it was received */
interface RawReceipt {
  readonly key: string;
  readonly receivedAt: Date;
}

/** the river_stations rows of a referential page */
function stationCandidates(stations: readonly StationRecord[], raw: RawReceipt) {
  return stations.map((st) => ({
    record: st.record,
    recordText: st.recordText,
    row: {
      station_code: st.stationCode,
      site_code: st.siteCode,
      label: st.label,
      site_label: st.siteLabel,
      river: st.river,
      commune_insee: st.communeInsee,
      commune_name: st.communeName,
      departement: st.departement,
      lon: st.lon,
      lat: st.lat,
      altitude_ref_m: st.altitudeRefM,
      in_service: st.inService,
      updated_at: st.updatedAt,
      raw_key: raw.key,
      record: st.record,
      received_at: raw.receivedAt,
    },
  }));
}

/** the river_observations rows of an observations page (values converted to m and m³/s) */
function observationCandidates(observations: readonly RiverObservationRecord[], raw: RawReceipt): Candidate<RiverObservationRow>[] {
  return observations.map((o) => ({
    record: o.record,
    get recordText() {
      return o.recordText;
    },
    row: {
      site_code: o.siteCode,
      station_code: o.stationCode,
      quantity: o.quantity,
      ts: o.ts,
      value: curatedValue(o.quantity, o.resultatObs),
      status_code: o.statusCode,
      status_label: o.statusLabel,
      qualification_code: o.qualificationCode,
      qualification_label: o.qualificationLabel,
      method_code: o.methodCode,
      continuity_code: o.continuityCode,
      raw_key: raw.key,
      record: o.record,
      received_at: raw.receivedAt,
      dt: partitionOf(riverObservations, parisDate(o.ts)),
    },
  }));
}

/** ingests a saved Hub'Eau response (observations_tr or referentiel/stations) */
export async function ingestHubeau(ctx: StageContext, input: HubeauIngestInput): Promise<HubeauIngestSummary> {
  return (await ingestHubeauPage(ctx, input)).summary;
}
