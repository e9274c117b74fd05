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

/** the routes of the fake, by path, and the fault target each one is */
const ROUTES: readonly (readonly [(path: string) => boolean, Exclude<FaultTarget, 'any'>])[] = [
  [(p) => p === OBSERVATIONS, 'observations'],
  [(p) => p === OBS_ELAB, 'obs-elab'],
  [(p) => p === FAKE_FORECAST_PATH, 'forecast'],
  [(p) => p === STATIONS, 'stations'],
  [(p) => VIGICRUES.includes(p), 'vigicrues'],
  [(p) => DATAGOUV_RESOURCES.test(p), 'datagouv'],
  [(p) => p.startsWith(FAKE_METEOFRANCE_FILES_PATH), 'meteofrance'],
];

const BAD_GATEWAY_PAGE = '<html><body>502 Bad Gateway</body></html>';

type Log = (status: RequestLog['status'], fault?: FaultKind) => void;
type Answer = [status: number, body: unknown];
interface PublishedFile {
  readonly bytes: Uint8Array;
  readonly modified: Date;
  readonly etag: string;
  readonly id: string;
  readonly created: Date;
}

const activeFault = (f: Fault): ActiveFault => ({ ...f, remaining: f.times ?? 1, skip: f.after ?? 0 });

/** the cursor-paged page of `selected` the URL asks (Hub'Eau's observations_tr) */
interface CursorPage {
  readonly offset: number;
  /** the offset of the next page, null on the last; set for the page a duplicated cursor serves again */
  readonly forcedNext?: number | null;
}

/** the fake's state and its answers, route by route */
class FakeSourceServer {
  readonly faults: ActiveFault[];
  readonly requests: RequestLog[] = [];
  readonly published = new Map<string, PublishedFile>();
  readonly sockets = new Set<Socket>();
  readonly held = new Set<ServerResponse>();
  clock: Date | undefined;
  base = '';
  // duplicate-page: a next cursor that serves the same page again, then carries on
  private readonly duplicates = new Map<string, { offset: number; next: number | null }>();

  constructor(private readonly options: FakeSourcesOptions) {
    this.faults = (options.faults ?? []).map(activeFault);
    for (const f of options.meteofrance?.files ?? []) this.publish(f);
  }

  publish(f: MeteoFranceFile): void {
    const sha = createHash('sha256').update(f.bytes).digest('hex');
    // HTTP dates have whole seconds
    const modified = new Date(Math.floor((f.modified ?? new Date()).getTime() / 1000) * 1000);
    const before = this.published.get(f.name);
    this.published.set(f.name, { bytes: f.bytes, modified, etag: `"${sha.slice(0, 32)}"`, id: before?.id ?? fakeUuid(f.name), created: before?.created ?? modified });
  }

  private takeFault(target: FaultTarget, url: URL): ActiveFault | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0 || (f.target !== target && f.target !== 'any') || (f.match && !f.match(url))) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      f.remaining--;
      return f;
    }
    return undefined;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.base);
    const target = ROUTES.find(([matches]) => matches(url.pathname))?.[1];
    const log: Log = (status, fault) => this.requests.push({ path: url.pathname, query: url.search, status, ...(fault ? { fault } : {}) });
    if (req.method !== 'GET' || !target) {
      log(404);
      return json(res, 404, { code: 404, message: `no route ${req.method} ${url.pathname}` });
    }
    const fault = this.takeFault(target, url);
    if (fault && this.misbehave(fault, req, res, log)) return;
    if (target === 'meteofrance') return this.meteofranceFile(req, res, url, log, fault?.kind);
    this.answer(target, url, res, log, fault?.kind);
  }

  /** answers a fault that replaces the response (a status, a timeout, a reset connection); false for the others */
  private misbehave(fault: ActiveFault, req: IncomingMessage, res: ServerResponse, log: Log): boolean {
    if (/^\d+$/.test(fault.kind)) {
      log(Number(fault.kind), fault.kind);
      json(res, Number(fault.kind), { code: Number(fault.kind), message: 'injected fault' }, fault.kind === '429' ? { 'retry-after': '0' } : {});
      return true;
    }
    if (fault.kind === 'timeout') {
      log('timeout', 'timeout');
      this.held.add(res);
      return true; // never answers; closed with the server
    }
    if (fault.kind === 'reset') {
      log('reset', 'reset');
      req.socket.destroy();
      return true;
    }
    return false;
  }

  /** a JSON API's answer (Vigicrues' text as it is), cut or replaced by a truncated or not-json fault */
  private answer(target: Exclude<FaultTarget, 'any' | 'meteofrance'>, url: URL, res: ServerResponse, log: Log, fault: FaultKind | undefined): void {
    let status: number;
    let text: string;
    try {
      const [s, body] = this.route(target, url, fault);
      status = s;
      text = typeof body === 'string' && target === 'vigicrues' ? body : JSON.stringify(body);
    } catch (e) {
      log(400);
      return json(res, 400, { code: 400, message: (e as Error).message });
    }
    if (fault === 'truncated') text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    if (fault === 'not-json') text = BAD_GATEWAY_PAGE;
    log(status, fault);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private route(target: Exclude<FaultTarget, 'any' | 'meteofrance'>, url: URL, fault: FaultKind | undefined): Answer {
    switch (target) {
      case 'observations':
        return this.observations(url, fault === 'duplicate-page');
      case 'stations':
        return this.stations(url);
      case 'obs-elab':
        return this.obsElab(url);
      case 'forecast':
        return this.forecast(url);
      case 'datagouv':
        return this.resources(url);
      case 'vigicrues':
        return this.vigicrues();
    }
  }

  /** the observations_tr rows the query selects, in the order asked (or the source's misbehaving one) */
  private selectedObservations(url: URL): Record<string, unknown>[] {
    const rows = (this.options.hubeau?.observations ?? []) as readonly Record<string, unknown>[];
    const entity = url.searchParams.get('code_entite');
    if (!entity) throw new Error('code_entite is required');
    const quantities = (url.searchParams.get('grandeur_hydro') ?? 'H,Q').split(',');
    const from = url.searchParams.get('date_debut_obs');
    const to = url.searchParams.get('date_fin_obs');
    const fromMs = from ? Date.parse(from) : -Infinity;
    const toMs = to ? Date.parse(to) : Infinity;
    const selected = rows
      .filter((r) => {
        const byEntity = r.code_station === entity || r.code_site === entity;
        const t = Date.parse(String(r.date_obs));
        return byEntity && quantities.includes(String(r.grandeur_hydro)) && t >= fromMs && t <= toMs;
      })
      .sort((a, b) => Date.parse(String(a.date_obs)) - Date.parse(String(b.date_obs)) || String(a.code_station).localeCompare(String(b.code_station)));
    const order = this.options.hubeau?.order ?? (url.searchParams.get('sort') === 'asc' ? 'asc' : 'desc');
    if (order === 'desc') selected.reverse();
    return order === 'shuffled' ? shuffle(selected) : selected;
  }

  /** where the cursor of the URL points (a duplicated cursor serves its page again) */
  private cursorPage(url: URL): CursorPage {
    const cursor = url.searchParams.get('cursor') ?? '';
    if (!cursor) return { offset: 0 };
    const dup = this.duplicates.get(cursor);
    if (dup) return { offset: dup.offset, forcedNext: dup.next };
    const offset = decodeCursor(cursor);
    if (offset === undefined) throw new Error(`invalid cursor ${cursor}`);
    return { offset };
  }

  private observations(url: URL, duplicateNext: boolean): Answer {
    const size = Math.min(Number(url.searchParams.get('size') ?? 1000), 20_000);
    if (!(size >= 1)) throw new Error('size must be a positive integer');
    const selected = this.selectedObservations(url);
    const { offset, forcedNext } = this.cursorPage(url);
    const data = selected.slice(offset, offset + size);
    const nextOffset: number | null = forcedNext !== undefined ? forcedNext : offset + size < selected.length ? offset + size : null;
    const pageUrl = (c: string) => withParams(url, { cursor: c, size: String(size) });
    let next = nextOffset === null ? null : pageUrl(encodeCursor(nextOffset));
    if (duplicateNext && nextOffset !== null) {
      // the next link serves this page again before the real next one
      const c = `dup-${this.duplicates.size}-${encodeCursor(offset)}`;
      this.duplicates.set(c, { offset, next: nextOffset });
      next = pageUrl(c);
    }
    return [next ? 206 : 200, { count: selected.length, first: pageUrl(''), prev: null, next, api_version: FAKE_API_VERSION, data }];
  }

  // obs_elab: page-number paging (HTTP 206 while a next page exists); page × size beyond 20 000 rows is refused
  private obsElab(url: URL): Answer {
    const entity = url.searchParams.get('code_entite');
    if (!entity) throw new Error('code_entite is required');
    const quantities = (url.searchParams.get('grandeur_hydro_elab') ?? 'QmnJ,QmM').split(',');
    const from = url.searchParams.get('date_debut_obs_elab') ?? '0000-01-01';
    const to = url.searchParams.get('date_fin_obs_elab') ?? '9999-12-31';
    const size = Number(url.searchParams.get('size') ?? 5000);
    const page = Number(url.searchParams.get('page') ?? 1);
    if (!(Number.isInteger(size) && size >= 1 && size <= 20_000) || !(Number.isInteger(page) && page >= 1)) throw new Error('page and size must be positive integers, size ≤ 20000');
    if (page * size > 20_000) return [400, { code: 400, message: 'La profondeur de pagination (page * size) ne doit pas dépasser 20000' }];
    const selected = ((this.options.hubeau?.daily ?? []) as readonly Record<string, unknown>[])
      .filter((r) => (r.code_station === entity || r.code_site === entity) && quantities.includes(String(r.grandeur_hydro_elab)))
      .filter((r) => String(r.date_obs_elab).slice(0, 10) >= from && String(r.date_obs_elab).slice(0, 10) <= to)
      .sort((a, b) => String(a.date_obs_elab).localeCompare(String(b.date_obs_elab)));
    const data = selected.slice((page - 1) * size, page * size);
    const pageUrl = (p: number) => withParams(url, { page: String(p), size: String(size) });
    const last = Math.max(1, Math.ceil(selected.length / size));
    const next = page < last ? pageUrl(page + 1) : null;
    return [next ? 206 : 200, { count: selected.length, first: pageUrl(1), last: pageUrl(last), prev: page > 1 ? pageUrl(page - 1) : null, next, api_version: FAKE_API_VERSION, data }];
  }

  // the point forecast: a token is required (401 without), the point nearest lat/lon
  private forecast(url: URL): Answer {
    if (!url.searchParams.get('token')) return [401, { code: 401, message: 'token required' }];
    const lat = Number(url.searchParams.get('lat'));
    const lon = Number(url.searchParams.get('lon'));
    const point = (this.options.forecast?.points ?? []).find((p) => Math.abs(p.lat - lat) <= 0.01 && Math.abs(p.lon - lon) <= 0.01);
    if (!point) throw new Error(`no forecast at lat=${lat} lon=${lon}`);
    return [200, point.body];
  }

  private stations(url: URL): Answer {
    const codes = (url.searchParams.get('code_station') ?? '').split(',').filter(Boolean);
    const all = (this.options.hubeau?.stations ?? []) as readonly Record<string, unknown>[];
    const data = codes.length ? all.filter((s) => codes.includes(String(s.code_station))) : all;
    return [200, { count: data.length, first: url.toString(), last: null, prev: null, next: null, api_version: FAKE_API_VERSION, data }];
  }

  /** the bulletin current at the clock (the latest without one), its text as given */
  private vigicrues(): [number, string] {
    const list = [...(this.options.vigicrues?.bulletins ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime());
    const clock = this.clock;
    const current = clock ? list.filter((b) => b.at.getTime() <= clock.getTime()).at(-1) : list.at(-1);
    if (!current) throw new Error('no bulletin at this time');
    return [200, current.body];
  }

  // data.gouv.fr API v2 GET /datasets/<dataset>/resources/?page=&page_size= (udata: next_page while more remain)
  private resources(url: URL): Answer {
    const dataset = decodeURIComponent(DATAGOUV_RESOURCES.exec(url.pathname)?.[1] ?? '');
    if (dataset !== FAKE_METEOFRANCE_DATASET.slug && dataset !== FAKE_METEOFRANCE_DATASET.id) return [404, { message: `Dataset ${dataset} not found`, status: 404 }];
    const page = Number(url.searchParams.get('page') ?? 1);
    const asked = Number(url.searchParams.get('page_size') ?? 50);
    if (!(Number.isInteger(page) && page >= 1) || !(Number.isInteger(asked) && asked >= 1)) throw new Error('page and page_size must be positive integers');
    const size = Math.min(asked, this.options.meteofrance?.maxPageSize ?? 50);
    const all = [...this.published.entries()];
    const offset = (page - 1) * size;
    const listUrl = `${this.base}/api/2/datasets/${FAKE_METEOFRANCE_DATASET.id}/resources/`;
    return [
      200,
      {
        data: all.slice(offset, offset + size).map(([name, f]) => this.resource(name, f)),
        next_page: offset + size < all.length ? `${listUrl}?page=${page + 1}&page_size=${size}` : null,
        page,
        page_size: size,
        previous_page: page > 1 ? `${listUrl}?page=${page - 1}&page_size=${size}` : null,
        total: all.length,
      },
    ];
  }

  /** a published file as data.gouv.fr lists a resource */
  private resource(name: string, f: PublishedFile): Record<string, unknown> {
    return {
      id: f.id,
      title: name,
      description: null,
      filetype: 'remote',
      type: 'main',
      format: name.endsWith('.csv.gz') ? 'csv.gz' : (name.split('.').pop() ?? ''),
      url: `${this.base}${FAKE_METEOFRANCE_FILES_PATH}${name}`,
      latest: `${this.base}/api/1/datasets/r/${f.id}`,
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
    };
  }

  // a file of object.files.data.gouv.fr: ETag, Last-Modified, 304 to a conditional GET
  private meteofranceFile(req: IncomingMessage, res: ServerResponse, url: URL, log: Log, fault: FaultKind | undefined): void {
    const name = decodeURIComponent(url.pathname.slice(FAKE_METEOFRANCE_FILES_PATH.length));
    const f = this.published.get(name);
    if (!f) {
      log(404);
      res.writeHead(404, { 'content-type': 'application/xml' });
      return void res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>');
    }
    const headers = { etag: f.etag, 'last-modified': f.modified.toUTCString() };
    const ims = req.headers['if-modified-since'];
    const notModified = req.headers['if-none-match'] !== undefined ? req.headers['if-none-match'] === f.etag : ims !== undefined && Date.parse(ims) >= f.modified.getTime();
    if (notModified) {
      log(304, fault);
      res.writeHead(304, headers);
      return void res.end();
    }
    // truncated: a complete HTTP response whose gzip stream is cut (a file cut at the origin or by a proxy)
    const body = fault === 'truncated' ? f.bytes.subarray(0, Math.max(1, Math.floor(f.bytes.length / 2))) : fault === 'not-json' ? Buffer.from(BAD_GATEWAY_PAGE) : f.bytes;
    log(200, fault);
    const encoded = this.options.meteofrance?.contentEncodingGzip && name.endsWith('.gz') && !fault ? { 'content-encoding': 'gzip' } : {};
    res.writeHead(200, { 'content-type': fault === 'not-json' ? 'text/html' : 'application/gzip', 'content-length': body.length, ...headers, ...encoded });
    res.end(body);
  }
}

/** the URL with these search parameters set */
function withParams(url: URL, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

export async function startFakeSources(options: FakeSourcesOptions = {}): Promise<FakeSources> {
  const fake = new FakeSourceServer(options);
  const server: Server = createServer((req, res) => fake.handle(req, res));
  server.on('connection', (s) => {
    fake.sockets.add(s);
    s.on('close', () => fake.sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  fake.base = `http://${address.address}:${address.port}`;
  return {
    url: fake.base,
    requests: fake.requests,
    inject: (f) => fake.faults.push(activeFault(f)),
    publish: (f) => fake.publish(f),
    unpublish: (name) => void fake.published.delete(name),
    setClock: (at) => (fake.clock = at),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of fake.held) r.destroy();
        for (const s of fake.sockets) s.destroy();
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
    out.push(...xs.slice(j, j + 1));
    if (i !== j) out.push(...xs.slice(i, i + 1));
  }
  return out;
}
