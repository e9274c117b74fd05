import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestVigicrues } from '../../functions/lib/stages/ingest-vigicrues.ts';
import { checkSectionMapping, ingestVigicruesSections, SectionMappingError } from '../../functions/lib/stages/vigicrues-sections.ts';
import { tempLake } from '../support/lake.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/flood/vigicrues/${name}`, import.meta.url));

describe('the Vigicrues section referential and the section → commune mapping', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  afterEach(() => lake.cleanup());

  it('warns while no referential is stored; once the recorded one is, the configured real codes pass and an unknown code is an error', async () => {
    lake = await tempLake({ now: new Date('2026-01-28T10:00:00Z') });
    await checkSectionMapping(lake);
    await checkSectionMapping(lake);
    // once a run (each bulletin ingested checks it), not once a bulletin
    expect(lake.logs.filter((l) => l.includes('no Vigicrues section referential stored'))).toHaveLength(1);
    expect(await ingestVigicruesSections(lake, { bytes: fixture('TronEntVigiCru.jsonld'), origin: 'TronEntVigiCru.jsonld' })).toMatchObject({ sections: 323 });
    await expect(checkSectionMapping(lake, ['IF5', 'SEINE-PARIS'])).rejects.toThrow(SectionMappingError);
    await expect(checkSectionMapping(lake, ['IF5', 'SEINE-PARIS'])).rejects.toThrow('absent from the stored Vigicrues referential (raw/vigicrues-sections/');
  });

  it('curates the official national detail bulletin: the Métropole’s sections marked, each with its territory’s bulletin time', async () => {
    lake = await tempLake({ now: new Date('2026-01-28T10:00:00Z') });
    await ingestVigicruesSections(lake, { bytes: fixture('TronEntVigiCru.jsonld'), origin: 'TronEntVigiCru.jsonld' });
    const s = await ingestVigicrues(lake, { bytes: fixture('InfoVigiCru.TypEntVigiCru2.detail.jsonld'), origin: 'https://www.vigicrues.gouv.fr/services/1/InfoVigiCru.jsonld/?TypEntVigiCru=2&mode=detail' });
    expect(s).toMatchObject({ form: 'jsonld', quarantined: 0, metropoleSections: { IF3: 1, IF5: 2, IF17: 2 } });
    expect(s.curated).toBe(s.records);
    expect(s.records).toBeGreaterThan(300);
  });
});
