import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { DEMO_FLOOD, demoBulletins, demoHydrometry, demoStationsReferential } from '../../functions/lib/demo-climate/index.ts';
import { parseHubeau, parseInfoVigiCru } from '../../functions/lib/domain/flood/index.ts';
import { localDayBounds } from '../../functions/lib/domain/time/paris.ts';
import { floodIndicators } from '../../functions/lib/stages/flood-indicators.ts';
import { pollHubeau } from '../../functions/lib/stages/poll-hubeau.ts';
import { startFakeSources } from '../../functions/local/fake-sources.ts';
import { tempLake } from '../support/lake.ts';

describe('the demo flood (simulated, in the real formats)', () => {
  const rows = demoHydrometry();

  it('has the fields of a real observations_tr row, and of a real referential entry', async () => {
    const real = JSON.parse(await readFile(new URL('../fixtures/flood/observations_tr_K447001001_H.json', import.meta.url), 'utf8')) as { data: Record<string, unknown>[] };
    expect(Object.keys(rows[0]!).sort()).toEqual(Object.keys(real.data[0]!).sort());
    const p = parseHubeau(JSON.stringify({ count: rows.length, first: null, prev: null, next: null, api_version: '2.0.1', data: rows }));
    expect(p.kind === 'observations' && p.rejections).toEqual([]);
    const ref = parseHubeau(JSON.stringify({ count: 4, data: demoStationsReferential() }));
    expect(ref.kind === 'stations' && ref.stations.map((s) => s.stationCode).sort()).toEqual(['F490000104', 'F664000104', 'F664000404', 'F700000103']);
  });

  it('crests at 5.8–6.1 m at Paris-Austerlitz (H in mm), the Marne earlier than the Seine', () => {
    const crest = (station: string) => rows.filter((r) => r.code_station === station && r.grandeur_hydro === 'H').reduce((a, b) => (b.resultat_obs > a.resultat_obs ? b : a));
    const austerlitz = crest('F700000103');
    expect(austerlitz.resultat_obs).toBeGreaterThanOrEqual(5800);
    expect(austerlitz.resultat_obs).toBeLessThanOrEqual(6100);
    expect(Date.parse(crest('F664000404').date_obs)).toBeLessThan(Date.parse(austerlitz.date_obs));
    expect(rows.some((r) => r.code_station === null && r.grandeur_hydro === 'Q')).toBe(true);
    expect(rows.length).toBeLessThan(20_000);
  });

  it('issues bulletins twice a day that parse, reaching orange in Paris at the crest', () => {
    const bulletins = demoBulletins();
    expect(bulletins).toHaveLength(DEMO_FLOOD.days * 2);
    const levels = bulletins.map((b) => parseInfoVigiCru(b.body)).map((p) => Object.fromEntries(p.sections.map((s) => [s.sectionCode, s.level])));
    expect(Math.max(...levels.map((l) => l['IF5']!))).toBe(3);
    expect(levels[0]!['IF5']).toBe(1);
    expect(levels.at(-1)!['IF5']).toBe(1);
  });
});

describe('the demo flood through the real poller over HTTP', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeEach(async () => {
    lake = await tempLake({ now: new Date('2026-11-26T12:00:00Z') });
  });
  afterEach(async () => lake.cleanup());

  it('gives the Austerlitz indicators of a flood between 2018’s and 2016’s', async () => {
    const fake = await startFakeSources({ hubeau: { observations: demoHydrometry().filter((r) => r.code_site === 'F7000001' && r.grandeur_hydro === 'H') } });
    try {
      const s = await pollHubeau(lake, { baseUrl: fake.url, entities: [{ code_entite: 'F7000001', quantities: ['H'] }], since: new Date(localDayBounds(DEMO_FLOOD.start).start), referential: 'never' });
      expect(s).toMatchObject({ failed: 0, records: DEMO_FLOOD.days * 96, curated: DEMO_FLOOD.days * 96 });
    } finally {
      await fake.close();
    }
    await floodIndicators(lake);
    await lake.lake.attach(DATASETS);
    const [peak] = (await lake.lake.all("SELECT h_max, ratio_1910, flood_rank, strftime(day, '%Y-%m-%d') AS day FROM flood_indicators_daily ORDER BY h_max DESC LIMIT 1")).rows;
    expect(peak!.day).toBe('2026-06-04');
    expect(peak!.h_max as number).toBeGreaterThan(5.8);
    expect(peak!.ratio_1910 as number).toBeCloseTo((peak!.h_max as number) / 8.62, 3);
    expect(peak!.flood_rank).toBe(7); // below 1658, 1910, 1924, 1955, 1982 and 2016; above 2018's 5.84 m
  });
});
