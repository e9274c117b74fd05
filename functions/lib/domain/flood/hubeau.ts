import { isObject } from '../json.ts';
import type { Quantity } from './config.ts';
import { parseInstant, rejection, UnreadableInputError, type RecordRejection } from './records.ts';

// Hub'Eau hydrométrie API v2 responses: `observations_tr` pages and `referentiel/stations` pages, both
// in the envelope {count, first, prev, next, api_version, data[]}. One parser for the poller and for
// saved files (`observatory ingest hubeau`). Values stay in the received unit here (mm, l/s): the
// conversion is done once, by units.ts, when the row is curated.

export interface HubeauEnvelope {
  readonly count: number | null;
  readonly first: string | null;
  readonly prev: string | null;
  readonly next: string | null;
  readonly apiVersion: string | null;
}

export interface RiverObservationRecord {
  /** index of the row in `data` (0-based) */
  readonly record: number;
  readonly recordText: string;
  readonly siteCode: string;
  /** null: the site-level series Hub'Eau returns alongside the stations' rows when queried by site */
  readonly stationCode: string | null;
  readonly quantity: Quantity;
  readonly ts: Date;
  /** as received: mm for H, l/s for Q */
  readonly resultatObs: number;
  readonly statusCode: number | null;
  readonly statusLabel: string | null;
  readonly qualificationCode: number | null;
  readonly qualificationLabel: string | null;
  readonly methodCode: number | null;
  readonly continuityCode: number | null;
}

export interface StationRecord {
  readonly record: number;
  readonly recordText: string;
  readonly stationCode: string;
  readonly siteCode: string | null;
  readonly label: string | null;
  readonly siteLabel: string | null;
  readonly river: string | null;
  readonly communeInsee: string | null;
  readonly communeName: string | null;
  readonly departement: string | null;
  readonly lon: number | null;
  readonly lat: number | null;
  readonly altitudeRefM: number | null;
  readonly inService: boolean | null;
  readonly updatedAt: Date | null;
}

export type HubeauPayload =
  | { readonly kind: 'observations'; readonly envelope: HubeauEnvelope; readonly observations: RiverObservationRecord[]; readonly rejections: RecordRejection[] }
  | { readonly kind: 'stations'; readonly envelope: HubeauEnvelope; readonly stations: StationRecord[]; readonly rejections: RecordRejection[] };


function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'a Hub’Eau JSON response', text.length > 60 ? `${JSON.stringify(text.slice(0, 60))}… (${text.length} characters)` : JSON.stringify(text));
  }
}

function envelopeOf(doc: Record<string, unknown>): HubeauEnvelope {
  const url = (v: unknown) => (typeof v === 'string' && v ? v : null);
  return {
    count: typeof doc.count === 'number' ? doc.count : null,
    first: url(doc.first),
    prev: url(doc.prev),
    next: url(doc.next),
    apiVersion: typeof doc.api_version === 'string' ? doc.api_version : null,
  };
}

/**
 * The `format=geojson` form of a page (a FeatureCollection with the envelope's fields beside
 * `features`) as the JSON form: each feature's properties are a row, its Point the row's position when
 * the properties do not give it.
 */
function fromGeoJson(doc: unknown): unknown {
  if (!isObject(doc) || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) return doc;
  const data = doc.features.map((f: unknown) => {
    if (!isObject(f) || !isObject(f.properties)) return f;
    const point: readonly unknown[] | undefined = isObject(f.geometry) && f.geometry.type === 'Point' && Array.isArray(f.geometry.coordinates) ? f.geometry.coordinates : undefined;
    const position = point ? { longitude_station: point[0], latitude_station: point[1] } : {};
    return { ...position, ...f.properties };
  });
  const { features: _features, type: _type, ...envelope } = doc;
  return { ...envelope, data };
}

/**
 * parses a Hub'Eau hydrométrie page: observations_tr or referentiel/stations, told apart by their rows;
 * API v2 or v1 (older archives: `statut_serie` for the status, no `code_statut`), JSON or GeoJSON.
 */
export function parseHubeau(text: string): HubeauPayload {
  const doc = fromGeoJson(parseJson(text));
  if (!isObject(doc) || !Array.isArray(doc.data)) {
    const message = isObject(doc) && typeof doc.message === 'string' ? ` (the API said: ${doc.message})` : '';
    throw new UnreadableInputError(`not a Hub’Eau envelope: no data array${message}`, 'an object {count, first, prev, next, api_version, data: […]}', isObject(doc) ? `keys ${Object.keys(doc).join(', ')}` : typeof doc);
  }
  const envelope = envelopeOf(doc);
  const rows = doc.data as unknown[];
  const first = rows.find(isObject);
  const stations = first !== undefined && !('grandeur_hydro' in first) && ('libelle_station' in first || 'longitude_station' in first);
  return stations
    ? { kind: 'stations', envelope, ...parseStationRows(rows) }
    : { kind: 'observations', envelope, ...parseObservationRows(rows) };
}

const SITE_CODE = /^[A-Z0-9]{8}$/;
const STATION_CODE = /^[A-Z0-9]{10}$/;

/**
 * the series a Hub'Eau row belongs to: its site (code_site) and station (code_station, null for the
 * site-level series); `noStation` says what a null station means in the endpoint read
 */
export function seriesCodes(row: Record<string, unknown>, noStation: string): { site: string; station: string | null } | RowProblem {
  const site = row.code_site;
  if (typeof site !== 'string' || !SITE_CODE.test(site)) return problem('code_site', 'a site code of 8 characters', site, 'code_site missing or malformed');
  const station = row.code_station;
  if (station === null || station === undefined) return { site, station: null };
  if (typeof station !== 'string' || !STATION_CODE.test(station) || !station.startsWith(site)) {
    return problem('code_station', `${noStation} or a station code of 10 characters starting with ${site}`, station, 'code_station malformed or not a station of code_site');
  }
  return { site, station };
}

const intOrNull = (v: unknown): number | null | undefined => (v === null || v === undefined ? null : typeof v === 'number' && Number.isInteger(v) ? v : undefined);
export const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** why one row is rejected: the field, what was expected, what was found and the reason */
export interface RowProblem {
  readonly problem: readonly [field: string, expected: string, found: unknown, reason: string];
}
export const problem = (field: string, expected: string, found: unknown, reason: string): RowProblem => ({ problem: [field, expected, found, reason] });

function parseObservationRows(rows: readonly unknown[]): { observations: RiverObservationRecord[]; rejections: RecordRejection[] } {
  const observations: RiverObservationRecord[] = [];
  const rejections: RecordRejection[] = [];
  rows.forEach((row, i) => {
    const parsed = parseObservationRow(row, i);
    if ('problem' in parsed) rejections.push(rejection(i, ...parsed.problem, JSON.stringify(row) ?? 'undefined'));
    else observations.push(parsed);
  });
  return { observations, rejections };
}

/** one Hub'Eau observation: the series and time it belongs to, its value and its codes */
function parseObservationRow(row: unknown, i: number): RiverObservationRecord | RowProblem {
  if (!isObject(row)) return problem('data', 'an observation object', row, 'row is not an object');
  const series = seriesCodes(row, 'null (the site-level series)');
  if ('problem' in series) return series;
  const { site, station } = series;
  const quantity = row.grandeur_hydro;
  if (quantity !== 'H' && quantity !== 'Q') return problem('grandeur_hydro', 'H (water height) or Q (discharge)', quantity, 'unknown grandeur_hydro');
  const ts = parseInstant(row.date_obs);
  if (!ts) return problem('date_obs', 'an ISO 8601 UTC instant such as 2026-01-29T08:00:00Z, on a real calendar date', row.date_obs, 'date_obs missing, without offset, or not a real date');
  const value = row.resultat_obs;
  if (typeof value !== 'number' || !Number.isFinite(value)) return problem('resultat_obs', quantity === 'H' ? 'a number (mm)' : 'a number (l/s)', value, 'resultat_obs missing or not a number');
  const codes = observationCodes(row);
  if ('problem' in codes) return codes;
  return {
    record: i,
    // the text is only needed when the record is rejected later: made on demand
    get recordText() {
      return JSON.stringify(row);
    },
    siteCode: site,
    stationCode: station,
    quantity,
    ts,
    resultatObs: value,
    statusLabel: strOrNull(row.libelle_statut),
    qualificationLabel: strOrNull(row.libelle_qualification_obs),
    ...codes,
  };
}

type ObservationCodes = Pick<RiverObservationRecord, 'statusCode' | 'qualificationCode' | 'methodCode' | 'continuityCode'>;

/** the integer codes of an observation (null when absent), or the first that is not an integer */
function observationCodes(row: Record<string, unknown>): ObservationCodes | RowProblem {
  // API v1 gives the series' status (statut_serie, same codes) where v2 gives the observation's
  const statusCode = intOrNull(row.code_statut ?? row.statut_serie);
  const qualificationCode = intOrNull(row.code_qualification_obs);
  const methodCode = intOrNull(row.code_methode_obs);
  const continuityCode = intOrNull(row.code_continuite);
  const bad = statusCode === undefined ? ('code_statut' in row ? 'code_statut' : 'statut_serie') : qualificationCode === undefined ? 'code_qualification_obs' : methodCode === undefined ? 'code_methode_obs' : continuityCode === undefined ? 'code_continuite' : undefined;
  if (bad) return problem(bad, 'an integer code or null', row[bad], `${bad} not an integer`);
  return { statusCode: statusCode ?? null, qualificationCode: qualificationCode ?? null, methodCode: methodCode ?? null, continuityCode: continuityCode ?? null };
}

function parseStationRows(rows: readonly unknown[]): { stations: StationRecord[]; rejections: RecordRejection[] } {
  const stations: StationRecord[] = [];
  const rejections: RecordRejection[] = [];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  rows.forEach((row, i) => {
    const text = JSON.stringify(row) ?? String(row);
    if (!isObject(row)) return rejections.push(rejection(i, 'data', 'a station object', row, 'row is not an object', text));
    const code = row.code_station;
    if (typeof code !== 'string' || !/^[A-Z0-9]{10}$/.test(code)) {
      return rejections.push(rejection(i, 'code_station', 'a station code of 10 characters', code, 'code_station missing or malformed', text));
    }
    const updated = row.date_maj_station === null || row.date_maj_station === undefined ? null : parseInstant(row.date_maj_station);
    if (updated === undefined) return rejections.push(rejection(i, 'date_maj_station', 'an ISO 8601 instant or null', row.date_maj_station, 'date_maj_station not an instant', text));
    stations.push({
      record: i,
      recordText: text,
      stationCode: code,
      siteCode: strOrNull(row.code_site),
      label: strOrNull(row.libelle_station),
      siteLabel: strOrNull(row.libelle_site),
      river: strOrNull(row.libelle_cours_eau),
      communeInsee: strOrNull(row.code_commune_station),
      communeName: strOrNull(row.libelle_commune),
      departement: strOrNull(row.code_departement),
      lon: num(row.longitude_station),
      lat: num(row.latitude_station),
      altitudeRefM: num(row.altitude_ref_alti_station),
      inService: typeof row.en_service === 'boolean' ? row.en_service : null,
      updatedAt: updated,
    });
  });
  return { stations, rejections };
}
