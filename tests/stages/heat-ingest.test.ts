import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { ingestMeteoFrance, MAX_DAYS_PER_WRITE } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;

const header = (await readFile(new URL('../fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv', import.meta.url), 'utf8')).trim();
const columns = header.split(';');
const line = (station: string, day: string, v: Record<string, string> = {}) =>
  columns.map((c) => ({ NUM_POSTE: station, NOM_USUEL: `STATION ${station}`, AAAAMMJJ: day, TN: '18.0', QTN: '1', TX: '28.0', QTX: '1', RR: '0.0', QRR: '1', ...v })[c] ?? '').join(';');
const file = (...lines: string[]) => Buffer.from([header, ...lines].join('\n') + '\n');

/** the lake with its clock at `iso` */
const at = (lake: Lake, iso: string) => ({ ...lake, now: () => new Date(iso) });
const query = async (lake: Lake, sql: string) => {
  await lake.lake.attach(DATASETS);
  return (await lake.lake.all(sql)).rows;
};

describe('ingestMeteoFrance(): the rows of weather_daily and the quarantine', () => {
  let lake: Lake;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-08-01T06:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('“latest” and “previous” files overlap: one row per station and day, the latest received wins, a replay does not', async () => {
    const previous = gzipSync(file(line('75114001', '20260701', { TX: '29.0' }), line('75114001', '20260702', { TX: '30.0' }), line('75114001', '20260703', { TX: '31.0' })));
    const latest = gzipSync(file(line('75114001', '20260702', { TX: '30.5' }), line('75114001', '20260703', { TX: '31.0' }), line('75114001', '20260704', { TX: '32.0' })));
    await ingestMeteoFrance(lake, { bytes: previous, origin: 'Q_75_previous-1950-2024_RR-T-Vent.csv.gz' });
    const later = at(lake, '2026-08-01T07:00:00Z');
    await ingestMeteoFrance(later, { bytes: latest, origin: 'Q_75_latest-2025-2026_RR-T-Vent.csv.gz' });
    // the previous file again, received later: the same bytes keep their first receive time
    const replay = at(lake, '2026-08-02T07:00:00Z');
    const r = await ingestMeteoFrance(replay, { bytes: previous, origin: 'again.csv.gz' });
    expect(r.newRaw).toBe(false);
    expect(await query(lake, "SELECT strftime(day, '%Y-%m-%d') AS day, tx FROM weather_daily ORDER BY day")).toEqual([
      { day: '2026-07-01', tx: 29 },
      { day: '2026-07-02', tx: 30.5 },
      { day: '2026-07-03', tx: 31 },
      { day: '2026-07-04', tx: 32 },
    ]);
  });

  it('keeps doubtful values with their quality code and flags the row', async () => {
    const s = await ingestMeteoFrance(lake, { bytes: file(line('75114001', '20260722', { TX: '38.9', QTX: '2' }), line('75114001', '20260723')), origin: 'q.csv' });
    expect(s).toMatchObject({ records: 2, curated: 2, quarantined: 0, doubtful: 1, gzip: false, encoding: 'utf-8' });
    expect(await query(lake, "SELECT strftime(day, '%Y-%m-%d') AS day, tx, q_tx, doubtful FROM weather_daily ORDER BY day")).toEqual([
      { day: '2026-07-22', tx: 38.9, q_tx: 2, doubtful: true },
      { day: '2026-07-23', tx: 28, q_tx: 1, doubtful: false },
    ]);
  });

  it('quarantines what is malformed or implausible, naming the field; every line is curated or quarantined', async () => {
    const s = await ingestMeteoFrance(lake, {
      origin: 'mixed.csv',
      bytes: file(
        line('75114001', '20260701'),
        line('45055001', '20260701'), // Loiret: neither the Métropole nor a basin rain station's département
        line('75114001', '20260702', { TN: '25.0', TX: '21.0' }), // TX below TN
        line('75114001', '20260703', { TN: '61.5' }),
        line('75114001', '20260905'), // after the receive date
        line('75114001', '20260704', { TN: '', QTN: '', TX: '', QTX: '', RR: '', QRR: '' }),
        line('75114001', '20260705', { QRR: '3' }),
      ),
    });
    expect(s.records).toBe(7);
    expect(s.curated + s.quarantined).toBe(s.records);
    expect(s.curated).toBe(1);
    expect((await query(lake, 'SELECT record, field FROM quarantine ORDER BY record')).map((r) => [r.record, r.field])).toEqual([
      ['3', 'NUM_POSTE'],
      ['4', 'tx'],
      ['5', 'tn'],
      ['6', 'day'],
      ['7', 'TN'],
      ['8', 'QRR'],
    ]);
  });

});

describe('ingestMeteoFrance(): long, gzip, Latin-1 and truncated files', () => {
  let lake: Lake;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-08-01T06:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('stores a long file in chunks of days, quarantines every rejected line with the last chunk, and resumes after the last day stored', async () => {
    const day = (i: number) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
    const lines = Array.from({ length: 800 }, (_, i) => line('75114001', day(i).replaceAll('-', '')));
    lines[4] = line('75114001', day(4).replaceAll('-', ''), { TN: '25.0', TX: '21.0' }); // chunk 1: TX below TN (the dataset's check)
    lines[499] = line('75114001', day(499).replaceAll('-', ''), { QRR: '7' }); // chunk 2: not a quality code (the parser)
    lines.push(line('45055001', '20240105')); // a station of neither the Métropole's nor the basin's départements, on a day of chunk 1
    const bytes = gzipSync(file(...lines));
    const chunks: string[] = [];
    const first = await ingestMeteoFrance(lake, { bytes, origin: 'Q_75_previous.csv.gz' }, { stop: () => true, stored: (d) => void chunks.push(d) });
    expect(first).toMatchObject({ complete: false, writes: 1, through: day(MAX_DAYS_PER_WRITE - 1), curated: MAX_DAYS_PER_WRITE - 1, quarantined: 0 });
    expect(chunks).toEqual([day(MAX_DAYS_PER_WRITE - 1)]);
    expect(await listKeys(lake.store, 'quarantine/')).toEqual([]);

    const rest = await ingestMeteoFrance(lake, { bytes, origin: 'Q_75_previous.csv.gz' }, { after: first.through, stored: (d) => void chunks.push(d) });
    expect(rest).toMatchObject({ complete: true, writes: 2, through: day(799), newRaw: false });
    // chunks of whole years (weather_daily is partitioned by year): 2024 (366 days), 2025, then 2026
    expect(chunks).toEqual([day(365), day(730), day(799)]);
    expect(first.curated + rest.curated).toBe(800 - 2);
    expect(rest.quarantined).toBe(3);
    expect((await query(lake, 'SELECT record, field FROM quarantine ORDER BY record')).map((r) => [r.record, r.field])).toEqual([
      ['501', 'QRR'],
      ['6', 'tx'],
      ['802', 'NUM_POSTE'],
    ]);
    expect(await query(lake, 'SELECT count(*)::INT AS n, count(DISTINCT day)::INT AS days, count(DISTINCT dt)::INT AS years FROM weather_daily')).toEqual([{ n: 798, days: 798, years: 3 }]);
    // one file per year (the raw file's), never written twice
    expect(await listKeys(lake.store, 'curated/weather_daily/')).toHaveLength(3);
  });

  it('reads Latin-1 gzip files and, from a truncated gzip, the lines before the cut; the counts still add up', async () => {
    const lines = Array.from({ length: 150 }, (_, i) => line('94068001', new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10).replaceAll('-', ''), { NOM_USUEL: 'SAINT-MAUR-DES-FOSSÉS' }));
    const gz = gzipSync(Buffer.from([header, ...lines].join('\n') + '\n', 'latin1'));
    const whole = await ingestMeteoFrance(lake, { bytes: gz, origin: 'Q_94_latest.csv.gz' });
    expect(whole).toMatchObject({ gzip: true, encoding: 'latin-1', truncated: false, records: 150, curated: 150, stations: 1 });
    expect(await query(lake, 'SELECT DISTINCT station_name FROM weather_daily')).toEqual([{ station_name: 'SAINT-MAUR-DES-FOSSÉS' }]);
    expect(whole.rawKey).toMatch(/\.csv\.gz$/);
    expect((await lake.store.head(whole.rawKey))?.contentType).toBe('application/gzip');

    const cut = await ingestMeteoFrance(lake, { bytes: gz.subarray(0, Math.floor(gz.length / 2)), origin: 'Q_94_cut.csv.gz' });
    expect(cut.truncated).toBe(true);
    expect(cut.curated).toBeGreaterThan(10);
    expect(cut.curated).toBeLessThan(150);
    expect(cut.curated + cut.quarantined).toBe(cut.records);
    expect(cut.unreadable).toBeUndefined();
    const q = await query(lake, `SELECT record, field, reason FROM quarantine WHERE raw_key = '${cut.rawKey}' ORDER BY record`);
    expect(q.map((r) => r.record)).toEqual([expect.stringMatching(/^\d+$/), 'file']);
    expect(String(q[1]?.reason)).toContain('gzip stream truncated');
  });
});

describe('observatory ingest meteofrance', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-heat-cli-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('detects gzip by its bytes (a .csv that is gzip), curates, and says when a file cannot be read at all', async () => {
    const f = path.join(dir, 'Q_75_latest-2025-2026_RR-T-Vent.csv');
    await writeFile(f, gzipSync(file(line('75114001', '20260722'), line('75114001', '20260723'))));
    const bad = path.join(dir, 'notes.txt');
    await writeFile(bad, 'hello\n');
    const lake = path.join(dir, 'lake');
    const r = await observatory(['--lake', lake, 'ingest', 'meteofrance', f, bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('total: 2 files, 2 records → 2 curated + 0 quarantined');
    expect(r.stderr).toContain('notes.txt: could not be read: not a Météo-France daily file');
    const ctx = await tempLake({ store: new FsObjectStore(lake) });
    try {
      await ctx.lake.attach(DATASETS);
      expect((await ctx.lake.all('SELECT count(*)::INT AS n FROM weather_daily')).rows).toEqual([{ n: 2 }]);
    } finally {
      await ctx.cleanup();
    }
  });
});
