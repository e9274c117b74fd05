import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { ingestHubeau } from '../../functions/lib/stages/ingest-hubeau.ts';
import { ingestVigicrues } from '../../functions/lib/stages/ingest-vigicrues.ts';
import { startFakeSources } from '../../functions/local/fake-sources.ts';
import { pollVigicrues } from '../../functions/lib/stages/poll-vigicrues.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';

type Lake = Awaited<ReturnType<typeof tempLake>>;
const FIXTURES = new URL('../fixtures/flood/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES));

const bulletin = (at: string, levels: Record<string, number | string>) =>
  Buffer.from(
    JSON.stringify({
      type: 'FeatureCollection',
      DtHrInfoVigiCru: at,
      features: Object.entries(levels).map(([code, level], i) => ({
        type: 'Feature',
        properties: { gid: i + 1, CdEntCru: code, lbentcru: `section ${code}`, NivInfViCr: level },
        geometry: { type: 'MultiLineString', coordinates: [[[2.35, 48.85], [2.36, 48.84]]] },
      })),
    }),
  );

describe('ingestHubeau() on saved Hub’Eau responses', () => {
  let lake: Lake;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-09-01T00:00:00Z') });
  });
  afterEach(async () => lake.cleanup());
  const query = async (sql: string) => {
    await lake.lake.attach(DATASETS);
    return (await lake.lake.all(sql)).rows;
  };

  it('curates the real pages in m and m³/s, site series included; re-ingesting changes nothing', async () => {
    const names = ['observations_tr_K447001001_H.json', 'observations_tr_K447001001_Q.json', 'observations_tr_site_K4470010_Q.json'];
    const summaries = [];
    for (const n of names) summaries.push(await ingestHubeau(lake, { bytes: await fixture(n), origin: n }));
    expect(summaries.map((s) => [s.payload, s.records, s.curated, s.quarantined])).toEqual([
      ['observations', 1, 1, 0],
      ['observations', 2, 2, 0],
      ['observations', 2, 2, 0],
    ]);
    expect(summaries[0]!.next).toContain('cursor=');
    const rows = await query('SELECT station_code, quantity, ts, value, status_code, qualification_label, dt FROM river_observations ORDER BY quantity, station_code NULLS LAST, ts');
    expect(rows).toEqual([
      { station_code: 'K447001001', quantity: 'H', ts: new Date('2026-08-27T08:00:00Z'), value: -1.232, status_code: 12, qualification_label: 'Bonne', dt: '2026-08' },
      { station_code: 'K447001001', quantity: 'Q', ts: new Date('2026-08-27T07:27:30Z'), value: 47.8, status_code: 12, qualification_label: 'Bonne', dt: '2026-08' },
      // the same observation from the station page and from the site page: one row
      { station_code: 'K447001001', quantity: 'Q', ts: new Date('2026-08-27T08:00:00Z'), value: 47.8, status_code: 12, qualification_label: 'Bonne', dt: '2026-08' },
      { station_code: null, quantity: 'Q', ts: new Date('2026-08-27T08:00:00Z'), value: 47.8, status_code: 12, qualification_label: 'Bonne', dt: '2026-08' },
    ]);
    const snapshot = async () => (await listKeys(lake.store, 'curated/')).map((o) => [o.key, o.sha256]);
    const before = await snapshot();
    const again = await ingestHubeau(lake, { bytes: await fixture(names[0]!), origin: 'again.json' });
    expect(again.newRaw).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('curates the station referential', async () => {
    const s = await ingestHubeau(lake, { bytes: await fixture('referentiel_stations_K447001001.json'), origin: 'ref.json' });
    expect(s).toMatchObject({ payload: 'stations', records: 1, curated: 1 });
    expect(await query('SELECT station_code, label, river, commune_insee, lat, altitude_ref_m, in_service, updated_at FROM river_stations')).toEqual([
      { station_code: 'K447001001', label: 'La Loire à Blois', river: 'la Loire', commune_insee: '41018', lat: 47.584957074, altitude_ref_m: 65.973, in_service: true, updated_at: new Date('2023-09-13T00:00:00Z') },
    ]);
  });

  it('keeps an unreadable page in raw/ and quarantines it whole', async () => {
    const bytes = Buffer.from('{"count":206,"data":[{"code_site":"K4470010"');
    const s = await ingestHubeau(lake, { bytes, origin: 'cut.json' });
    expect(s).toMatchObject({ payload: 'unreadable', records: 0, curated: 0, quarantined: 0 });
    expect(s.unreadable).toContain('not JSON');
    expect(await lake.store.get(s.rawKey)).toEqual(bytes);
    expect(await query("SELECT record, source_kind FROM quarantine")).toEqual([{ record: 'file', source_kind: 'hubeau' }]);
  });
});

describe('ingestVigicrues() and pollVigicrues()', () => {
  let lake: Lake;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-01-28T10:00:00Z') });
  });
  afterEach(async () => lake.cleanup());
  const query = async (sql: string) => {
    await lake.lake.attach(DATASETS);
    return (await lake.lake.all(sql)).rows;
  };

  it('curates one row per section and bulletin, marks the Métropole’s sections, quarantines bad levels', async () => {
    const s = await ingestVigicrues(lake, { bytes: bulletin('2026-01-28T09:00:00+00:00', { IF5: 3, IF17: '2', 'LOIRE-X': 1, BAD: 7 }), origin: 'InfoVigiCru.geojson' });
    expect(s).toMatchObject({ form: 'geojson', bulletinAt: '2026-01-28T09:00:00.000Z', records: 4, curated: 3, quarantined: 1, metropoleSections: { IF5: 3, IF17: 2 } });
    expect(await query('SELECT section_code, level, level_label, in_metropole, bulletin_time_source, dt FROM flood_vigilance ORDER BY section_code')).toEqual([
      { section_code: 'IF17', level: 2, level_label: 'yellow', in_metropole: true, bulletin_time_source: 'bulletin', dt: '2026-01' },
      { section_code: 'IF5', level: 3, level_label: 'orange', in_metropole: true, bulletin_time_source: 'bulletin', dt: '2026-01' },
      { section_code: 'LOIRE-X', level: 1, level_label: 'green', in_metropole: false, bulletin_time_source: 'bulletin', dt: '2026-01' },
    ]);
    expect(await query('SELECT field FROM quarantine')).toEqual([{ field: 'NivInfViCr' }]);
  });

  it('dates a bulletin without DtHrInfoVigiCru by its receive time, and says so', async () => {
    await ingestVigicrues(lake, { bytes: Buffer.from(JSON.stringify({ ListEntVigiCru: [{ CdEntVigiCru: 'IF5', NivInfoVigiCru: 2 }] })), origin: 'list.json' });
    expect(await query('SELECT bulletin_at, bulletin_time_source FROM flood_vigilance')).toEqual([{ bulletin_at: new Date('2026-01-28T10:00:00Z'), bulletin_time_source: 'received' }]);
  });

  it('polls InfoVigiCru.geojson over HTTP with retries; an unchanged bulletin is a replay', async () => {
    const fake = await startFakeSources({
      vigicrues: { bulletins: [{ at: new Date('2026-01-28T09:00:00Z'), body: bulletin('2026-01-28T09:00:00+00:00', { 'IF5': 3 }).toString() }] },
      faults: [{ target: 'vigicrues', kind: '502' }, { target: 'vigicrues', kind: 'truncated' }],
    });
    try {
      const first = await pollVigicrues(lake, { baseUrl: fake.url, http: { sleep: async () => {} } });
      expect(first).toMatchObject({ attempts: 3, records: 1, curated: 1, newRaw: true });
      const second = await pollVigicrues(lake, { baseUrl: fake.url, http: { sleep: async () => {} } });
      expect(second).toMatchObject({ attempts: 1, newRaw: false });
      expect(await query('SELECT count(*)::INT AS n FROM flood_vigilance')).toEqual([{ n: 1 }]);
      // the truncated answer is in raw/ and in the quarantine
      expect(await listKeys(lake.store, 'raw/vigicrues/')).toHaveLength(2);
      expect(await query("SELECT record FROM quarantine")).toEqual([{ record: 'file' }]);
    } finally {
      await fake.close();
    }
  });
});

describe('observatory ingest hubeau|vigicrues', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-flood-cli-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('ingests saved files with the pollers’ parsers and prints the counts', async () => {
    const files = ['observations_tr_K447001001_Q.json', 'referentiel_stations_K447001001.json'].map((n) => path.join(dir, n));
    for (const f of files) await copyFile(new URL(path.basename(f), FIXTURES), f);
    const lake = path.join(dir, 'lake');
    const r = await observatory(['--lake', lake, 'ingest', 'hubeau', ...files, '--format', 'json']);
    expect(r.stderr).toContain('total: 2 files, 3 records → 3 curated + 0 quarantined');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { payload: string }[]).map((s) => s.payload)).toEqual(['observations', 'stations']);
    const vig = path.join(dir, 'InfoVigiCru.geojson');
    await writeFile(vig, bulletin('2026-01-28T09:00:00+00:00', { 'IF5': 3 }));
    // a file that cannot be read: exit 1, the other files are still ingested
    const v = await observatory(['--lake', lake, 'ingest', 'vigicrues', path.join(dir, 'missing.json'), vig]);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('missing.json: cannot read');
    const ctx = await tempLake({ store: new FsObjectStore(lake) });
    try {
      await ctx.lake.attach(DATASETS);
      expect((await ctx.lake.all('SELECT section_code, level FROM flood_vigilance')).rows).toEqual([{ section_code: 'IF5', level: 3 }]);
      expect((await ctx.lake.all('SELECT count(*)::INT AS n FROM river_observations')).rows).toEqual([{ n: 2 }]);
    } finally {
      await ctx.cleanup();
    }
  });
});
