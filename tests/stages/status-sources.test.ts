import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestClimateFile } from '../../functions/lib/stages/ingest-climate.ts';
import { ingestNoise, type IngestSummary } from '../../functions/lib/stages/ingest-noise.ts';
import { expectedSpan, lakeStatus, type LakeStatus } from '../../functions/lib/stages/status.ts';
import { tempLake } from '../support/lake.ts';
import { observatoryInProcess } from '../notebooks/in-process.ts';

// `status` per source kind: one file of each kind, its counts checked against what its ingest said.

const NOW = new Date('2026-01-28T10:00:00Z');
type Lake = Awaited<ReturnType<typeof tempLake>>;

const meteoHeader = (await readFile(new URL('../fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv', import.meta.url), 'utf8')).trim();
const meteoLine = (day: string, tx: string) =>
  meteoHeader
    .split(';')
    .map((c) => ({ NUM_POSTE: '75114001', NOM_USUEL: 'PARIS-MONTSOURIS', AAAAMMJJ: day, TN: '2.0', QTN: '1', TX: tx, QTX: '1', RR: '0.0', QRR: '1' })[c] ?? '')
    .join(';');

describe('lakeStatus() per source kind', () => {
  let lake: Lake;
  let status: LakeStatus;
  const said = new Map<string, IngestSummary>();

  beforeAll(async () => {
    lake = await tempLake({ now: NOW });
    const fiware = [0, 1, 2].map((i) => ({
      id: `urn:ngsi-ld:NoiseLevelObserved:s1-${i}`,
      type: 'NoiseLevelObserved',
      refDevice: 'urn:ngsi-ld:Device:s1',
      location: { type: 'Point', coordinates: [2.35, 48.85] },
      dateObservedFrom: `2026-01-27T10:0${i}:00Z`,
      dateObservedTo: `2026-01-27T10:0${i + 1}:00Z`,
      LAeq: i === 2 ? 'loud' : 60 + i,
    }));
    said.set('noise-fiware', await ingestNoise(lake, { sourceKind: 'noise-fiware', bytes: Buffer.from(JSON.stringify(fiware)), origin: 'batch.json' }));
    said.set('noise-csv', await ingestNoise(lake, { sourceKind: 'noise-csv', bytes: Buffer.from('timestamp,LAeq\n2026-01-27T10:00:00Z,55.1\n2026-01-27T10:01:00Z,56.3\n'), origin: 's.csv', csv: { sensorId: 'csv-1', lon: 2.36, lat: 48.93 } }));
    // an observations_tr page as Hub'Eau sends it (fields of tests/fixtures/flood/observations_tr_*.json)
    const obs = (date: string, value: number) => ({ code_site: 'F7000001', code_station: 'F700000103', grandeur_hydro: 'H', date_obs: date, resultat_obs: value, code_statut: 4, code_qualification_obs: 16, code_methode_obs: 0, code_continuite: 0 });
    const page = { count: 2, first: 'x', prev: null, next: null, api_version: '2.0.1', data: [obs('2026-01-28T08:00:00Z', 2100), obs('2026-01-28T08:05:00Z', 2110)] };
    said.set('hubeau', await ingestClimateFile(lake, 'hubeau', { bytes: Buffer.from(JSON.stringify(page)), origin: 'obs.json' }));
    said.set('vigicrues', await ingestClimateFile(lake, 'vigicrues', { bytes: Buffer.from(JSON.stringify({ ListEntVigiCru: [{ CdEntVigiCru: 'IF5', NivInfoVigiCru: 2 }, { CdEntVigiCru: 'IF17', NivInfoVigiCru: 9 }] })), origin: 'list.json' }));
    said.set('meteofrance', await ingestClimateFile(lake, 'meteofrance', { bytes: Buffer.from([meteoHeader, meteoLine('20260125', '8.0'), meteoLine('20260126', '9.5')].join('\n') + '\n'), origin: 'Q_75_latest-2025-2026_RR-T-Vent.csv' }));
    status = await lakeStatus(lake);
  }, 240_000);
  afterAll(() => lake.cleanup());

  it.each(['noise-fiware', 'noise-csv', 'hubeau', 'vigicrues', 'meteofrance'])('%s: raw files, last receipt, records curated and quarantined, rate as a fraction', (kind) => {
    const s = status.sources.find((x) => x.source_kind === kind)!;
    const ingest = said.get(kind)!;
    expect(ingest.curated).toBeGreaterThan(0);
    expect(s).toMatchObject({ raw_files: 1, last_received: NOW.toISOString(), records_curated: ingest.curated, records_quarantined: ingest.quarantined });
    expect(s.quarantine_rate).toBe(ingest.quarantined / (ingest.curated + ingest.quarantined));
    expect(s.freshness_hours).toBe(0);
    expect(s.stale).toBe(false);
  });

  it('names the expected receipt interval of pushed and polled sources, none for files given by hand', () => {
    const every = Object.fromEntries(status.sources.map((s) => [s.source_kind, s.expected_every_hours]));
    expect(every).toMatchObject({ 'noise-fiware': 1, 'noise-csv': null, hubeau: 0.25, vigicrues: 1, meteofrance: 24 });
    // the bad LAeq and the level 9 were quarantined: both rates are above 0
    expect(status.sources.find((s) => s.source_kind === 'noise-fiware')!.quarantine_rate).toBeCloseTo(1 / 3, 10);
    expect(status.sources.find((s) => s.source_kind === 'vigicrues')!.quarantine_rate).toBeCloseTo(1 / 2, 10);
  });

  it('observatory status prints the rate as a percentage with one decimal in its table, and as the fraction in JSON', async () => {
    const table = await observatoryInProcess(['--lake', lake.dir, 'status']);
    expect(table.code, table.stderr).toBe(0);
    const rowOf = (kind: string) => table.stdout.split('\n').find((l) => l.startsWith(`${kind} `)) ?? '';
    expect(rowOf('noise-fiware')).toMatch(/│ 33\.3 % +│/);
    expect(rowOf('vigicrues')).toMatch(/│ 50\.0 % +│/);
    expect(rowOf('hubeau')).toMatch(/│ 0\.0 % +│/);
    expect(table.stdout).not.toMatch(/0\.33333/);
    const json = await observatoryInProcess(['--lake', lake.dir, 'status', '--format', 'json']);
    expect((JSON.parse(json.stdout) as LakeStatus).sources.find((x) => x.source_kind === 'noise-fiware')!.quarantine_rate).toBeCloseTo(1 / 3, 10);
  });
});

describe('expectedSpan()', () => {
  it('counts missing days from the latest run back to a gap longer than a month, not from a stray old file', () => {
    expect(expectedSpan(['2025-01-10', '2025-10-01', '2025-10-02', '2025-10-04'], 'day')).toEqual({ from: '2025-10-01', missing: 1 });
    expect(expectedSpan(['2025-09-01', '2025-10-01', '2025-10-02'], 'day')).toEqual({ from: '2025-09-01', missing: 29 });
    expect(expectedSpan(['2024-01', '2025-09', '2025-11', '2025-12'], 'month')).toEqual({ from: '2025-09', missing: 1 });
    expect(expectedSpan(['2019', '2023', '2025'], 'year')).toEqual({ from: '2023', missing: 1 });
    expect(expectedSpan([], 'day')).toEqual({ from: null, missing: 0 });
  });
});
