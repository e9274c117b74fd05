// Throughput of the flood and heat ingestion (rows/s): Hub'Eau pages curated directly and through the
// real poller over HTTP on loopback, Météo-France daily files, and the two indicator stages.
// `benchClimate()` returns the figures (scripts/bench.ts prints them); `npx tsx scripts/bench-climate.ts`
// runs it alone.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Duck } from '../functions/lib/adapters/duckdb.ts';
import { DuckLake } from '../functions/lib/adapters/duck-lake.ts';
import { FsObjectStore } from '../functions/lib/adapters/fs-store.ts';
import { METEOFRANCE_HEADER } from '../functions/lib/demo-climate/index.ts';
import { silentLogger } from '../functions/lib/ports/logger.ts';
import type { StageContext } from '../functions/lib/stages/context.ts';
import { floodIndicators } from '../functions/lib/stages/flood-indicators.ts';
import { heatIndicators } from '../functions/lib/stages/heat-indicators.ts';
import { ingestHubeauPage } from '../functions/lib/stages/ingest-hubeau.ts';
import { ingestMeteoFrance } from '../functions/lib/stages/ingest-meteofrance.ts';
import { pollHubeau } from '../functions/lib/stages/poll-hubeau.ts';
import { startFakeSources } from '../functions/local/fake-sources.ts';

export interface ClimateFigure {
  name: string;
  value: number;
  unit: string;
  note: string;
}

const T0 = Date.UTC(2026, 0, 1);

/** Hub'Eau observations_tr rows: `perSeries` 5-minute heights for `stations` stations */
function hubeauRows(stations: number, perSeries: number, offset = 0): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let s = 0; s < stations; s++) {
    const site = `F${String(7000000 + s).padStart(7, '0')}`;
    for (let i = 0; i < perSeries; i++) {
      rows.push({
        code_site: site,
        code_station: `${site}03`,
        grandeur_hydro: 'H',
        date_obs: new Date(T0 + (offset + i) * 300_000).toISOString().replace('.000Z', 'Z'),
        resultat_obs: 2000 + ((i * 7) % 3000),
        code_methode_obs: 0,
        code_qualification_obs: 16,
        code_statut: 4,
        libelle_statut: 'Donnée brute',
        code_continuite: 0,
      });
    }
  }
  return rows;
}

function meteoFranceFile(stations: number, days: number): Buffer {
  const width = METEOFRANCE_HEADER.split(';').length;
  const lines = [METEOFRANCE_HEADER];
  for (let s = 0; s < stations; s++) {
    for (let d = 0; d < days; d++) {
      const f = new Array<string>(width).fill('');
      f[0] = s === 0 ? '75114001' : `75${String(200001 + s).padStart(6, '0')}`; // the first is Paris's reference station
      f[1] = `STATION ${s}`;
      f[5] = new Date(Date.UTC(2025, 0, 1 + d)).toISOString().slice(0, 10).replaceAll('-', '');
      f[6] = '0.0';
      f[7] = '1';
      f[8] = (10 + (d % 15)).toFixed(1);
      f[9] = '1';
      f[12] = (20 + (d % 15)).toFixed(1);
      f[13] = d % 97 === 0 ? '2' : '1';
      lines.push(f.join(';'));
    }
  }
  return gzipSync(lines.join('\n') + '\n');
}

async function withLake<T>(fn: (ctx: StageContext) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bench-climate-'));
  const duck = await Duck.open();
  try {
    return await fn({ store: new FsObjectStore(dir), lake: new DuckLake(duck, new FsObjectStore(dir)), logger: silentLogger, now: () => new Date('2026-11-26T12:00:00Z') });
  } finally {
    await duck.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const perSecond = (rows: number, seconds: number) => Math.round(rows / seconds);

export async function benchClimate(): Promise<ClimateFigure[]> {
  const figures: ClimateFigure[] = [];

  await withLake(async (ctx) => {
    // 5 pages of 20 000 rows, 4 stations × 25 000 five-minute heights (≈ 87 days)
    const rows = hubeauRows(4, 25_000);
    let t = performance.now();
    for (let p = 0; p < 5; p++) {
      const page = { count: rows.length, first: 'x', prev: null, next: null, api_version: '2.0.1', data: rows.slice(p * 20_000, (p + 1) * 20_000) };
      await ingestHubeauPage(ctx, { bytes: Buffer.from(JSON.stringify(page)), origin: `page-${p}` });
    }
    let s = (performance.now() - t) / 1000;
    figures.push({ name: 'Hub’Eau pages → river_observations', value: perSecond(rows.length, s), unit: 'rows/s', note: `${rows.length} rows in 5 pages of 20 000, parse + validate + Parquet per local day` });

    t = performance.now();
    const flood = await floodIndicators(ctx);
    s = (performance.now() - t) / 1000;
    figures.push({ name: 'flood-indicators', value: perSecond(rows.length, s), unit: 'rows/s', note: `${rows.length} observations → ${flood.rows.flood_indicators_daily} station-days` });
  });

  await withLake(async (ctx) => {
    const rows = hubeauRows(3, 20_000);
    const fake = await startFakeSources({ hubeau: { observations: rows } });
    try {
      const t = performance.now();
      const r = await pollHubeau(ctx, {
        baseUrl: fake.url,
        entities: [0, 1, 2].map((i) => ({ code_entite: `F${7000000 + i}03`, quantities: ['H' as const] })),
        since: new Date(T0),
        referential: 'never',
      });
      const s = (performance.now() - t) / 1000;
      figures.push({ name: 'poll-hubeau over HTTP (loopback)', value: perSecond(r.records, s), unit: 'rows/s', note: `${r.records} rows, ${r.pages} pages of up to 20 000, fetch + raw + curate + watermark` });
    } finally {
      await fake.close();
    }
  });

  await withLake(async (ctx) => {
    // 120 stations × 365 days, gzip: about the size of a département's “latest” file
    const bytes = meteoFranceFile(120, 365);
    let t = performance.now();
    const r = await ingestMeteoFrance(ctx, { bytes, origin: 'Q_75_bench.csv.gz' });
    let s = (performance.now() - t) / 1000;
    figures.push({ name: 'Météo-France daily file → weather_daily', value: perSecond(r.records, s), unit: 'rows/s', note: `${r.records} lines, gzip ${(bytes.length / 1024).toFixed(0)} KiB, 365 daily partitions` });
    t = performance.now();
    const heat = await heatIndicators(ctx);
    s = (performance.now() - t) / 1000;
    figures.push({ name: 'heat-indicators', value: perSecond(r.curated, s), unit: 'rows/s', note: `${r.curated} station-days → ${heat.rows.heat_indicators_commune_daily} commune-days` });
  });

  return figures;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const f of await benchClimate()) process.stdout.write(`${f.name}: ${f.value} ${f.unit} (${f.note})\n`);
}
