import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { METROPOLE_DEPARTEMENTS } from '../../functions/lib/domain/heat/thresholds.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { MAX_DAYS_PER_WRITE } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { BASIN_RAIN_DEPARTEMENTS, isMetropoleDepartement } from '../../functions/lib/domain/heat/basin-rain-stations.ts';
import { BASIN_RAIN_STATION_IDS, BASIN_RAIN_STATIONS, rainColumn } from '../../functions/lib/models/river/basin-rain.ts';
import { basinRain } from '../../functions/lib/models/river/features.ts';
import type { RegularSeries } from '../../functions/lib/models/river/series.ts';
import { heatIndicators } from '../../functions/lib/stages/heat-indicators.ts';
import { withBasinRain } from '../../functions/lib/stages/model-inputs.ts';
import { defined } from '../support/defined.ts';
import { POLLED_DEPARTEMENTS, pollMeteoFrance, readMeteoFranceState, selectDailyFiles, type PollMeteoFranceOptions } from '../../functions/lib/stages/poll-meteofrance.ts';
import { FAKE_METEOFRANCE_FILES_PATH, startFakeSources, type FakeSources, type Fault, type MeteoFranceFile } from '../../functions/local/fake-sources.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

const NOW = new Date('2026-11-26T12:00:00Z');
const header = (await readFile(new URL('../fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv', import.meta.url), 'utf8')).trim();
const columns = header.split(';');

const dayAfter = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/** the station of a département in these tests: 75114001 (Paris-Montsouris), 92001001, … */
const stationOf = (dep: string) => (dep === '75' ? '75114001' : `${dep}001001`);

/** the rain of day i of a test file (mm): dry most days, a wet spell every week */
const rainOf = (i: number) => (i % 7 < 2 ? 3.5 + i / 10 : 0);

/** a Météo-France daily file (the real header, `;`, gzip): one line per day of one station, TX = base + day index, RR = rainOf(day index) */
function weatherFile(dep: string, from: string, days: number, txBase: number, station = stationOf(dep)): Uint8Array {
  const lines = Array.from({ length: days }, (_, i) => {
    const values: Record<string, string> = {
      NUM_POSTE: station,
      NOM_USUEL: `STATION ${dep}`,
      LAT: '48.8',
      LON: '2.4',
      ALTI: '50',
      AAAAMMJJ: dayAfter(from, i).replaceAll('-', ''),
      RR: rainOf(i).toFixed(1),
      QRR: '1',
      TN: '5.0',
      QTN: '1',
      TX: (txBase + (i % 5)).toFixed(1),
      QTX: '1',
    };
    return columns.map((c) => values[c] ?? '').join(';');
  });
  return gzipSync(Buffer.from([header, ...lines].join('\n') + '\n'));
}

const latestName = (dep: string) => `Q_${dep}_latest-2025-2026_RR-T-Vent.csv.gz`;
const previousName = (dep: string) => `Q_${dep}_previous-1950-2024_RR-T-Vent.csv.gz`;
// latest: 20 days from 1 November; previous: 15 days from 22 October, overlapping latest on 1–5 November
const LATEST = { from: '2026-11-01', days: 20, tx: 12 };
const PREVIOUS = { from: '2026-10-22', days: 15, tx: 30 };
const PER_DEPARTEMENT = { lines: LATEST.days + PREVIOUS.days, rows: 30 };

function dailyFiles(departements: readonly string[] = METROPOLE_DEPARTEMENTS): MeteoFranceFile[] {
  return departements.flatMap((dep) => [
    { name: latestName(dep), bytes: weatherFile(dep, LATEST.from, LATEST.days, LATEST.tx) },
    { name: previousName(dep), bytes: weatherFile(dep, PREVIOUS.from, PREVIOUS.days, PREVIOUS.tx) },
  ]);
}

/** what the dataset lists besides: other parameters, the 1852-1949 files, a département not asked for (77 is a basin one), last year's name */
const DECOYS: MeteoFranceFile[] = [
  { name: 'Q_75_latest-2025-2026_autres-parametres.csv.gz', bytes: gzipSync('x') },
  { name: 'Q_75_1852-1949_RR-T-Vent.csv.gz', bytes: gzipSync('x') },
  { name: 'Q_77_latest-2025-2026_RR-T-Vent.csv.gz', bytes: weatherFile('77', LATEST.from, 3, 10) },
  { name: 'Q_93_latest-2024-2025_RR-T-Vent.csv.gz', bytes: weatherFile('93', '2025-01-01', 3, 10) },
  { name: 'Q_descriptif_champs_RR-T-Vent.csv', bytes: Buffer.from('NUM_POSTE;numéro Météo-France du poste\n') },
];

const noSleep = { sleep: async () => {}, random: () => 0.5 };

// one lake and one fake per test (useLake), shared by the describe blocks below
let lake: Lake;
let fake: FakeSources | undefined;
/** a fresh lake per test, and the fake sources closed after it */
function useLake(): void {
  beforeEach(async () => {
    lake = await tempLake({ now: NOW });
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    await lake.cleanup();
  });
}

const serve = async (files: MeteoFranceFile[], faults: Fault[] = [], maxPageSize = 50) => (fake = await startFakeSources({ meteofrance: { files, maxPageSize }, faults }));
/** the served sources of the running test */
const sources = (): FakeSources => {
  if (!fake) throw new Error('no fake sources: serve() first');
  return fake;
};
/** a poll of the Métropole's départements unless `over` says otherwise (undefined: the default, with the basin rain départements) */
const poll = (over: Partial<PollMeteoFranceOptions> = {}, ctx: Lake = lake) =>
  pollMeteoFrance(ctx, { baseUrl: sources().url, http: noSleep, retry: { retries: 3, timeoutMs: 2000 }, fileTimeoutMs: 2000, departements: METROPOLE_DEPARTEMENTS, ...over });
const query = async (sql: string) => {
  await lake.lake.attach(DATASETS);
  return (await lake.lake.all(sql)).rows;
};
/** the file of a key of the lake's local store */
const localPath = (key: string): string => {
  const path = lake.store.localPath?.(key);
  if (path === undefined) throw new Error(`the test lake's store has no local path for ${key}`);
  return path;
};
/** every row of every curated weather_daily file, duplicates included */
const physical = async () => {
  const keys = (await listKeys(lake.store, 'curated/weather_daily/')).map((o) => localPath(o.key));
  if (!keys.length) return 0;
  return Number((await lake.lake.all(`SELECT count(*) AS n FROM read_parquet([${keys.map((k) => `'${k}'`).join(', ')}])`)).rows[0]?.n);
};
/** the curated rows (duplicates included) of one raw file */
const physicalOf = async (rawKey: string) => {
  await lake.lake.attach(DATASETS);
  const keys = (await listKeys(lake.store, 'curated/weather_daily/')).filter((o) => o.key.includes(rawKey.split('/').pop()?.split('.')[0] ?? rawKey)).map((o) => localPath(o.key));
  return keys.length ? Number((await lake.lake.all(`SELECT count(*) AS n FROM read_parquet([${keys.map((k) => `'${k}'`).join(', ')}])`)).rows[0]?.n) : 0;
};
const fileRequests = (name?: string) => sources().requests.filter((r) => r.path.startsWith(FAKE_METEOFRANCE_FILES_PATH) && (!name || r.path.endsWith(`/${name}`)));
const listingRequests = () => sources().requests.filter((r) => r.path.startsWith('/api/2/datasets/'));
const rawKeys = async () => (await listKeys(lake.store, 'raw/meteofrance/')).map((o) => o.key);

describe('pollMeteoFrance() against a local data.gouv.fr and file server on a loopback port', () => {
  useLake();
  it('finds the latest and previous files of the six départements across the listing’s pages, and ingests them: one row per station and day, the latest file winning the overlap', async () => {
    await serve([...dailyFiles(), ...DECOYS], [], 5);
    const s = await poll({ pageSize: 100 });
    // the server caps pages at 5 resources: 17 resources, 4 pages, followed through next_page
    expect(s.discovery).toEqual({ pages: 4, resources: 17, superseded: ['Q_93_latest-2024-2025_RR-T-Vent.csv.gz'], invalid: 0 });
    expect(listingRequests().map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2', '3', '4']);
    expect(s.files.map((f) => f.name)).toEqual(METROPOLE_DEPARTEMENTS.flatMap((dep) => [previousName(dep), latestName(dep)]));
    expect(s.files.every((f) => f.status === 'ingested' && f.fetched === 'full' && f.httpStatus === 200)).toBe(true);
    expect(s.missing).toEqual([]);
    // nothing but the twelve files was downloaded
    expect(fileRequests().map((r) => r.path.split('/').pop()).sort()).toEqual(s.files.map((f) => f.name).sort());
    expect(s).toMatchObject({ ingested: 12, failed: 0, records: 6 * PER_DEPARTEMENT.lines, curated: 6 * PER_DEPARTEMENT.lines, quarantined: 0 });
    expect(await rawKeys()).toHaveLength(12);
    expect(await physical()).toBe(6 * PER_DEPARTEMENT.lines);
    expect(await query('SELECT count(*)::INT AS n, count(DISTINCT (station_id, day))::INT AS d FROM weather_daily')).toEqual([{ n: 6 * PER_DEPARTEMENT.rows, d: 6 * PER_DEPARTEMENT.rows }]);
    // 1–5 November are in both files: the latest file (received after the previous one) wins
    expect(await query("SELECT strftime(day, '%Y-%m-%d') AS day, tx FROM weather_daily WHERE station_id = '75114001' AND day BETWEEN DATE '2026-10-31' AND DATE '2026-11-02' ORDER BY day")).toEqual([
      { day: '2026-10-31', tx: PREVIOUS.tx + (9 % 5) },
      { day: '2026-11-01', tx: LATEST.tx },
      { day: '2026-11-02', tx: LATEST.tx + 1 },
    ]);
    const state = await readMeteoFranceState(lake);
    expect(Object.values(state.files).map((f) => [f.name, f.complete, f.lastStatus, f.through])).toContainEqual([latestName('94'), true, 'ingested', dayAfter(LATEST.from, LATEST.days - 1)]);
  });

  it('skips unchanged files without a request, asks a changed file only, and does not download again bytes it has ingested', async () => {
    await serve(dailyFiles());
    await poll();
    const afterFirst = sources().requests.length;
    const rawBefore = await rawKeys();

    // nothing changed: the listing, and no file request
    const second = await poll();
    expect(second).toMatchObject({ ingested: 0, unchanged: 12, records: 0 });
    expect(second.files.every((f) => f.fetched === 'none')).toBe(true);
    expect(sources().requests.slice(afterFirst).map((r) => r.path)).toEqual([listingRequests()[0]?.path]);

    // the latest file of 93 changes: only it is downloaded, with the validators of the last download
    const mark = sources().requests.length;
    sources().publish({ name: latestName('93'), bytes: weatherFile('93', LATEST.from, LATEST.days + 2, LATEST.tx) });
    const third = await poll();
    expect(third).toMatchObject({ ingested: 1, unchanged: 11, records: LATEST.days + 2 });
    expect(sources().requests.slice(mark).filter((r) => r.path.startsWith(FAKE_METEOFRANCE_FILES_PATH)).map((r) => [r.path.split('/').pop(), r.status])).toEqual([[latestName('93'), 200]]);
    expect(third.files.find((f) => f.name === latestName('93'))).toMatchObject({ status: 'ingested', fetched: 'conditional' });

    // data.gouv.fr says the previous files changed, but their bytes did not: a conditional GET each, 304, nothing downloaded
    const mark2 = sources().requests.length;
    for (const dep of METROPOLE_DEPARTEMENTS) sources().publish({ name: previousName(dep), bytes: weatherFile(dep, PREVIOUS.from, PREVIOUS.days, PREVIOUS.tx), modified: new Date(Date.now() + 60_000) });
    const fourth = await poll();
    expect(fourth).toMatchObject({ ingested: 0, unchanged: 12 });
    expect(sources().requests.slice(mark2).filter((r) => r.path.startsWith(FAKE_METEOFRANCE_FILES_PATH)).map((r) => r.status)).toEqual(Array(6).fill(304));
    expect(await rawKeys()).toHaveLength(rawBefore.length + 1);

    // the state lost: every file is downloaded again, and the same bytes change nothing
    await lake.store.delete('state/poll-meteofrance.json');
    const again = await poll();
    expect(again.ingested).toBe(12);
    expect(await rawKeys()).toHaveLength(rawBefore.length + 1);
    expect(await query('SELECT count(*)::INT AS n FROM weather_daily')).toEqual([{ n: 6 * PER_DEPARTEMENT.rows + 2 }]);
  });

});

describe('pollMeteoFrance(): faults of the transport', () => {
  useLake();
  it('retries the listing and the files on 5xx, timeouts and reset connections, then gets everything', async () => {
    const target = latestName('91');
    await serve(dailyFiles(), [
      { target: 'datagouv', kind: '503', times: 1 },
      { target: 'meteofrance', kind: '500', times: 1, match: (u) => u.pathname.endsWith(target) },
      { target: 'meteofrance', kind: 'timeout', times: 1, match: (u) => u.pathname.endsWith(target) },
      { target: 'meteofrance', kind: 'reset', times: 1, match: (u) => u.pathname.endsWith(target) },
    ]);
    const delays: number[] = [];
    const s = await poll({ http: { sleep: (ms) => Promise.resolve(void delays.push(ms)), random: () => 0.5 }, retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 }, fileTimeoutMs: 300 });
    expect(s).toMatchObject({ ingested: 12, failed: 0, retries: 4 });
    expect(delays).toHaveLength(4);
    expect(listingRequests().map((r) => r.fault ?? r.status)).toEqual(['503', 200]);
    expect(fileRequests(target).map((r) => r.fault ?? r.status)).toEqual(['500', 'timeout', 'reset', 200]);
    expect(await query('SELECT count(*)::INT AS n FROM weather_daily')).toEqual([{ n: 6 * PER_DEPARTEMENT.rows }]);
  });

  it('keeps a truncated gzip download in raw/ and quarantines it with the reason, then gets the whole file: no duplicate row', async () => {
    const target = latestName('92');
    // 200 days, so that the first half of the gzip stream holds complete lines
    const whole = weatherFile('92', '2026-05-01', 200, LATEST.tx);
    await serve([...dailyFiles().filter((f) => f.name !== target), { name: target, bytes: whole }], [{ target: 'meteofrance', kind: 'truncated', times: 1, match: (u) => u.pathname.endsWith(target) }]);
    const s = await poll();
    expect(s).toMatchObject({ ingested: 12, failed: 0, retries: 1 });
    expect(s.files.find((f) => f.name === target)).toMatchObject({ status: 'ingested', unreadableResponses: 1 });
    expect(fileRequests(target).map((r) => r.fault ?? r.status)).toEqual(['truncated', 200]);
    // the cut bytes, as received, next to the whole file
    const raws = await rawKeys();
    expect(raws).toHaveLength(13);
    const cut = (await Promise.all(raws.map(async (k) => ({ k, bytes: await lake.store.get(k) })))).find((r) => r.bytes.length === Math.floor(whole.length / 2));
    if (!cut) throw new Error('no raw copy of the cut download');
    expect(Buffer.compare(cut.bytes, Buffer.from(whole).subarray(0, cut.bytes.length))).toBe(0);
    // its complete lines were curated, the cut line and the file quarantined with the reason
    const q = await query(`SELECT record, reason FROM quarantine WHERE raw_key = '${cut.k}' ORDER BY record`);
    expect(q).toHaveLength(2);
    expect(q.find((r) => r.record === 'file')?.reason).toBe('gzip stream truncated: the lines before the cut were read');
    expect(q.find((r) => r.record !== 'file')?.reason).toBe('gzip stream truncated: the last line is incomplete');
    const cutLines = await physicalOf(cut.k);
    expect(cutLines).toBeGreaterThan(10);
    expect(cutLines).toBeLessThan(200);
    // those lines are the whole file's too: counted once, from the whole file (received later)
    const rows = 5 * PER_DEPARTEMENT.rows + 200; // 92: 200 days from 1 May, over the previous file's 22 October – 5 November
    expect(await query('SELECT count(*)::INT AS n, count(DISTINCT (station_id, day))::INT AS d FROM weather_daily')).toEqual([{ n: rows, d: rows }]);
    expect(await query(`SELECT count(*)::INT AS n FROM weather_daily WHERE raw_key = '${cut.k}'`)).toEqual([{ n: 0 }]);
  });
});

describe('pollMeteoFrance(): missing files, failures, deadlines, and the basin rain départements', () => {
  useLake();
  it('takes a file the HTTP client decompressed (served with Content-Encoding: gzip) as the CSV it is', async () => {
    fake = await startFakeSources({ meteofrance: { files: dailyFiles(['75']), contentEncodingGzip: true } });
    const s = await poll({ departements: ['75'] });
    expect(s).toMatchObject({ ingested: 2, failed: 0, retries: 0, records: PER_DEPARTEMENT.lines });
    expect(s.files.every((f) => f.unreadableResponses === 0)).toBe(true);
    expect((await rawKeys()).every((k) => k.endsWith('.csv'))).toBe(true);
    expect(await query('SELECT count(*)::INT AS n FROM weather_daily')).toEqual([{ n: PER_DEPARTEMENT.rows }]);
  });

  it('says which département has no file, and ingests the others', async () => {
    await serve([...dailyFiles(['75', '91', '92', '93', '94']), { name: previousName('95'), bytes: weatherFile('95', PREVIOUS.from, PREVIOUS.days, PREVIOUS.tx) }]);
    const s = await poll();
    expect(s.missing).toEqual([{ departement: '95', period: 'latest' }]);
    expect(s).toMatchObject({ ingested: 11, failed: 0 });
    expect(lake.logs.some((l) => l.includes('no latest file for département 95'))).toBe(true);
    expect(await query("SELECT departement, count(*)::INT AS n FROM weather_daily GROUP BY ALL ORDER BY departement")).toEqual([
      ...['75', '91', '92', '93', '94'].map((departement) => ({ departement, n: PER_DEPARTEMENT.rows })),
      { departement: '95', n: PREVIOUS.days },
    ]);
  });

});

describe('pollMeteoFrance(): the basin rain départements', () => {
  useLake();
  it('by default also fetches the départements of the river model’s basin rain stations (config/basin-rain-stations.json); one missing is said at info level', async () => {
    expect(BASIN_RAIN_DEPARTEMENTS.length).toBeGreaterThan(1);
    const [served, ...unserved] = BASIN_RAIN_DEPARTEMENTS as [string, ...string[]];
    await serve(dailyFiles([...METROPOLE_DEPARTEMENTS, served]));
    const s = await poll({ departements: undefined });
    expect(POLLED_DEPARTEMENTS).toEqual([...METROPOLE_DEPARTEMENTS, ...BASIN_RAIN_DEPARTEMENTS]);
    expect(fileRequests(latestName(served))).toHaveLength(1);
    expect(fileRequests(previousName(served))).toHaveLength(1);
    expect(s.files.filter((f) => f.departement === served).map((f) => f.status)).toEqual(['ingested', 'ingested']);
    expect(s.missing).toEqual([]);
    expect(s.basinMissing).toEqual(unserved.flatMap((departement) => [{ departement, period: 'previous' }, { departement, period: 'latest' }]));
    for (const d of unserved) {
      expect(lake.logs).toContain(`info poll-meteofrance: no latest file for basin rain département ${d} in the listing`);
      expect(lake.logs.some((l) => l.startsWith('warn') && l.includes(`département ${d} `))).toBe(false);
    }
    // a station of a basin département is curated like one of the Métropole's, none quarantined
    expect(s.files.find((f) => f.departement === served && f.period === 'latest')).toMatchObject({ records: LATEST.days, curated: LATEST.days, quarantined: 0 });
  });

  it('takes a declared basin station’s rain (RR) into weather_daily and the river model’s basin rain input, not into the heat indicators', async () => {
    const basin = defined(BASIN_RAIN_STATIONS.stations.find((x) => !isMetropoleDepartement(x.departement)), 'a basin rain station outside the Métropole');
    const dep = basin.departement;
    // the basin file also holds a station the river model does not use (its département's other stations are kept too)
    const other = `${dep}999001`;
    const latest = weatherFile(dep, LATEST.from, LATEST.days, LATEST.tx, basin.station_id);
    const otherLatest = weatherFile(dep, LATEST.from, 3, LATEST.tx, other);
    await serve([
      ...dailyFiles(),
      { name: latestName(dep), bytes: gzipSync(Buffer.concat([gunzipSync(latest), gunzipSync(otherLatest).subarray(header.length + 1)])) },
      { name: previousName(dep), bytes: weatherFile(dep, PREVIOUS.from, PREVIOUS.days, PREVIOUS.tx, basin.station_id) },
    ]);
    const s = await poll({ departements: undefined });
    expect(s.files.filter((f) => f.departement === dep)).toMatchObject([
      { period: 'previous', status: 'ingested', records: PREVIOUS.days, curated: PREVIOUS.days, quarantined: 0 },
      { period: 'latest', status: 'ingested', records: LATEST.days + 3, curated: LATEST.days + 3, quarantined: 0 },
    ]);
    const rows = await query(`SELECT strftime(day, '%Y-%m-%d') AS day, rr, departement FROM weather_daily WHERE station_id = '${basin.station_id}' ORDER BY day`);
    // 22 October – 20 November: the previous file's days up to 31 October, then the latest file's (it wins the overlap)
    const firstLatest = Math.round((Date.parse(LATEST.from) - Date.parse(PREVIOUS.from)) / 86_400_000);
    const expected = Array.from({ length: PER_DEPARTEMENT.rows }, (_, k) => ({ day: dayAfter(PREVIOUS.from, k), rr: Number(rainOf(k < firstLatest ? k : k - firstLatest).toFixed(1)), departement: dep }));
    expect(rows).toEqual(expected);

    // the river model's input: the station's rain column on a daily series of those days, and the basin mean
    const start = Date.parse(`${PREVIOUS.from}T00:00:00Z`);
    const flows: RegularSeries = { start, stepHours: 24, length: PER_DEPARTEMENT.rows, columns: { flow: new Float64Array(PER_DEPARTEMENT.rows).fill(300) } };
    const series = await withBasinRain(lake, flows, BASIN_RAIN_STATION_IDS);
    expect(Array.from(defined(series.columns[rainColumn(basin.station_id)], 'the basin station’s rain column'))).toEqual(rows.map((r) => r['rr']));
    // the other basin stations have no file here: the basin mean is this station's rain
    expect(Array.from(basinRain(series, BASIN_RAIN_STATION_IDS.map(rainColumn)))).toEqual(rows.map((r) => r['rr']));

    // the heat indicators stay the Métropole's: the basin stations have no heat-wave thresholds
    await heatIndicators(lake);
    expect(await query(`SELECT DISTINCT departement FROM heat_indicators_daily ORDER BY 1`)).toEqual(METROPOLE_DEPARTEMENTS.map((departement) => ({ departement })));
  });

});

describe('pollMeteoFrance(): a failed file, the deadline', () => {
  useLake();
  it('goes on after a file that fails, and the next run asks for that file only', async () => {
    const target = latestName('93');
    // more 503s than attempts: the file fails in this run
    await serve(dailyFiles(), [{ target: 'meteofrance', kind: '503', times: 4, match: (u) => u.pathname.endsWith(target) }]);
    const first = await poll({ retry: { retries: 2, timeoutMs: 2000 } });
    expect(first).toMatchObject({ ingested: 11, failed: 1 });
    expect(first.files.find((f) => f.name === target)).toMatchObject({ status: 'failed', httpStatus: 503, error: expect.stringContaining('gave up after 3 attempts') as unknown });
    expect((await readMeteoFranceState(lake)).files[`${sources().url}${FAKE_METEOFRANCE_FILES_PATH}${target}`]).toMatchObject({ lastStatus: 'failed', complete: false });
    const mark = sources().requests.length;
    const second = await poll({ retry: { retries: 2, timeoutMs: 2000 } });
    expect(second).toMatchObject({ ingested: 1, unchanged: 11, failed: 0 });
    expect(sources().requests.slice(mark).filter((r) => r.path.startsWith(FAKE_METEOFRANCE_FILES_PATH)).map((r) => [r.path.split('/').pop(), r.fault ?? r.status])).toEqual([
      [target, '503'],
      [target, 200],
    ]);
    expect(await query('SELECT count(*)::INT AS n FROM weather_daily')).toEqual([{ n: 6 * PER_DEPARTEMENT.rows }]);
  });

  it('stops at its deadline between chunks of a long file, and the next run resumes at the last day stored, from raw/', async () => {
    // a previous file of Paris over 800 days: writes of whole years (weather_daily is partitioned by year),
    // at most MAX_DAYS_PER_WRITE days each: 1 Sept.–31 Dec. 2024 (122 days), 2025, then 2026
    const long = { name: previousName('75'), bytes: weatherFile('75', '2024-09-01', 800, 20) };
    await serve([long, ...dailyFiles(['75', '92']).filter((f) => f.name !== long.name)]);
    let expired = false;
    const s = await poll({
      deadline: 1000,
      clock: () => (expired ? 1000 : 0),
      // the deadline passes while the first file downloads
      http: {
        ...noSleep,
        fetch: async (url, init) => {
          const res = await fetch(url, init);
          if ((url instanceof Request ? url.url : url instanceof URL ? url.href : url).includes('/QUOT/')) expired = true;
          return res;
        },
      },
    });
    expect(s.files.map((f) => [f.name, f.status])).toEqual([
      [long.name, 'partial'],
      [latestName('75'), 'deferred'],
      [previousName('92'), 'deferred'],
      [latestName('92'), 'deferred'],
    ]);
    const firstThrough = '2024-12-31';
    const firstDays = 122;
    expect(firstDays + 365).toBeGreaterThan(MAX_DAYS_PER_WRITE); // 2025 does not fit in the first write
    expect(s.files[0]).toMatchObject({ curated: firstDays, through: firstThrough });
    expect(Object.values((await readMeteoFranceState(lake)).files)).toEqual([expect.objectContaining({ name: long.name, complete: false, through: firstThrough, lastStatus: 'partial' })]);
    expect(fileRequests()).toHaveLength(1);

    const mark = sources().requests.length;
    const t = await poll();
    expect(t.files[0]).toMatchObject({ name: long.name, status: 'ingested', fetched: 'raw', curated: 800 - firstDays, through: dayAfter('2024-09-01', 799) });
    expect(t.ingested).toBe(4);
    // the long file was not downloaded again
    expect(sources().requests.slice(mark).filter((r) => r.path.endsWith(long.name))).toHaveLength(0);
    expect(await rawKeys()).toHaveLength(4);
    // every line written once; the long previous file ends on 9 November 2026, overlapping Paris's latest file on 1–9 November
    const overlap = 9;
    expect(await physical()).toBe(800 + LATEST.days + PER_DEPARTEMENT.lines);
    expect(await query("SELECT count(*)::INT AS n FROM weather_daily WHERE departement = '75'")).toEqual([{ n: 800 + LATEST.days - overlap }]);
  });
});

describe('selectDailyFiles()', () => {
  const resource = (url: string, title = url.split('/').pop() ?? url) => ({ id: title, title, url, last_modified: '2026-11-01T00:00:00Z', checksum: null, filesize: 10 });
  const BASE = 'https://object.files.data.gouv.fr/meteofrance/data/synchro_ftp/BASE/QUOT/';

  it('recognises a file by its URL, else by its title, takes the latest years per département and period, and leaves the rest', () => {
    const { files, superseded, invalid } = selectDailyFiles(
      [
        resource(`${BASE}Q_75_latest-2025-2026_RR-T-Vent.csv.gz`),
        resource(`${BASE}Q_75_latest-2024-2025_RR-T-Vent.csv.gz`),
        resource('https://www.data.gouv.fr/api/1/datasets/r/abc', 'Q_92_previous-1950-2024_RR-T-Vent.csv.gz'),
        resource(`${BASE}Q_2A_latest-2025-2026_RR-T-Vent.csv.gz`),
        resource(`${BASE}Q_75_latest-2025-2026_autres-parametres.csv.gz`),
        resource('ftp://example.org/Q_93_latest-2025-2026_RR-T-Vent.csv.gz'),
        { title: 'no url' },
      ],
      METROPOLE_DEPARTEMENTS,
    );
    expect(files.map((f) => [f.departement, f.period, f.fromYear, f.toYear, f.url])).toEqual([
      ['75', 'latest', 2025, 2026, `${BASE}Q_75_latest-2025-2026_RR-T-Vent.csv.gz`],
      ['92', 'previous', 1950, 2024, 'https://www.data.gouv.fr/api/1/datasets/r/abc'],
    ]);
    expect(superseded).toEqual(['Q_75_latest-2024-2025_RR-T-Vent.csv.gz']);
    // passed over, but counted and named: a listing that changes shape must show
    expect(invalid).toEqual([
      { index: 5, resource: '"Q_93_latest-2025-2026_RR-T-Vent.csv.gz"', reason: 'url "ftp://example.org/Q_93_latest-2025-2026_RR-T-Vent.csv.gz" is not an http(s) URL' },
      { index: 6, resource: '"no url"', reason: expect.stringMatching(/^url: /) as unknown },
    ]);
  });
});
