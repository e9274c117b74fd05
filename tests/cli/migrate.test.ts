import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckLake } from '../../functions/lib/adapters/duck-lake.ts';
import { Duck, sqlPath } from '../../functions/lib/adapters/duckdb.ts';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS, daySql, granularityOf, isPartitioned } from '../../functions/lib/datasets/index.ts';
import { fileColumns } from '../../functions/lib/datasets/declaration.ts';
import { DUCKDB_TYPE } from '../../functions/lib/datasets/derive.ts';
import { CHANGES_PREFIX } from '../../functions/lib/lake/layout.ts';
import { listAll, type ObjectStore } from '../../functions/lib/ports/object-store.ts';
import { memoryLogger } from '../../functions/lib/ports/logger.ts';
import { floodIndicators } from '../../functions/lib/stages/flood-indicators.ts';
import { heatIndicators } from '../../functions/lib/stages/heat-indicators.ts';
import { ingestHubeau } from '../../functions/lib/stages/ingest-hubeau.ts';
import { ingestMeteoFrance } from '../../functions/lib/stages/ingest-meteofrance.ts';
import { ingestVigicrues } from '../../functions/lib/stages/ingest-vigicrues.ts';
import { migrateLake } from '../../functions/lib/stages/migrate.ts';
import { observatory } from '../support/cli.ts';
import { tempLake } from '../support/lake.ts';

// `observatory migrate` on a lake written the old way (one partition per day for every dataset): the
// old lake is made from a lake written by today's code, by splitting each file of a coarser dataset
// into one file of the same name per day, as the writers used to. After the migration the two lakes
// must hold the same keys and the same rows; a second run changes nothing; a run stopped half-way
// and run again ends the same.

const obs = (date: string, value: number) => ({
  code_site: 'F7000001', code_station: 'F700000103', grandeur_hydro: 'H', date_obs: date, resultat_obs: value,
  code_statut: 4, code_qualification_obs: 16, code_methode_obs: 0, code_continuite: 0,
});
const page = (rows: unknown[]) => Buffer.from(JSON.stringify({ count: rows.length, first: 'x', prev: null, next: null, api_version: '2.0.1', data: rows }));
const bulletin = (at: string, level: number) =>
  Buffer.from(JSON.stringify({ type: 'FeatureCollection', DtHrInfoVigiCru: at, features: [{ type: 'Feature', properties: { CdEntCru: 'IF5', NivInfViCr: level } }] }));
const HEADER = 'NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;TX;QTX;TM;QTM';
const weather = (days: [string, number, number][]) =>
  Buffer.from([HEADER, ...days.map(([d, tn, tx]) => ['75114001', 'PARIS-MONTSOURIS', '', '', '', d.replaceAll('-', ''), '', '', tn, 1, tx, 1, '', ''].join(';'))].join('\n'));

type Lake = Awaited<ReturnType<typeof tempLake>>;

/** every object key under curated/ and quarantine/ */
async function dataKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of ['curated/', 'quarantine/']) for await (const o of listAll(store, prefix)) keys.push(o.key);
  return keys.sort();
}

/** every partitioned dataset's rows, dt included, sorted */
async function contents(dir: string): Promise<Record<string, unknown[]>> {
  const duck = await Duck.open({ threads: 1 });
  try {
    const lake = new DuckLake(duck, new FsObjectStore(dir));
    await lake.attach(DATASETS);
    const out: Record<string, unknown[]> = {};
    for (const d of DATASETS.filter(isPartitioned)) out[d.name] = (await lake.all(`SELECT * FROM ${d.name} ORDER BY ALL`)).rows;
    return out;
  } finally {
    await duck.close();
  }
}

/** rewrites a lake the old way: each file of a dataset partitioned by month or year split into one file per day, same name */
async function toDailyLayout(ctx: Lake, dir: string): Promise<number> {
  const store = new FsObjectStore(dir);
  let split = 0;
  for (const d of DATASETS.filter((x) => isPartitioned(x) && granularityOf(x) !== 'day')) {
    for await (const o of listAll(store, `${d.prefix}/`)) {
      const columns = fileColumns(d).map((c) => `CAST(${c.name} AS ${DUCKDB_TYPE[c.type]}) AS ${c.name}`).join(', ');
      const file = sqlPath(store.localPath(o.key));
      const days = await ctx.lake.all(`SELECT DISTINCT CAST(${daySql(d)} AS VARCHAR) AS day FROM read_parquet('${file}') ORDER BY 1`);
      const name = o.key.slice(o.key.lastIndexOf('/') + 1);
      for (const { day } of days.rows as { day: string }[]) {
        const target = path.join(dir, d.prefix, `dt=${day}`, name);
        await mkdir(path.dirname(target), { recursive: true });
        await ctx.lake.run(`COPY (SELECT ${columns} FROM read_parquet('${file}') WHERE CAST(${daySql(d)} AS VARCHAR) = '${day}') TO '${sqlPath(target)}' (FORMAT parquet)`);
      }
      await store.delete(o.key);
      split++;
    }
  }
  return split;
}

describe('observatory migrate', () => {
  let written: Lake;
  let expectedKeys: string[];
  let expectedRows: Record<string, unknown[]>;
  const oldLakes: string[] = [];

  async function oldLake(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-migrate-'));
    oldLakes.push(dir);
    await cp(written.dir, dir, { recursive: true });
    expect(await toDailyLayout(written, dir)).toBeGreaterThan(5);
    return dir;
  }

  beforeAll(async () => {
    written = await tempLake({ now: new Date('2026-08-10T08:00:00Z') });
    // river heights over three days across a month's end, a bulletin, two summers of a weather station
    await ingestHubeau(written, { origin: 'a.json', bytes: page([obs('2026-06-29T10:00:00Z', 3100), obs('2026-06-30T10:00:00Z', 3300), obs('2026-07-01T10:00:00Z', 3500)]) });
    await ingestHubeau(written, { origin: 'b.json', bytes: page([obs('2026-07-01T11:00:00Z', 3600), obs('2026-07-02T11:00:00Z', 3400)]) });
    await ingestVigicrues(written, { origin: 'v.json', bytes: bulletin('2026-06-30T09:00:00Z', 2) });
    await ingestMeteoFrance(written, { origin: 'w.csv', bytes: weather([['2025-07-01', 18, 29], ['2025-07-02', 21, 33], ['2026-07-01', 22, 34], ['2026-07-02', 23, 35], ['2026-07-03', 19, 36]]) });
    await floodIndicators(written);
    await heatIndicators(written);
    expectedKeys = await dataKeys(written.store);
    expectedRows = await contents(written.dir);
  });
  afterAll(async () => {
    await written.cleanup();
    for (const dir of oldLakes) await rm(dir, { recursive: true, force: true });
  });

  it('moves daily partitions into the declared monthly and yearly ones: same keys, same rows; a second run changes nothing', async () => {
    const dir = await oldLake();
    expect(await dataKeys(new FsObjectStore(dir))).not.toEqual(expectedKeys);
    const first = await observatory(['--lake', dir, 'migrate', '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    const moved = JSON.parse(first.stdout) as { dataset: string; files_moved: number }[];
    expect(moved.find((x) => x.dataset === 'river_observations')!.files_moved).toBe(5); // a.json: 3 days, b.json: 2 days
    expect(moved.find((x) => x.dataset === 'weather_daily')!.files_moved).toBe(5);
    expect(await dataKeys(new FsObjectStore(dir))).toEqual(expectedKeys);
    expect(await contents(dir)).toEqual(expectedRows);

    const again = await observatory(['--lake', dir, 'migrate', '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { files_moved: number }[]).every((x) => x.files_moved === 0)).toBe(true);
    expect(await contents(dir)).toEqual(expectedRows);
    // readers that follow the change log are told which partitions moved
    const changes: string[] = [];
    for await (const o of listAll(new FsObjectStore(dir), `${CHANGES_PREFIX}/river_observations/`)) changes.push(o.key);
    expect(changes.some((k) => k.endsWith('-migrate.json'))).toBe(true);
  });

  it('stopped after any of its deletes and run again, ends with the same keys and rows', async () => {
    for (const stopAfter of [2, 9]) {
      const dir = await oldLake();
      const store = new FsObjectStore(dir);
      let deletes = 0;
      const stopping: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
        delete: async (key: string) => {
          if (++deletes > stopAfter) throw new Error('stopped');
          return store.delete(key);
        },
      });
      const duck = await Duck.open({ threads: 1 });
      try {
        const ctx = { store: stopping, lake: new DuckLake(duck, stopping), logger: memoryLogger(), now: () => new Date('2026-08-10T09:00:00Z') };
        await expect(migrateLake(ctx)).rejects.toThrow('stopped');
      } finally {
        await duck.close();
      }
      const rerun = await observatory(['--lake', dir, 'migrate', '--format', 'json']);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(await dataKeys(store), `stopped after ${stopAfter} deletes`).toEqual(expectedKeys);
      expect(await contents(dir), `stopped after ${stopAfter} deletes`).toEqual(expectedRows);
    }
  });
});
