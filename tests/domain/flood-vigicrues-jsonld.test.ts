import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInfoVigiCru, parseTronEntVigiCru } from '../../functions/lib/domain/flood/vigicrues.ts';
import { parseInstant } from '../../functions/lib/domain/flood/records.ts';
import { UnreadableInputError } from '../../functions/lib/domain/noise/observation.ts';

// Recorded responses of the official API (services/1/…jsonld, 23–24 January 2021), see tests/fixtures/SOURCES.md.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/flood/vigicrues/${name}`, import.meta.url), 'utf8');

describe('Vigicrues official JSON-LD (InfoVigiCru.jsonld, TronEntVigiCru.jsonld)', () => {
  it('reads every section’s level from the national detail bulletin, each dated by its territory’s bulletin', () => {
    const p = parseInfoVigiCru(fixture('InfoVigiCru.TypEntVigiCru2.detail.jsonld'));
    expect(p.form).toBe('jsonld');
    expect(p.rejections).toEqual([]);
    // the national bulletin's own time, written +0100 without a colon
    expect(p.bulletinAt?.toISOString()).toBe('2021-01-24T07:16:03.000Z');
    const byCode = new Map(p.sections.map((s) => [s.sectionCode, s]));
    expect(byCode.size).toBe(p.sections.length);
    // Seine-moyenne-Yonne-Loing (territory 7), as recorded: Seine à Paris and the lower Marne yellow, Seine moyenne green
    expect([byCode.get('IF5')?.level, byCode.get('IF17')?.level, byCode.get('IF3')?.level]).toEqual([2, 2, 1]);
    expect(byCode.get('IF5')!.bulletinAt?.toISOString()).toBe('2021-01-23T14:33:17.000Z');
    expect(byCode.get('AP1')!.bulletinAt?.toISOString()).toBe('2021-01-23T12:58:40.000Z');
    expect(JSON.parse(byCode.get('IF5')!.recordText)).toEqual({ 'vic:NivInfoVigiCru': '2', 'vic:porteSurLEntite': { '@id': 'http://id.eaufrance.fr/TronEntVigiCru/IF5', 'vic:CdEntVigiCru': 'IF5', 'vic:TypEntVigiCru': '8' } });
  });

  it('reads a territory’s detail bulletin, and refuses the forms without section levels, naming the detailed form', () => {
    const territory = parseInfoVigiCru(fixture('InfoVigiCru.CdEntVigiCru1.detail.jsonld'));
    expect(territory.sections.length).toBeGreaterThan(5);
    expect(territory.sections.every((s) => /^AP\d+$/.test(s.sectionCode))).toBe(true);
    expect(territory.bulletinAt?.toISOString()).toBe('2021-01-23T12:58:40.000Z');
    try {
      parseInfoVigiCru(fixture('InfoVigiCru.TypEntVigiCru2.jsonld'));
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(UnreadableInputError);
      expect((e as UnreadableInputError).expected).toContain('mode=detail');
      expect((e as UnreadableInputError).found).toBe('a bulletin about entity A00 of type 2');
    }
  });

  it('takes a section bulletin’s code from the request, as the document does not repeat it', () => {
    const text = fixture('InfoVigiCru.CdEntVigiCruAP1.jsonld');
    const p = parseInfoVigiCru(text, 'https://www.vigicrues.gouv.fr/services/1/InfoVigiCru.jsonld/?TypEntVigiCru=8&CdEntVigiCru=AP1');
    expect(p.sections.map((s) => [s.sectionCode, s.level, s.bulletinAt?.toISOString()])).toEqual([['AP1', 1, '2021-01-23T12:58:40.000Z']]);
    expect(() => parseInfoVigiCru(text, 'InfoVigiCru.jsonld')).toThrow(UnreadableInputError);
  });

  it('quarantines a section of the tree with a level out of 1–4, keeping the others', () => {
    type Territory = { 'vic:porteSurLEntite': { 'vic:CdEntVigiCru': string }; 'vic:estLaSyntheseDe': { 'vic:NivInfoVigiCru': string }[] };
    const doc = JSON.parse(fixture('InfoVigiCru.TypEntVigiCru2.detail.jsonld')) as { 'vic:InfoVigiCru': { 'vic:estLaSyntheseDe': Territory[] } };
    const seine = doc['vic:InfoVigiCru']['vic:estLaSyntheseDe'].find((t) => t['vic:porteSurLEntite']['vic:CdEntVigiCru'] === '7')!;
    seine['vic:estLaSyntheseDe'][0]!['vic:NivInfoVigiCru'] = '9';
    const p = parseInfoVigiCru(JSON.stringify(doc));
    expect(p.rejections).toHaveLength(1);
    expect(p.rejections[0]).toMatchObject({ field: 'vic:NivInfoVigiCru', found: '"9"' });
    expect(p.rejections[0]!.recordText).toContain('IF2');
  });

  it('reads the section referential: 323 sections with their labels, the real sections of Île-de-France among them', () => {
    const all = parseTronEntVigiCru(fixture('TronEntVigiCru.jsonld'));
    expect(all).toHaveLength(323);
    const label = new Map(all.map((s) => [s.code, s.label]));
    expect([label.get('IF5'), label.get('IF3'), label.get('IF17'), label.get('IF18'), label.get('IF2')]).toEqual([
      'Seine à Paris',
      'Seine moyenne',
      'Marne de Condé à Charenton',
      'Seine yvelinoise',
      'Oise aval francilienne',
    ]);
    const one = parseTronEntVigiCru(fixture('TronEntVigiCru.CdEntVigiCruAP1.jsonld'));
    expect(one).toEqual([{ code: 'AP1', label: 'Sambre', territory: '1' }]);
    expect(() => parseTronEntVigiCru(fixture('InfoVigiCru.TypEntVigiCru2.jsonld'))).toThrow('not a TronEntVigiCru document');
  });

  it('reads offsets with or without a colon, and refuses a date that does not exist', () => {
    expect(parseInstant('2021-01-23T13:58:40+0100')?.toISOString()).toBe('2021-01-23T12:58:40.000Z');
    expect(parseInstant('2021-01-23T13:58:40+01:00')?.toISOString()).toBe('2021-01-23T12:58:40.000Z');
    expect(parseInstant('2021-02-30T13:58:40+0100')).toBeUndefined();
    expect(parseInstant('2021-01-23T13:58:40+010')).toBeUndefined();
  });
});
