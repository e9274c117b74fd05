import { describe, expect, it } from 'vitest';
import { checkSiteData, communeLiveJson, mapJson, SiteDataError } from '../../functions/lib/publish/site-data.ts';

// The site's JSON contract (publish/site-data.ts): what the publisher checks before writing and the
// browser code parses after fetching. A misfit names the file, the field, what was expected and found.

const text = (fr: string, en: string) => ({ fr, en });
const outlook = { days: ['2026-06-30', '2026-07-01', '2026-07-02'], now: '2026-06-30T12:00:00.000Z', demo: true, items: [] };
const live = {
  data_as_of: '2026-06-30T11:00:00.000Z',
  as_of_by_theme: [{ title: text('Bruit', 'Noise'), as_of: '2026-06-30T11:00:00.000Z' }],
  as_of_text: text('Données au 30 juin 2026, 13:00', 'Data as of 30 June 2026, 13:00'),
  sections: [],
  panel: text('<p>Pas encore de prévision</p>', '<p>No forecast yet</p>'),
  outlook,
  outlook_panel: text('<p>…</p>', '<p>…</p>'),
};

describe('the site data contract', () => {
  it('accepts a live file of the published shape, as it is', () => {
    expect(checkSiteData('data/live/75056.json', communeLiveJson, live)).toEqual(live);
  });

  it('names the file, the field, what it expected and what it found', () => {
    const bad = { ...live, panel: 5, outlook: { ...outlook, items: [{ id: 'storm' }] } };
    let error: unknown;
    try {
      checkSiteData('data/live/75056.json', communeLiveJson, bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SiteDataError);
    const e = error as SiteDataError;
    expect(e.file).toBe('data/live/75056.json');
    expect(e.issues).toContain('at panel: expected object, found number 5');
    expect(e.issues).toContain('at outlook.items.0.id: expected one of "flood", "heat", "noise-who", "noise-fr", found string "storm"');
    expect(e.message).toMatch(/^data\/live\/75056\.json does not have the shape the site expects: /);
  });

  it('keeps an arrondissement sub-layer optional in map.json, and checks it when present', () => {
    const map = { generated_at: 'x', data_as_of: null, default_layer: null, groups: [], layers: [], points: [], communes: [] };
    expect(() => checkSiteData('data/map.json', mapJson, map)).not.toThrow();
    expect(() => checkSiteData('data/map.json', mapJson, { ...map, arrondissements: { values: { 'noise-lden': { 75111: 'loud' } }, class_of: {}, names: [] } })).toThrow(
      /at arrondissements\.values\.noise-lden\.75111: expected number, found string "loud"/,
    );
  });
});
