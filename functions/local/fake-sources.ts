import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local imitation of the Hub'Eau hydrométrie API v2, of Vigicrues, and of the Météo-France daily
// files as data.gouv.fr lists them, serving given rows and files in exactly the real response shapes —
// Hub'Eau's cursor paging (HTTP 206 while a next page exists, 200 on the last) and envelope {count,
// first, prev, next, api_version, data}; data.gouv.fr's paged resource listing {data, next_page,
// previous_page, page, page_size, total} whose resource URLs point at the files, served with ETag and
// Last-Modified (and 304 to a conditional GET) — and, on request, faults: 5xx, 429 with Retry-After,
// timeouts, reset connections, truncated JSON or gzip, a page served twice, rows out of order.
// `npm start` and the tests drive the real pollers against it on a loopback port.

export const FAKE_API_VERSION = '2.0.1';
const OBSERVATIONS = '/api/v2/hydrometrie/observations_tr';
const STATIONS = '/api/v2/hydrometrie/referentiel/stations';
const OBS_ELAB = '/api/v2/hydrometrie/obs_elab';
/** Météo-France's point forecast (webservice.meteofrance.com/v2/forecast?lat=&lon=&token=) */
export const FAKE_FORECAST_PATH = '/v2/forecast';
const VIGICRUES = ['/services/1/InfoVigiCru.jsonld/', '/services/1/InfoVigiCru.jsonld', '/services/1/InfoVigiCru.geojson', '/services/InfoVigiCru.geojson', '/services/1/InfoVigiCru.json'];
/** data.gouv.fr API v2: the resources of a dataset (by slug or id), paged */
const DATAGOUV_RESOURCES = /^\/api\/2\/datasets\/([^/]+)\/resources\/?$/;
export const FAKE_METEOFRANCE_DATASET = { slug: 'donnees-climatologiques-de-base-quotidiennes', id: '000000000000000000000d01' } as const;
/** where the Météo-France files are, as on object.files.data.gouv.fr */
export const FAKE_METEOFRANCE_FILES_PATH = '/meteofrance/data/synchro_ftp/BASE/QUOT/';

/** an HTTP status to answer with, or a misbehaviour */
export type FaultKind = '400' | '404' | '410' | '429' | '500' | '502' | '503' | 'timeout' | 'reset' | 'truncated' | 'duplicate-page' | 'not-json';
export type FaultTarget = 'observations' | 'stations' | 'obs-elab' | 'forecast' | 'vigicrues' | 'datagouv' | 'meteofrance' | 'any';

export interface Fault {
  readonly target: FaultTarget;
  readonly kind: FaultKind;
  /** how many requests it hits (default 1) */
  readonly times?: number;
  /** let this many matching requests through first (default 0) */
  readonly after?: number;
  /** only requests whose URL this accepts */
  readonly match?: (url: URL) => boolean;
}

export interface HubeauSource {
  /** observations_tr rows as Hub'Eau returns them */
  readonly observations: readonly object[];
  readonly stations?: readonly object[];
  /** obs_elab rows (daily means) as Hub'Eau returns them: paged by page number, at most 20 000 rows per query */
  readonly daily?: readonly object[];
  /** the server ignores `sort` and returns rows in this order (a misbehaving API); default: honours sort */
  readonly order?: 'desc' | 'shuffled';
}

export interface VigicruesSource {
  /** the bulletins by time; the one served is the latest at or before the server's clock */
  readonly bulletins: readonly { readonly at: Date; readonly body: string }[];
}

export interface MeteoFranceFile {
  /** Q_<dep>_<period>_RR-T-Vent.csv.gz, or any other name the dataset lists */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** the resource's last_modified and the file's Last-Modified (default: when it was published to the fake) */
  readonly modified?: Date;
}

export interface MeteoFranceSource {
  /** the files of the dataset, listed in this order */
  readonly files: readonly MeteoFranceFile[];
  /** the largest page the listing serves whatever page_size asks (default 50) */
  readonly maxPageSize?: number;
  /** serves the .gz files with Content-Encoding: gzip, as an object store whose objects carry that metadata does (HTTP clients then decompress them) */
  readonly contentEncodingGzip?: boolean;
}

/** point forecasts: the response of the point nearest the asked lat/lon (within 0.01°), else 400 */
export interface ForecastSource {
  readonly points: readonly { readonly lat: number; readonly lon: number; readonly body: object }[];
}

export interface FakeSourcesOptions {
  readonly forecast?: ForecastSource;
  readonly hubeau?: HubeauSource;
  readonly vigicrues?: VigicruesSource;
  readonly meteofrance?: MeteoFranceSource;
  readonly host?: string;
  readonly port?: number;
  readonly faults?: readonly Fault[];
}

export interface RequestLog {
  readonly path: string;
  readonly query: string;
  readonly status: number | 'timeout' | 'reset';
  readonly fault?: FaultKind;
}

export interface FakeSources {
  /** http://127.0.0.1:<port> — the base URL of every API (and of the Météo-France files) */
  readonly url: string;
  readonly requests: RequestLog[];
  inject(fault: Fault): void;
  /** adds or replaces a Météo-France file (by name): new bytes, new last_modified */
  publish(file: MeteoFranceFile): void;
  /** removes a Météo-France file from the listing and the file server */
  unpublish(name: string): void;
  /** what Vigicrues serves: the bulletin current at this time (default: the last one) */
  setClock(at: Date | undefined): void;
  close(): Promise<void>;
}

interface ActiveFault extends Fault {
  remaining: number;
  skip: number;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

const encodeCursor = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
const decodeCursor = (c: string): number | undefined => {
  const m = /^o:(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
};

export async function startFakeSources(options: FakeSourcesOptions = {}): Promise<FakeSources> {
  const faults: ActiveFault[] = (options.faults ?? []).map((f) => ({ ...f, remaining: f.times ?? 1, skip: f.after ?? 0 }));
  const requests: RequestLog[] = [];
  const published = new Map<string, { bytes: Uint8Array; modified: Date; etag: string; id: string; created: Date }>();
  const publish = (f: MeteoFranceFile) => {
    const sha = createHash('sha256').update(f.bytes).digest('hex');
    // HTTP dates have whole seconds
    const modified = new Date(Math.floor((f.modified ?? new Date()).getTime() / 1000) * 1000);
    const id = published.get(f.name)?.id ?? fakeUuid(f.name);
    published.set(f.name, { bytes: f.bytes, modified, etag: `"${sha.slice(0, 32)}"`, id, created: published.get(f.name)?.created ?? modified });
  };
  for (const f of options.meteofrance?.files ?? []) publish(f);
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let clock: Date | undefined;
  let base = '';
  // duplicate-page: a next cursor that serves the same page again, then carries on
  const duplicates = new Map<string, { offset: number; next: number | null }>();

  const takeFault = (target: FaultTarget, url: URL): ActiveFault | undefined => {
    for (const f of faults) {
      if (f.remaining <= 0 || (f.target !== target && f.target !== 'any') || (f.match && !f.match(url))) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      f.remaining--;
      return f;
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const target: FaultTarget | undefined =
      url.pathname === OBSERVATIONS
        ? 'observations'
        : url.pathname === OBS_ELAB
          ? 'obs-elab'
          : url.pathname === FAKE_FORECAST_PATH
            ? 'forecast'
        : url.pathname === STATIONS
          ? 'stations'
          : VIGICRUES.includes(url.pathname)
            ? 'vigicrues'
            : DATAGOUV_RESOURCES.test(url.pathname)
              ? 'datagouv'
              : url.pathname.startsWith(FAKE_METEOFRANCE_FILES_PATH)
                ? 'meteofrance'
                : undefined;
    const log = (status: RequestLog['status'], fault?: FaultKind) => requests.push({ path: url.pathname, query: url.search, status, ...(fault ? { fault } : {}) });
    if (req.method !== 'GET' || !target) {
      log(404);
      return json(res, 404, { code: 404, message: `no route ${req.method} ${url.pathname}` });
    }
    const fault = takeFault(target, url);
    if (fault && /^\d+$/.test(fault.kind)) {
      log(Number(fault.kind), fault.kind);
      return json(res, Number(fault.kind), { code: Number(fault.kind), message: 'injected fault' }, fault.kind === '429' ? { 'retry-after': '0' } : {});
    }
    if (fault?.kind === 'timeout') {
      log('timeout', 'timeout');
      held.add(res);
      return; // never answers; closed with the server
    }
    if (fault?.kind === 'reset') {
      log('reset', 'reset');
      req.socket.destroy();
      return;
    }
    if (target === 'meteofrance') return meteofranceFile(req, res, url, log, fault?.kind);
    let status: number;
    let body: unknown;
    let text: string | undefined;
    try {
      if (target === 'observations') [status, body] = observations(url, fault?.kind === 'duplicate-page');
      else if (target === 'stations') [status, body] = stations(url);
      else if (target === 'obs-elab') [status, body] = obsElab(url);
      else if (target === 'forecast') [status, body] = forecast(url);
      else if (target === 'datagouv') [status, body] = resources(url);
      else [status, text] = vigicrues();
    } catch (e) {
      log(400);
      return json(res, 400, { code: 400, message: (e as Error).message });
    }
    text ??= JSON.stringify(body);
    if (fault?.kind === 'truncated' || fault?.kind === 'not-json') {
      text = fault.kind === 'truncated' ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : '<html><body>502 Bad Gateway</body></html>';
    }
    log(status, fault?.kind);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const observations = (url: URL, duplicateNext: boolean): [number, unknown] => {
    const rows = (options.hubeau?.observations ?? []) as readonly Record<string, unknown>[];
    const entity = url.searchParams.get('code_entite');
    if (!entity) throw new Error('code_entite is required');
    const quantities = (url.searchParams.get('grandeur_hydro') ?? 'H,Q').split(',');
    const from = url.searchParams.get('date_debut_obs');
    const to = url.searchParams.get('date_fin_obs');
    const size = Math.min(Number(url.searchParams.get('size') ?? 1000), 20_000);
    if (!(size >= 1)) throw new Error('size must be a positive integer');
    const fromMs = from ? Date.parse(from) : -Infinity;
    const toMs = to ? Date.parse(to) : Infinity;
    let selected = rows.filter((r) => {
      const byEntity = r.code_station === entity || r.code_site === entity;
      const t = Date.parse(String(r.date_obs));
      return byEntity && quantities.includes(String(r.grandeur_hydro)) && t >= fromMs && t <= toMs;
    });
    const order = options.hubeau?.order ?? (url.searchParams.get('sort') === 'asc' ? 'asc' : 'desc');
    selected = [...selected].sort((a, b) => Date.parse(String(a.date_obs)) - Date.parse(String(b.date_obs)) || String(a.code_station).localeCompare(String(b.code_station)));
    if (order === 'desc') selected.reverse();
    if (order === 'shuffled') selected = shuffle(selected);
    const cursor = url.searchParams.get('cursor') ?? '';
    let offset = 0;
    let forcedNext: number | null | undefined;
    if (cursor) {
      const dup = duplicates.get(cursor);
      if (dup) {
        offset = dup.offset;
        forcedNext = dup.next;
      } else {
        const o = decodeCursor(cursor);
        if (o === undefined) throw new Error(`invalid cursor ${cursor}`);
        offset = o;
      }
    }
    const data = selected.slice(offset, offset + size);
    const nextOffset: number | null = forcedNext !== undefined ? forcedNext : offset + size < selected.length ? offset + size : null;
    const pageUrl = (c: string) => {
      const u = new URL(url);
      u.searchParams.set('cursor', c);
      u.searchParams.set('size', String(size));
      return u.toString();
    };
    let next = nextOffset === null ? null : pageUrl(encodeCursor(nextOffset));
    if (duplicateNext && nextOffset !== null) {
      // the next link serves this page again before the real next one
      const c = `dup-${duplicates.size}-${encodeCursor(offset)}`;
      duplicates.set(c, { offset, next: nextOffset });
      next = pageUrl(c);
    }
    return [next ? 206 : 200, { count: selected.length, first: pageUrl(''), prev: null, next, api_version: FAKE_API_VERSION, data }];
  };

  // obs_elab: page-number paging (HTTP 206 while a next page exists); page × size beyond 20 000 rows is refused
  const obsElab = (url: URL): [number, unknown] => {
    const entity = url.searchParams.get('code_entite');
    if (!entity) throw new Error('code_entite is required');
    const quantities = (url.searchParams.get('grandeur_hydro_elab') ?? 'QmnJ,QmM').split(',');
    const from = url.searchParams.get('date_debut_obs_elab') ?? '0000-01-01';
    const to = url.searchParams.get('date_fin_obs_elab') ?? '9999-12-31';
    const size = Number(url.searchParams.get('size') ?? 5000);
    const page = Number(url.searchParams.get('page') ?? 1);
    if (!(Number.isInteger(size) && size >= 1 && size <= 20_000) || !(Number.isInteger(page) && page >= 1)) throw new Error('page and size must be positive integers, size ≤ 20000');
    if (page * size > 20_000) return [400, { code: 400, message: 'La profondeur de pagination (page * size) ne doit pas dépasser 20000' }];
    const selected = ((options.hubeau?.daily ?? []) as readonly Record<string, unknown>[])
      .filter((r) => (r.code_station === entity || r.code_site === entity) && quantities.includes(String(r.grandeur_hydro_elab)))
      .filter((r) => String(r.date_obs_elab).slice(0, 10) >= from && String(r.date_obs_elab).slice(0, 10) <= to)
      .sort((a, b) => String(a.date_obs_elab).localeCompare(String(b.date_obs_elab)));
    const data = selected.slice((page - 1) * size, page * size);
    const pageUrl = (p: number) => {
      const u = new URL(url);
      u.searchParams.set('page', String(p));
      u.searchParams.set('size', String(size));
      return u.toString();
    };
    const last = Math.max(1, Math.ceil(selected.length / size));
    const next = page < last ? pageUrl(page + 1) : null;
    return [next ? 206 : 200, { count: selected.length, first: pageUrl(1), last: pageUrl(last), prev: page > 1 ? pageUrl(page - 1) : null, next, api_version: FAKE_API_VERSION, data }];
  };

  // the point forecast: a token is required (401 without), the point nearest lat/lon
  const forecast = (url: URL): [number, unknown] => {
    if (!url.searchParams.get('token')) return [401, { code: 401, message: 'token required' }];
    const lat = Number(url.searchParams.get('lat'));
    const lon = Number(url.searchParams.get('lon'));
    const point = (options.forecast?.points ?? []).find((p) => Math.abs(p.lat - lat) <= 0.01 && Math.abs(p.lon - lon) <= 0.01);
    if (!point) throw new Error(`no forecast at lat=${lat} lon=${lon}`);
    return [200, point.body];
  };

  const stations = (url: URL): [number, unknown] => {
    const codes = (url.searchParams.get('code_station') ?? '').split(',').filter(Boolean);
    const all = (options.hubeau?.stations ?? []) as readonly Record<string, unknown>[];
    const data = codes.length ? all.filter((s) => codes.includes(String(s.code_station))) : all;
    return [200, { count: data.length, first: url.toString(), last: null, prev: null, next: null, api_version: FAKE_API_VERSION, data }];
  };

  const vigicrues = (): [number, string] => {
    const list = [...(options.vigicrues?.bulletins ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime());
    const current = clock ? list.filter((b) => b.at.getTime() <= clock!.getTime()).at(-1) : list.at(-1);
    if (!current) throw new Error('no bulletin at this time');
    return [200, current.body];
  };

  // data.gouv.fr API v2 GET /datasets/<dataset>/resources/?page=&page_size= (udata: next_page while more remain)
  const resources = (url: URL): [number, unknown] => {
    const dataset = decodeURIComponent(DATAGOUV_RESOURCES.exec(url.pathname)![1]!);
    if (dataset !== FAKE_METEOFRANCE_DATASET.slug && dataset !== FAKE_METEOFRANCE_DATASET.id) return [404, { message: `Dataset ${dataset} not found`, status: 404 }];
    const page = Number(url.searchParams.get('page') ?? 1);
    const asked = Number(url.searchParams.get('page_size') ?? 50);
    if (!(Number.isInteger(page) && page >= 1) || !(Number.isInteger(asked) && asked >= 1)) throw new Error('page and page_size must be positive integers');
    const size = Math.min(asked, options.meteofrance?.maxPageSize ?? 50);
    const all = [...published.entries()];
    const offset = (page - 1) * size;
    const listUrl = `${base}/api/2/datasets/${FAKE_METEOFRANCE_DATASET.id}/resources/`;
    const data = all.slice(offset, offset + size).map(([name, f]) => ({
      id: f.id,
      title: name,
      description: null,
      filetype: 'remote',
      type: 'main',
      format: name.endsWith('.csv.gz') ? 'csv.gz' : (name.split('.').pop() ?? ''),
      url: `${base}${FAKE_METEOFRANCE_FILES_PATH}${name}`,
      latest: `${base}/api/1/datasets/r/${f.id}`,
      checksum: null,
      filesize: f.bytes.length,
      mime: name.endsWith('.gz') ? 'application/gzip' : 'text/csv',
      created_at: f.created.toISOString(),
      last_modified: f.modified.toISOString(),
      metrics: { views: 0 },
      extras: {},
      preview_url: null,
      schema: null,
      internal: { created_at_internal: f.created.toISOString(), last_modified_internal: f.modified.toISOString() },
    }));
    return [
      200,
      {
        data,
        next_page: offset + size < all.length ? `${listUrl}?page=${page + 1}&page_size=${size}` : null,
        page,
        page_size: size,
        previous_page: page > 1 ? `${listUrl}?page=${page - 1}&page_size=${size}` : null,
        total: all.length,
      },
    ];
  };

  // a file of object.files.data.gouv.fr: ETag, Last-Modified, 304 to a conditional GET
  const meteofranceFile = (req: IncomingMessage, res: ServerResponse, url: URL, log: (status: RequestLog['status'], fault?: FaultKind) => void, fault: FaultKind | undefined) => {
    const name = decodeURIComponent(url.pathname.slice(FAKE_METEOFRANCE_FILES_PATH.length));
    const f = published.get(name);
    if (!f) {
      log(404);
      res.writeHead(404, { 'content-type': 'application/xml' });
      return res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>');
    }
    const headers = { etag: f.etag, 'last-modified': f.modified.toUTCString() };
    const ims = req.headers['if-modified-since'];
    const notModified = req.headers['if-none-match'] !== undefined ? req.headers['if-none-match'] === f.etag : ims !== undefined && Date.parse(ims) >= f.modified.getTime();
    if (notModified) {
      log(304, fault);
      res.writeHead(304, headers);
      return res.end();
    }
    // truncated: a complete HTTP response whose gzip stream is cut (a file cut at the origin or by a proxy)
    const body = fault === 'truncated' ? f.bytes.subarray(0, Math.max(1, Math.floor(f.bytes.length / 2))) : fault === 'not-json' ? Buffer.from('<html><body>502 Bad Gateway</body></html>') : f.bytes;
    log(200, fault);
    const encoded = options.meteofrance?.contentEncodingGzip && name.endsWith('.gz') && !fault ? { 'content-encoding': 'gzip' } : {};
    res.writeHead(200, { 'content-type': fault === 'not-json' ? 'text/html' : 'application/gzip', 'content-length': body.length, ...headers, ...encoded });
    res.end(body);
  };

  const server: Server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  base = `http://${address.address}:${address.port}`;
  return {
    url: base,
    requests,
    inject: (f) => faults.push({ ...f, remaining: f.times ?? 1, skip: f.after ?? 0 }),
    publish,
    unpublish: (name) => void published.delete(name),
    setClock: (at) => (clock = at),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** a stable uuid-shaped id for a resource name */
function fakeUuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function shuffle<T>(xs: T[]): T[] {
  // deterministic: a fixed permutation (interleave from both ends), so a test reads the same order each run
  const out: T[] = [];
  for (let i = 0, j = xs.length - 1; i <= j; i++, j--) {
    out.push(xs[j]!);
    if (i !== j) out.push(xs[i]!);
  }
  return out;
}
