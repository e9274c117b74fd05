import { describe, expect, it } from 'vitest';
import {
  ARRONDISSEMENTS,
  arrondissementAt,
  arrondissementName,
  arrondissementOf,
  isArrondissement,
} from '../../functions/lib/domain/geo/arrondissements.ts';
import { defaultSensorsPerCommune, demoNetwork } from '../../functions/lib/demo/network.ts';
import { arrondissementSummaryText } from '../../functions/lib/publish/summary.ts';

// The arrondissements of Paris (data/paris-arrondissements.json, City of Paris, ODbL): codes, names,
// the arrondissement of a point (landmarks whose arrondissement everyone knows), the sensors' column
// rule, the demo's placement, and the arrondissement's plain-language summary.

describe('the arrondissements of Paris', () => {
  it('are the 20 INSEE codes 75101–75120, numbered 1 to 20, with their populations', () => {
    expect(ARRONDISSEMENTS.map((a) => a.arrondissement_insee)).toEqual(Array.from({ length: 20 }, (_, i) => `751${String(i + 1).padStart(2, '0')}`));
    expect(ARRONDISSEMENTS.map((a) => a.number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(ARRONDISSEMENTS.every((a) => a.population > 10_000)).toBe(true);
    expect(isArrondissement('75111')).toBe(true);
    expect(isArrondissement('75056')).toBe(false);
  });

  it('are named « Paris 11e arrondissement », « Paris 11th arrondissement »', () => {
    expect([1, 2, 3, 11, 20].map((n) => arrondissementName('fr', n))).toEqual([
      'Paris 1er arrondissement',
      'Paris 2e arrondissement',
      'Paris 3e arrondissement',
      'Paris 11e arrondissement',
      'Paris 20e arrondissement',
    ]);
    expect([1, 2, 3, 11, 12, 13, 20].map((n) => arrondissementName('en', n))).toEqual([
      'Paris 1st arrondissement',
      'Paris 2nd arrondissement',
      'Paris 3rd arrondissement',
      'Paris 11th arrondissement',
      'Paris 12th arrondissement',
      'Paris 13th arrondissement',
      'Paris 20th arrondissement',
    ]);
  });

  it('places landmarks in their arrondissement', () => {
    const landmarks: [string, number, number, string][] = [
      ['Notre-Dame', 2.3499, 48.853, '75104'],
      ['Tour Eiffel', 2.2945, 48.8584, '75107'],
      ['Sacré-Cœur', 2.3431, 48.8867, '75118'],
      ['Mairie du 11e (place Léon-Blum)', 2.3799, 48.8574, '75111'],
      ['Bois de Vincennes', 2.433, 48.833, '75112'],
      ['Bois de Boulogne', 2.253, 48.862, '75116'],
      ['Gare du Nord', 2.3553, 48.8809, '75110'],
    ];
    for (const [name, lon, lat, code] of landmarks) expect(arrondissementAt(lon, lat).arrondissement_insee, name).toBe(code);
  });

  it('give a sensor its arrondissement inside Paris only, and none without a position', () => {
    expect(arrondissementOf('75056', 2.3799, 48.8574)).toBe('75111');
    expect(arrondissementOf('93066', 2.3599, 48.9362)).toBeNull();
    expect(arrondissementOf('75056', null, null)).toBeNull();
    expect(arrondissementOf(null, 2.3799, 48.8574)).toBeNull();
  });

  it('each hold one of the default demo network’s 20 sensors of Paris', () => {
    const paris = demoNetwork({ seed: 20260630, sensorsPerCommune: defaultSensorsPerCommune }).filter((s) => s.communeInsee === '75056');
    expect(paris).toHaveLength(20);
    expect(new Set(paris.map((s) => arrondissementOf('75056', s.lon, s.lat)))).toEqual(new Set(ARRONDISSEMENTS.map((a) => a.arrondissement_insee)));
  });
});

describe('an arrondissement’s summary', () => {
  const paris = { quieterNights: { share: 99, of: 128 }, heatwaveDays: { days: 5, period: { from: '2026-06-01', to: '2026-06-29' } }, vigilance: 1 };

  it('gives its own mean Lnight beside Paris’s, never a rank among the communes, then Paris’s heat and floods', () => {
    const fr = arrondissementSummaryText('fr', 'Paris 11e arrondissement', { lnight: 58.34, paris: 60.1 }, paris);
    expect(fr).toBe('Paris 11e arrondissement : Lnight moyen 58,3 dB(A) (Paris : 60,1 dB(A)) ; 5 jours de canicule du 1 juin 2026 au 29 juin 2026 ; crues : vigilance verte.');
    expect(fr).not.toContain('communes');
    const en = arrondissementSummaryText('en', 'Paris 11th arrondissement', { lnight: 58.34, paris: 60.1 }, paris);
    expect(en).toMatch(/^Paris 11th arrondissement: mean Lnight 58\.3 dB\(A\) \(Paris: 60\.1 dB\(A\)\); 5 heat-wave days from .+; floods: green vigilance\.$/);
  });

  it('says plainly when no sensor of the arrondissement is measured', () => {
    const fr = arrondissementSummaryText('fr', 'Paris 2e arrondissement', { lnight: null, paris: 60.1 }, { quieterNights: null, heatwaveDays: null, vigilance: null });
    expect(fr).toBe('Paris 2e arrondissement : aucun capteur de bruit mesuré dans l’arrondissement, les niveaux de bruit sont ceux de Paris.');
  });
});
