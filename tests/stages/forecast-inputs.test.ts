import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quarantine, riverDaily, weatherForecasts } from '../../functions/lib/datasets/index.ts';
import { deriveForecasts, forecastResponse } from '../../functions/lib/demo-climate/forecasts.ts';
import { plusDays } from '../../functions/lib/domain/time/holidays.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { startFakeSources, type Fault, type FakeSources } from '../../functions/local/fake-sources.ts';
import { readStationForecasts } from '../../functions/lib/stages/model-inputs.ts';
import { parseObsElab } from '../../functions/lib/stages/ingest-hubeau-daily.ts';
import { pollHubeauDaily, readDailyPollState, type PollHubeauDailyOptions } from '../../functions/lib/stages/poll-hubeau-daily.ts';
import { forecastStations, pollMeteoFranceForecast } from '../../functions/lib/stages/poll-meteofrance-forecast.ts';
import { tempLake } from '../support/lake.ts';

// The two new pollers against the local fakes of Hub'Eau obs_elab and of Météo-France's point forecast,
// with their faults: paging, 5xx, a run that fails mid-record and the next that resumes.

type Lake = Awaited<ReturnType<typeof tempLake>>;
const noSleep = { sleep: async () => {}, random: () => 0.5 };

/** obs_elab rows of one station as Hub'Eau v2 returns them: daily mean flow in l/s */
function dailyRows(station: string, from: string, n: number, flow: (i: number) => number) {
  return Array.from({ length: n }, (_, i) => ({
    code_site: station.slice(0, 8),
    code_station: station,
    date_obs_elab: plusDays(from, i),
    resultat_obs_elab: flow(i),
    date_prod: '2024-03-01T06:12:44Z',
    code_statut: 16,
    libelle_statut: 'Donnée validée',
    code_methode: 12,
    libelle_methode: 'Interpolée',
    code_qualification: 20,
    libelle_qualification: 'Bonne',
    longitude: 2.3655,
    latitude: 48.8446,
    grandeur_hydro_elab: 'QmnJ',
  }));
}

const FROM = '2020-01-01';
const DAYS = 400;
const UNTIL = plusDays(FROM, DAYS - 1);
const flow = (i: number) => 200_000 + 1000 * i;
// windows of 0.5 year (183 days), 50 rows a page: 4 pages a window
const WINDOW = 183;

describe('pollHubeauDaily() against a local Hub’Eau obs_elab', () => {
  let lake: Lake;
  let fake: FakeSources | undefined;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2024-03-01T12:00:00Z') });
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    await lake.cleanup();
  });
  const serve = async (daily: object[], faults: Fault[] = []) => (fake = await startFakeSources({ hubeau: { observations: [], daily }, faults }));
  const poll = (over: Partial<PollHubeauDailyOptions> = {}) =>
    pollHubeauDaily(lake, { baseUrl: fake!.url, gauges: ['F700000103'], since: FROM, until: UNTIL, windowYears: 0.5, pageSize: 50, http: noSleep, retry: { retries: 2, timeoutMs: 2000 }, ...over });
  const stored = async () => {
    await lake.lake.attach([riverDaily]);
    return (await lake.lake.all(`SELECT count(*)::INTEGER AS n, min(value) AS lo, max(value) AS hi, count(DISTINCT day)::INTEGER AS days FROM ${riverDaily.name}`)).rows[0]!;
  };

  it('pages through the record window by window, converting l/s to m³/s, and keeps where it stopped', async () => {
    await serve(dailyRows('F700000103', FROM, DAYS, flow));
    const s = await poll();
    expect(s.failed).toBe(0);
    // 400 days in windows of 183 days, 50 rows a page: 4 + 4 + 1 pages
    expect(s.pages).toBe(9);
    expect(s.curated).toBe(DAYS);
    expect(await stored()).toEqual({ n: DAYS, lo: 200, hi: 200 + (DAYS - 1), days: DAYS });
    const pages = fake!.requests.filter((r) => r.path.endsWith('/obs_elab')).map((r) => new URLSearchParams(r.query).get('page') ?? '1');
    expect(pages).toEqual(['1', '2', '3', '4', '1', '2', '3', '4', '1']);
    expect((await readDailyPollState(lake)).gauges['F700000103']).toMatchObject({ through: UNTIL, pending: null, lastStatus: 'ok' });
  });

  it('retries 5xx answers and loses nothing', async () => {
    await serve(dailyRows('F700000103', FROM, DAYS, flow), [{ target: 'obs-elab', kind: '503', times: 2, after: 3 }]);
    const s = await poll();
    expect(s.retries).toBe(2);
    expect((await stored())['n']).toBe(DAYS);
  });

  it('resumes a failed run at the page it stopped at: no gap, no page fetched twice', async () => {
    // the 6th request and all retries fail: the first window (4 pages) and one page of the second are stored
    await serve(dailyRows('F700000103', FROM, DAYS, flow), [{ target: 'obs-elab', kind: '500', times: 3, after: 5 }]);
    const first = await poll();
    expect(first.gauges[0]).toMatchObject({ status: 'failed', pages: 5, curated: WINDOW + 50 });
    const state = (await readDailyPollState(lake)).gauges['F700000103']!;
    expect(state.through).toBe(plusDays(FROM, WINDOW - 1));
    expect(state.pending?.next).toMatch(/page=2/);
    const second = await poll();
    expect(second.gauges[0]).toMatchObject({ status: 'ok', resumedFrom: 'page', pages: 4 });
    expect(await stored()).toMatchObject({ n: DAYS, days: DAYS });
    const ok = fake!.requests.filter((r) => r.status === 200 || r.status === 206).map((r) => r.query);
    expect(new Set(ok).size).toBe(ok.length);
  });

  it('asks again for the last days on the next run (revised means replace the old ones)', async () => {
    await serve(dailyRows('F700000103', FROM, DAYS, flow));
    await poll();
    await fake!.close();
    // the producer validated the last month: new values
    fake = await startFakeSources({ hubeau: { observations: [], daily: dailyRows('F700000103', FROM, DAYS, (i) => (i >= DAYS - 30 ? 999_000 : flow(i))) } });
    // a day later: the revised page is the most recently received
    const later = new Date(lake.now().getTime() + 86_400_000);
    const s = await pollHubeauDaily({ ...lake, now: () => later }, { baseUrl: fake.url, gauges: ['F700000103'], since: FROM, until: UNTIL, windowYears: 0.5, pageSize: 50, overlapDays: 60, http: noSleep });
    expect(s.curated).toBe(60);
    await lake.lake.attach([riverDaily]);
    const r = await lake.lake.all(`SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE value = 999)::INTEGER AS revised FROM ${riverDaily.name}`);
    expect(r.rows[0]).toEqual({ n: DAYS, revised: 30 });
  });

  it('quarantines a record with no real day or no number, naming the field, and keeps the rest', async () => {
    const rows: object[] = dailyRows('F700000103', FROM, 10, flow);
    rows.push({ ...rows[0]!, date_obs_elab: '2020-02-30' }, { ...rows[1]!, date_obs_elab: '2020-01-20', resultat_obs_elab: 'n/a' });
    await serve(rows);
    const s = await poll({ until: plusDays(FROM, 70) });
    expect(s, JSON.stringify(s)).toMatchObject({ curated: 10, quarantined: 2 });
    await lake.lake.attach([quarantine]);
    const q = await lake.lake.all(`SELECT field FROM ${quarantine.name} WHERE source_kind = 'hubeau-daily' ORDER BY field`);
    expect(q.rows.map((x) => x['field'])).toEqual(['date_obs_elab', 'resultat_obs_elab']);
  });

  it('refuses a window Hub’Eau would not serve in one query', async () => {
    await serve([]);
    await expect(poll({ windowYears: 60 })).rejects.toThrow(/20000 rows/);
  });
});

describe('pollMeteoFranceForecast() against a local forecast service', () => {
  let lake: Lake;
  let fake: FakeSources | undefined;
  afterEach(async () => {
    await fake?.close();
    await lake.cleanup();
  });

  it('stores each reference station’s forecast with its lead times, retries a 503, and a station the service does not know fails alone', async () => {
    lake = await tempLake({ now: new Date('2026-06-29T17:00:00Z') });
    const truth = { days: Array.from({ length: 8 }, (_, i) => plusDays('2026-06-25', i)), tn: [15, 16, 18, 21, 22, 23, 20, 18], tx: [25, 27, 30, 33, 35, 36, 31, 28] };
    const issue = deriveForecasts(truth, { seed: 1, station: '75114001' }).find((f) => f.issueDay === '2026-06-29')!;
    const stations = forecastStations();
    const points = new Map(stations.map((s, i) => [s, { lat: 48.8 + i / 10, lon: 2.3 + i / 10 }]));
    // the service knows all but the last station
    fake = await startFakeSources({
      forecast: { points: stations.slice(0, -1).map((s) => ({ ...points.get(s)!, body: forecastResponse({ ...points.get(s)!, name: s }, issue) })) },
      faults: [{ target: 'forecast', kind: '503', times: 1 }],
    });
    const s = await pollMeteoFranceForecast(lake, { baseUrl: fake.url, token: 'secret-token', points, http: noSleep, retry: { retries: 2, timeoutMs: 2000 } });
    expect(s.retries).toBe(1);
    expect(s.stations.map((x) => x.status)).toEqual([...stations.slice(0, -1).map(() => 'ok'), 'failed']);
    expect(s.curated).toBe((stations.length - 1) * 4);
    await lake.lake.attach([weatherForecasts]);
    const raw = await lake.lake.all(`SELECT DISTINCT raw_key FROM ${weatherForecasts.name}`);
    expect(raw.rows.length).toBe(stations.length - 1);
    // the token is never kept
    const keys = await listKeys(lake.store, 'raw/meteofrance-forecast/');
    expect(keys.length).toBe(stations.length - 1);
    for (const k of keys) expect(JSON.stringify((await lake.store.head(k.key))?.metadata)).not.toContain('secret-token');

    // and the forecasts reach the heat model's input: by issue day and lead, the served values
    const read = await readStationForecasts(lake, stations[0]!);
    const byLead = read!.forecasts.get('2026-06-29')!;
    expect([...byLead.keys()]).toEqual([0, 1, 2, 3]);
    expect(byLead.get(2)).toEqual({ tn: issue.daily[2]!.tn, tx: issue.daily[2]!.tx });
    expect(read!.sources).toEqual(['meteofrance']);
  });

  it('asks a station that failed every attempt again on the next run (no state to resume: each run asks every station), and its forecast arrives', async () => {
    lake = await tempLake({ now: new Date('2026-06-29T17:00:00Z') });
    const truth = { days: Array.from({ length: 8 }, (_, i) => plusDays('2026-06-25', i)), tn: [15, 16, 18, 21, 22, 23, 20, 18], tx: [25, 27, 30, 33, 35, 36, 31, 28] };
    const issue = deriveForecasts(truth, { seed: 2, station: '75114001' }).find((f) => f.issueDay === '2026-06-29')!;
    const stations = forecastStations();
    const points = new Map(stations.map((s, i) => [s, { lat: 48.8 + i / 10, lon: 2.3 + i / 10 }]));
    const first = stations[0]!;
    const served = { points: stations.map((s) => ({ ...points.get(s)!, body: forecastResponse({ ...points.get(s)!, name: s }, issue) })) };
    // the first station's three attempts all get a 502
    fake = await startFakeSources({ forecast: served, faults: [{ target: 'forecast', kind: '502', times: 3 }] });
    const failed = await pollMeteoFranceForecast(lake, { baseUrl: fake.url, token: 't', points, http: noSleep, retry: { retries: 2, timeoutMs: 2000 } });
    expect(failed.stations.map((x) => x.status)).toEqual(['failed', ...stations.slice(1).map(() => 'ok')]);
    expect(await readStationForecasts(lake, first)).toBeUndefined();
    await fake.close();
    fake = await startFakeSources({ forecast: served });
    const next = await pollMeteoFranceForecast(lake, { baseUrl: fake.url, token: 't', points, http: noSleep, retry: { retries: 2, timeoutMs: 2000 } });
    expect(next.failed).toBe(0);
    expect((await readStationForecasts(lake, first))!.forecasts.get('2026-06-29')!.get(1)).toEqual({ tn: issue.daily[1]!.tn, tx: issue.daily[1]!.tx });
    // the stations asked twice still read one forecast per issue day and lead
    expect([...(await readStationForecasts(lake, stations[1]!))!.forecasts.get('2026-06-29')!.keys()]).toEqual([0, 1, 2, 3]);
  });
});

describe('parseObsElab()', () => {
  it('reads API v2 (QmnJ) and v1 (QmJ) daily means, and rejects a monthly mean by name', () => {
    const [a, b] = dailyRows('F700000103', FROM, 2, flow);
    const page = parseObsElab(JSON.stringify({ count: 3, first: null, prev: null, next: 'http://x/obs_elab?page=2', api_version: '2.0.1', data: [a, { ...b, grandeur_hydro_elab: 'QmJ' }, { ...b, grandeur_hydro_elab: 'QmM' }] }));
    expect(page.rows.map((r) => [r.row.quantity, r.row.value, r.row.day])).toEqual([['QmnJ', 200, FROM], ['QmJ', 201, plusDays(FROM, 1)]]);
    expect(page.rejections).toMatchObject([{ record: '2', field: 'grandeur_hydro_elab', found: expect.stringContaining('QmM') as unknown }]);
    expect(page.next).toBe('http://x/obs_elab?page=2');
    expect(() => parseObsElab('{"message":"Paramètre invalide"}')).toThrow(/the API said: Paramètre invalide/);
  });
});
