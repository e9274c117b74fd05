import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { backoffDelay, getWithRetry, HttpError, retryAfterMs } from '../../functions/lib/http/fetch.ts';
import { startFakeSources, type Fault, type FakeSources, type HubeauSource } from '../../functions/local/fake-sources.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { pollHubeau, readPollState, type PollHubeauOptions } from '../../functions/lib/stages/poll-hubeau.ts';
import { defined } from '../support/defined.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

const T0 = Date.parse('2026-01-20T00:00:00Z');
const STEP = 15 * 60_000;

/** Hub'Eau observations_tr rows: `n` steps of one series */
function series(site: string, station: string | null, quantity: 'H' | 'Q', n: number, value: (i: number) => number, from = 0) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      code_site: site,
      code_station: station,
      grandeur_hydro: quantity,
      date_debut_serie: '2026-01-01T00:00:00Z',
      date_fin_serie: '2026-02-01T00:00:00Z',
      code_systeme_alti_serie: 31,
      date_obs: new Date(T0 + i * STEP).toISOString().replace('.000Z', 'Z'),
      resultat_obs: value(i),
      code_methode_obs: 0,
      libelle_methode_obs: 'Mesurée',
      code_qualification_obs: 16,
      libelle_qualification_obs: 'Non qualifiée',
      longitude: 2.3655,
      latitude: 48.8446,
      code_statut: 4,
      libelle_statut: 'Donnée brute',
      code_continuite: 0,
      libelle_continuite: 'Continue',
    };
  });
}

const austerlitzH = (n: number, from = 0) => series('F7000001', 'F700000103', 'H', n, (i) => 3000 + i, from);
const ENTITY_H = [{ code_entite: 'F700000103', quantities: ['H' as const] }];

const noSleep = { sleep: async () => {}, random: () => 0.5 };

// the pollHubeau() describes: a fresh lake for each test, and the fake Hub'Eau it served closed after it
let lake: Lake;
let fake: FakeSources | undefined;
function freshLakeForEachPoll(): void {
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-01-21T12:00:00Z') });
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    await lake.cleanup();
  });
}

const serve = async (source: HubeauSource, faults: Fault[] = []) => (fake = await startFakeSources({ hubeau: source, faults }));
/** the fake Hub'Eau serve() started */
const served = () => defined(fake, 'a fake Hub’Eau started by serve()');
const poll = (over: Partial<PollHubeauOptions> = {}) =>
  pollHubeau(lake, { baseUrl: served().url, entities: ENTITY_H, since: new Date(T0), pageSize: 10, referential: 'never', http: noSleep, retry: { retries: 3, timeoutMs: 2000 }, ...over });
const query = async (sql: string) => {
  await lake.lake.attach(DATASETS);
  return (await lake.lake.all(sql)).rows;
};
/** every row of every curated Parquet file, duplicates included */
const physical = async () => {
  const keys = (await listKeys(lake.store, 'curated/river_observations/')).map((o) => defined(lake.store.localPath?.(o.key), `a local path for ${o.key}`));
  if (!keys.length) return 0;
  return Number(defined((await lake.lake.all(`SELECT count(*) AS n FROM read_parquet([${keys.map((k) => `'${k}'`).join(', ')}])`)).rows[0], 'a row count').n);
};
const observationRequests = () => served().requests.filter((r) => r.path.endsWith('/observations_tr'));

describe('pollHubeau(): cursor pages and the watermark', () => {
  freshLakeForEachPoll();

  it('follows the cursor pages (206 … 206, 200), stores each page raw, curates every row once, and sets the watermark', async () => {
    await serve({ observations: austerlitzH(35) });
    const s = await poll();
    expect(s.series[0]).toMatchObject({ series: 'F700000103/H', status: 'ok', resumedFrom: 'start', pages: 4, records: 35, curated: 35, quarantined: 0, duplicates: 0 });
    expect(observationRequests().map((r) => r.status)).toEqual([206, 206, 206, 200]);
    expect(observationRequests().slice(1).every((r) => /cursor=[^&]+/.test(r.query))).toBe(true);
    // each page as received, under raw/hubeau/
    const raw = await listKeys(lake.store, 'raw/hubeau/');
    expect(raw).toHaveLength(4);
    const sizes = await Promise.all(raw.map(async (o) => (JSON.parse((await lake.store.get(o.key)).toString()) as { data: unknown[] }).data.length));
    expect(sizes.sort()).toEqual([10, 10, 10, 5]);
    expect(await query('SELECT count(*)::INT AS n, min(value) AS lo, max(value) AS hi FROM river_observations')).toEqual([{ n: 35, lo: 3, hi: 3.034 }]);
    expect((await readPollState(lake)).series['F700000103/H']).toMatchObject({ watermark: new Date(T0 + 34 * STEP).toISOString(), pending: null, lastStatus: 'ok' });
  });

  it('the next run asks from the watermark and fetches only what is new', async () => {
    const rows = austerlitzH(12);
    await serve({ observations: rows });
    await poll();
    const again = await poll();
    expect(again.series[0]).toMatchObject({ status: 'empty', resumedFrom: 'watermark', pages: 1, records: 0 });
    const since = new URLSearchParams(defined(observationRequests().at(-1), 'an observations request').query).get('date_debut_obs');
    expect(since).toBe(new Date(T0 + 11 * STEP + 1000).toISOString().replace('.000Z', 'Z'));
    rows.push(...austerlitzH(3, 12));
    const third = await poll();
    expect(third.series[0]).toMatchObject({ status: 'ok', records: 3, curated: 3 });
    expect(await physical()).toBe(15);
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 15 }]);
  });
});

describe('pollHubeau(): a source that fails: retries, truncated pages, runs cut short, refused cursors', () => {
  freshLakeForEachPoll();

  it('retries 503, 429, timeouts and reset connections with backoff, then gets every page', async () => {
    await serve({ observations: austerlitzH(25) }, [
      { target: 'observations', kind: '503', times: 1 },
      { target: 'observations', kind: '429', times: 1, after: 1 },
      { target: 'observations', kind: 'timeout', times: 1, after: 1 },
      { target: 'observations', kind: 'reset', times: 1, after: 1 },
    ]);
    const delays: number[] = [];
    const s = await poll({ http: { sleep: (ms) => Promise.resolve(void delays.push(ms)), random: () => 0.5 }, retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 300 } });
    expect(s.series[0]).toMatchObject({ status: 'ok', records: 25, curated: 25 });
    expect(s.retries).toBe(4);
    expect(delays).toHaveLength(4);
    expect(delays.every((d) => d >= 0 && d <= 1000)).toBe(true);
    expect(observationRequests().map((r) => r.fault ?? r.status)).toEqual(['503', 206, '429', 'timeout', 'reset', 206, 200]);
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 25 }]);
  });

  it('a truncated JSON page is kept in raw/, quarantined, and fetched again: no gap', async () => {
    await serve({ observations: austerlitzH(25) }, [{ target: 'observations', kind: 'truncated', after: 1 }]);
    const s = await poll();
    expect(s.series[0]).toMatchObject({ status: 'ok', pages: 3, records: 25, curated: 25, quarantined: 0, unreadablePages: 1 });
    expect(s.retries).toBe(1);
    expect(await listKeys(lake.store, 'raw/hubeau/')).toHaveLength(4);
    expect(await query("SELECT record, reason FROM quarantine")).toEqual([{ record: 'file', reason: expect.stringContaining('not JSON') as unknown }]);
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 25 }]);
  });

  it('a run that fails mid-way keeps its cursor; the next run resumes there, without gaps or duplicates', async () => {
    await serve({ observations: austerlitzH(45) }, [{ target: 'observations', kind: '503', times: 4, after: 2 }]);
    const failed = await poll();
    expect(failed.series[0]).toMatchObject({ status: 'failed', pages: 2, records: 20, watermark: null });
    expect(defined(failed.series[0], 'a polled series').error).toContain('gave up after 4 attempts; last: HTTP 503');
    const state = defined((await readPollState(lake)).series['F700000103/H'], 'the poll state of F700000103/H');
    expect(state).toMatchObject({ watermark: null, lastStatus: 'failed', pending: { maxTs: new Date(T0 + 19 * STEP).toISOString() } });
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 20 }]);

    const before = observationRequests().length;
    const resumed = await poll();
    expect(resumed.series[0]).toMatchObject({ status: 'ok', resumedFrom: 'cursor', pages: 3, records: 25, watermark: new Date(T0 + 44 * STEP).toISOString() });
    expect(defined(observationRequests()[before], 'the resumed run\'s first request').query).toContain('cursor=');
    expect(await query('SELECT count(*)::INT AS n, count(DISTINCT ts)::INT AS d FROM river_observations')).toEqual([{ n: 45, d: 45 }]);
    expect(await physical()).toBe(45);
  });

  it('a saved cursor the API refuses restarts the pass from the watermark; pages fetched again change nothing', async () => {
    await serve({ observations: austerlitzH(30) }, [{ target: 'observations', kind: '503', times: 4, after: 1 }]);
    await poll();
    served().inject({ target: 'observations', kind: '410', times: 1 });
    const s = await poll();
    expect(s.series[0]).toMatchObject({ status: 'ok', resumedFrom: 'start', records: 30 });
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 30 }]);
    // the first page came back with the same bytes: same raw key, same curated file
    expect(await physical()).toBe(30);
  });

  it('counts a page served twice as duplicates and curates its rows once', async () => {
    await serve({ observations: austerlitzH(30) }, [{ target: 'observations', kind: 'duplicate-page', after: 1 }]);
    const s = await poll();
    expect(s.series[0]).toMatchObject({ status: 'ok', pages: 4, records: 40, curated: 40, duplicates: 10 });
    expect(await query('SELECT count(*)::INT AS n, count(DISTINCT ts)::INT AS d FROM river_observations')).toEqual([{ n: 30, d: 30 }]);
  });
});

describe('pollHubeau(): the rows as they come: out of order, missing, malformed, in other units, by site', () => {
  freshLakeForEachPoll();

  it('rows out of order: the watermark is the latest time of a complete pass, never of a partial one', async () => {
    await serve({ observations: austerlitzH(30), order: 'shuffled' }, [{ target: 'observations', kind: '500', times: 4, after: 2 }]);
    const failed = await poll();
    expect(failed.series[0]).toMatchObject({ status: 'failed', watermark: null });
    const ok = await poll();
    expect(ok.series[0]).toMatchObject({ status: 'ok', watermark: new Date(T0 + 29 * STEP).toISOString() });
    expect(await query('SELECT count(*)::INT AS n FROM river_observations')).toEqual([{ n: 30 }]);
  });

  it('a station that returns nothing leaves its watermark alone; the others go on', async () => {
    await serve({ observations: austerlitzH(5) });
    const s = await poll({ entities: [{ code_entite: 'F664000104', quantities: ['H'] }, ...ENTITY_H] });
    expect(s.series.map((r) => [r.series, r.status, r.pages, r.records, r.watermark])).toEqual([
      ['F664000104/H', 'empty', 1, 0, null],
      ['F700000103/H', 'ok', 1, 5, new Date(T0 + 4 * STEP).toISOString()],
    ]);
  });

  it('quarantines malformed rows naming the field; every row is curated or quarantined', async () => {
    const rows: Record<string, unknown>[] = austerlitzH(6);
    rows[1] = { ...rows[1], grandeur_hydro: 'Z', date_obs: new Date(T0 + 100 * STEP).toISOString() };
    rows[2] = { ...rows[2], resultat_obs: 'n/a' };
    rows[3] = { ...rows[3], resultat_obs: 50_000_000 }; // 50 km: the unit is wrong
    await serve({ observations: rows });
    const s = await poll({ entities: [{ code_entite: 'F700000103', quantities: ['H', 'Z' as 'H'] }] });
    const total = s.series.reduce((t, r) => t + r.records, 0);
    expect(total).toBe(s.curated + s.quarantined);
    expect(s.curated).toBe(3);
    const q = await query('SELECT field, reason FROM quarantine ORDER BY field');
    expect(q.map((r) => r.field)).toEqual(['grandeur_hydro', 'resultat_obs', 'value']);
    expect(String(defined(q[2], 'a third quarantined row').reason)).toContain('unit');
  });

  it('converts units once: a 10 m Seine arrives as 10 000 mm, 2 400 m³/s as 2 400 000 l/s', async () => {
    await serve({ observations: [...series('F7000001', 'F700000103', 'H', 1, () => 10_000), ...series('F7000001', 'F700000103', 'Q', 1, () => 2_400_000)] });
    await poll({ entities: [{ code_entite: 'F700000103', quantities: ['H', 'Q'] }] });
    expect(await query('SELECT quantity, value FROM river_observations ORDER BY quantity')).toEqual([
      { quantity: 'H', value: 10 },
      { quantity: 'Q', value: 2400 },
    ]);
  });

  it('polling a site returns its stations and the site-level series (code_station null): both curated, neither merged', async () => {
    await serve({ observations: [...series('F7000001', 'F700000103', 'Q', 4, () => 1_500_000), ...series('F7000001', null, 'Q', 4, () => 1_500_000)] });
    const s = await poll({ entities: [{ code_entite: 'F7000001', quantities: ['Q'] }] });
    expect(s).toMatchObject({ records: 8, curated: 8, quarantined: 0, duplicates: 0 });
    expect(await query('SELECT station_code, count(*)::INT AS n FROM river_observations GROUP BY ALL ORDER BY station_code NULLS LAST')).toEqual([
      { station_code: 'F700000103', n: 4 },
      { station_code: null, n: 4 },
    ]);
  });

  it('fetches the station referential once a week', async () => {
    const stations = [{ code_station: 'F700000103', code_site: 'F7000001', libelle_station: 'La Seine à Paris - Austerlitz', longitude_station: 2.3655, latitude_station: 48.8446, code_commune_station: '75056', en_service: true }];
    await serve({ observations: [], stations });
    const first = await poll({ referential: 'auto' });
    expect(first.referential).toEqual({ stations: 1, quarantined: 0 });
    const second = await poll({ referential: 'auto' });
    expect(second.referential).toEqual({ skipped: expect.stringContaining('fetched at') as unknown });
    expect(await query('SELECT station_code, label, commune_insee FROM river_stations')).toEqual([{ station_code: 'F700000103', label: 'La Seine à Paris - Austerlitz', commune_insee: '75056' }]);
  });
});

describe('getWithRetry()', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Thu, 26 Nov 2026 12:00:10 GMT', Date.parse('2026-11-26T12:00:00Z'))).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('does not retry a 404, and gives up after the retries on a 503 with the last status', async () => {
    const fake = await startFakeSources({ faults: [{ target: 'vigicrues', kind: '503', times: 10 }] });
    try {
      await expect(getWithRetry(`${fake.url}/nowhere`, { deps: noSleep })).rejects.toMatchObject({ status: 404, attempts: 1, retryable: false });
      const err = await getWithRetry(`${fake.url}/services/1/InfoVigiCru.geojson`, { deps: noSleep, policy: { retries: 2 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toMatchObject({ status: 503, attempts: 3, retryable: true });
    } finally {
      await fake.close();
    }
  });
});
