import { describe, expect, it } from 'vitest';
import { communesAlong, distanceToCommune, parseInfoVigiCru, SECTION_COMMUNES, SECTIONS } from '../../functions/lib/domain/flood/index.ts';
import { VIGICRUES_SECTIONS } from '../../functions/lib/domain/flood/config.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';
import { parseTronEntVigiCru } from '../../functions/lib/domain/flood/vigicrues.ts';
import { readFileSync } from 'node:fs';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/flood/vigicrues/${name}`, import.meta.url), 'utf8');

const feature = (properties: Record<string, unknown>) => ({ type: 'Feature', properties, geometry: { type: 'MultiLineString', coordinates: [[[2.35, 48.85], [2.36, 48.84]]] } });

describe('parseInfoVigiCru()', () => {
  it('reads the GeoJSON form: section code, level, label in either spelling, the bulletin time at the root', () => {
    const doc = {
      type: 'FeatureCollection',
      DtHrInfoVigiCru: '2026-01-28T09:00:00+00:00',
      features: [
        feature({ gid: 1, CdEntCru: 'SEINE-PARIS', lbentcru: 'Seine parisienne', NivInfViCr: 3 }),
        feature({ gid: 2, CdEntCru: 'MARNE-AVAL', LbEntCru: 'Marne aval', NivInfViCr: '2' }),
      ],
    };
    const p = parseInfoVigiCru(JSON.stringify(doc));
    expect(p.form).toBe('geojson');
    expect(p.bulletinAt?.toISOString()).toBe('2026-01-28T09:00:00.000Z');
    expect(p.sections.map((s) => [s.sectionCode, s.sectionLabel, s.level])).toEqual([
      ['SEINE-PARIS', 'Seine parisienne', 3],
      ['MARNE-AVAL', 'Marne aval', 2],
    ]);
    // the record text is the feature's properties, not its (large) geometry
    expect(p.sections[0]!.recordText).not.toContain('coordinates');
  });

  it('reads the JSON list forms, with or without the ListEntVigiCru envelope', () => {
    const list = parseInfoVigiCru(JSON.stringify({ ListEntVigiCru: [{ CdEntVigiCru: 'SEINE-PARIS', TypEntVigiCru: '8', NivInfoVigiCru: 4, LbEntVigiCru: 'Seine' }] }));
    expect(list.form).toBe('list');
    expect(list.sections.map((s) => [s.sectionCode, s.level, s.sectionLabel])).toEqual([['SEINE-PARIS', 4, 'Seine']]);
    expect(list.bulletinAt).toBeNull();
    const bare = parseInfoVigiCru(JSON.stringify([{ CdEntCru: 'MARNE-AVAL', NivInfViCr: 1, DtHrInfoVigiCru: '2026-01-28T15:00:00Z' }]));
    expect(bare.sections[0]).toMatchObject({ sectionCode: 'MARNE-AVAL', level: 1 });
    expect(bare.sections[0]!.bulletinAt?.toISOString()).toBe('2026-01-28T15:00:00.000Z');
  });

  it('rejects a level outside 1–4 or a missing code, naming the field', () => {
    const p = parseInfoVigiCru(
      JSON.stringify({
        type: 'FeatureCollection',
        features: [feature({ CdEntCru: 'A', NivInfViCr: 0 }), feature({ CdEntCru: 'B', NivInfViCr: 5 }), feature({ CdEntCru: 'C' }), feature({ NivInfViCr: 2 }), feature({ CdEntCru: 'E', NivInfViCr: 2.5 }), feature({ CdEntCru: 'F', NivInfViCr: 1 })],
      }),
    );
    expect(p.sections.map((s) => s.sectionCode)).toEqual(['F']);
    expect(p.rejections.map((r) => [r.record, r.field])).toEqual([
      ['0', 'NivInfViCr'],
      ['1', 'NivInfViCr'],
      ['2', 'NivInfViCr'],
      ['3', 'CdEntCru'],
      ['4', 'NivInfViCr'],
    ]);
  });

  it('a document that is neither form is unreadable', () => {
    expect(() => parseInfoVigiCru('{"type": "Feature"}')).toThrow(UnreadableInputError);
    expect(() => parseInfoVigiCru('{"features": [')).toThrow(/not JSON/);
  });
});

describe('Vigicrues sections → communes of the Métropole (config/vigicrues-sections.json)', () => {
  it('each section’s communes are exactly those within buffer_m of its course (commune polygons of data/mgp-communes.json)', () => {
    for (const s of SECTIONS) {
      expect(s.communes, s.code).toEqual(communesAlong(s.course, VIGICRUES_SECTIONS.buffer_m));
    }
  });

  it('covers the riverside communes of the Seine and the Marne, and leaves inland communes out', () => {
    const all = new Set(SECTIONS.flatMap((s) => s.communes));
    expect(SECTION_COMMUNES.get('IF5')).toContain('75056');
    for (const c of ['94028', '94068', '93051', '94052']) expect(SECTION_COMMUNES.get('IF17'), c).toContain(c); // Créteil, Saint-Maur, Noisy-le-Grand, Nogent
    for (const c of ['95018', '92050', '93066', '92012']) expect(SECTION_COMMUNES.get('IF5'), c).toContain(c); // Argenteuil, Nanterre, Saint-Denis, Boulogne
    for (const c of ['91687', '94022', '94081']) expect(SECTION_COMMUNES.get('IF3'), c).toContain(c); // Viry-Châtillon, Choisy-le-Roi, Vitry
    // Alfortville sits between the Seine and the Marne at their confluence
    expect(SECTIONS.filter((s) => s.communes.includes('94002')).map((s) => s.code).sort()).toEqual(['IF17', 'IF3', 'IF5']);
    for (const inland of ['93048', '94080', '92049', '93008']) expect(all.has(inland), inland).toBe(false); // Montreuil, Vincennes, Montrouge, Bobigny
  });

  it('names every section by its code and label in the recorded Vigicrues referential (TronEntVigiCru.jsonld)', () => {
    const referential = new Map(parseTronEntVigiCru(fixture('TronEntVigiCru.jsonld')).map((s) => [s.code, s.label]));
    expect(referential.size).toBe(323);
    for (const s of SECTIONS) expect(referential.get(s.code), s.code).toBe(s.label);
    expect(SECTIONS.map((s) => s.code)).toEqual(['IF3', 'IF5', 'IF17']);
  });

  it('distanceToCommune() is 0 for a course through the commune and grows with the gap', () => {
    expect(distanceToCommune('75056', [[[2.35, 48.85], [2.36, 48.86]]])).toBe(0);
    const far = distanceToCommune('75056', [[[2.6, 48.6], [2.61, 48.6]]]);
    expect(far).toBeGreaterThan(15_000);
    expect(far).toBeLessThan(40_000);
  });
});
