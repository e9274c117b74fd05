import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { DEMO_HEAT_FAULTS, demoWeatherFiles } from '../../functions/lib/demo-climate/index.ts';
import { heatIndicators } from '../../functions/lib/stages/heat-indicators.ts';
import { ingestMeteoFrance } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { pollMeteoFrance } from '../../functions/lib/stages/poll-meteofrance.ts';
import { startFakeSources } from '../../functions/local/fake-sources.ts';
import { tempLake } from '../support/lake.ts';

describe('the demo heat wave (simulated Météo-France files)', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-11-26T12:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('ingests cleanly (one Latin-1 file, an overlapping previous file) and gives Paris a 4–5 day heat wave above 21 / 31 °C', async () => {
    const files = demoWeatherFiles();
    expect(files.map((f) => f.name)).toContain('Q_75_latest-2025-2026_RR-T-Vent.csv.gz');
    let lines = 0;
    for (const [i, f] of files.entries()) {
      const at = new Date(Date.parse('2026-11-26T12:00:00Z') + i * 1000);
      const s = await ingestMeteoFrance({ ...lake, now: () => at }, { bytes: f.bytes, origin: f.name, demo: true });
      expect(s, f.name).toMatchObject({ gzip: true, encoding: f.encoding, quarantined: 0, curated: f.lines });
      lines += f.lines;
    }
    await heatIndicators(lake);
    await lake.lake.attach(DATASETS);
    const q = async (sql: string) => (await lake.lake.all(sql)).rows;
    const [{ n, distinct }] = (await q('SELECT count(*)::INT AS n, count(DISTINCT (station_id, day))::INT AS distinct FROM weather_daily')) as [{ n: number; distinct: number }];
    expect(n).toBe(distinct);
    expect(n).toBeLessThan(lines); // the previous file's days are the latest file's
    const wave = await q("SELECT heatwave_episode, min(ibmn) AS ibmn, min(ibmx) AS ibmx, count(*)::INT AS days FROM heat_indicators_daily WHERE station_id = '75114001' AND heatwave GROUP BY ALL");
    expect(wave).toHaveLength(1);
    expect(wave[0]!.days as number).toBeGreaterThanOrEqual(4);
    expect(wave[0]!.days as number).toBeLessThanOrEqual(5);
    expect(wave[0]!.ibmn as number).toBeGreaterThanOrEqual(21);
    expect(wave[0]!.ibmx as number).toBeGreaterThanOrEqual(31);
    const f = DEMO_HEAT_FAULTS.doubtfulTx;
    expect(await q(`SELECT tx_doubtful, hot_day FROM heat_indicators_daily WHERE station_id = '${f.station}' AND day = DATE '${f.day}'`)).toEqual([{ tx_doubtful: true, hot_day: null }]);
    expect(await q("SELECT DISTINCT station_name FROM weather_daily WHERE station_id = '94068001'")).toEqual([{ station_name: 'SAINT-MAUR-DES-FOSSÉS' }]);
  });
});

describe('the demo heat wave through the real poller over HTTP', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-11-26T12:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('is listed by the fake data.gouv.fr, downloaded, kept in raw/ marked as demo data, and gives the same rows as the files ingested directly', async () => {
    const files = demoWeatherFiles();
    const fake = await startFakeSources({ meteofrance: { files: files.map((f) => ({ name: f.name, bytes: f.bytes })) } });
    try {
      const s = await pollMeteoFrance(lake, { baseUrl: fake.url, demo: true });
      expect(s).toMatchObject({ ingested: files.length, failed: 0, quarantined: 0, records: files.reduce((n, f) => n + f.lines, 0) });
      // Paris: the previous file, then the latest one
      expect(s.files.slice(0, 2).map((f) => f.name)).toEqual(['Q_75_previous-1950-2024_RR-T-Vent.csv.gz', 'Q_75_latest-2025-2026_RR-T-Vent.csv.gz']);
      // départements without a previous file in the demo
      expect(s.missing.map((m) => `${m.departement}/${m.period}`)).toEqual(['91/previous', '92/previous', '93/previous', '94/previous', '95/previous']);
    } finally {
      await fake.close();
    }
    const raw = await listKeys(lake.store, 'raw/meteofrance/');
    expect(raw).toHaveLength(files.length);
    for (const o of raw) expect((await lake.store.head(o.key))?.metadata?.demo).toBe('true');
    await lake.lake.attach(DATASETS);
    const days = files.filter((f) => f.name.includes('latest')).reduce((n, f) => n + f.lines, 0);
    expect((await lake.lake.all('SELECT count(*)::INT AS n, count(DISTINCT (station_id, day))::INT AS d FROM weather_daily')).rows).toEqual([{ n: days, d: days }]);
  });
});
