import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local imitation of the Hub'Eau hydrométrie API v2 and of Vigicrues, serving given rows in exactly
// the real response shapes — cursor paging (HTTP 206 while a next page exists, 200 on the last), the
// envelope {count, first, prev, next, api_version, data} — and, on request, faults: 5xx, 429 with
// Retry-After, timeouts, reset connections, truncated JSON, a page served twice, rows out of order.
// `npm start` and the tests drive the real pollers against it on a loopback port.

export const FAKE_API_VERSION = '2.0.1';
const OBSERVATIONS = '/api/v2/hydrometrie/observations_tr';
const STATIONS = '/api/v2/hydrometrie/referentiel/stations';
const VIGICRUES = ['/services/1/InfoVigiCru.geojson', '/services/InfoVigiCru.geojson', '/services/1/InfoVigiCru.json'];

/** an HTTP status to answer with, or a misbehaviour */
export type FaultKind = '400' | '404' | '410' | '429' | '500' | '502' | '503' | 'timeout' | 'reset' | 'truncated' | 'duplicate-page' | 'not-json';
export type FaultTarget = 'observations' | 'stations' | 'vigicrues' | 'any';

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
  /** the server ignores `sort` and returns rows in this order (a misbehaving API); default: honours sort */
  readonly order?: 'desc' | 'shuffled';
}

export interface VigicruesSource {
  /** the bulletins by time; the one served is the latest at or before the server's clock */
  readonly bulletins: readonly { readonly at: Date; readonly body: string }[];
}

export interface FakeSourcesOptions {
  readonly hubeau?: HubeauSource;
  readonly vigicrues?: VigicruesSource;
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
  /** http://127.0.0.1:<port> — the base URL of both APIs */
  readonly url: string;
  readonly requests: RequestLog[];
  inject(fault: Fault): void;
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
    const target: FaultTarget | undefined = url.pathname === OBSERVATIONS ? 'observations' : url.pathname === STATIONS ? 'stations' : VIGICRUES.includes(url.pathname) ? 'vigicrues' : undefined;
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
    let status: number;
    let body: unknown;
    let text: string | undefined;
    try {
      if (target === 'observations') [status, body] = observations(url, fault?.kind === 'duplicate-page');
      else if (target === 'stations') [status, body] = stations(url);
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
    setClock: (at) => (clock = at),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
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
