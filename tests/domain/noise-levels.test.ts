import { describe, expect, it } from 'vitest';
import { CONVENTIONS, PERIOD_CONVENTIONS } from '../../functions/lib/domain/noise/conventions.ts';
import { periodOf } from '../../functions/lib/domain/noise/levels.ts';
import { exceeds, FR_LIMITS_2006, WHO_2018 } from '../../functions/lib/domain/noise/thresholds.ts';
import { NOISE_SOURCES } from '../../functions/lib/datasets/noise.ts';

describe('periodOf()', () => {
  it('periodOf() follows the eu periods 07–19, 19–23, 23–07', () => {
    const periods = Array.from({ length: 24 }, (_, h) => periodOf(h, 'eu'));
    expect(periods.slice(0, 7).every((p) => p === 'night')).toBe(true);
    expect(periods.slice(7, 19).every((p) => p === 'day')).toBe(true);
    expect(periods.slice(19, 23).every((p) => p === 'evening')).toBe(true);
    expect(periods[23]).toBe('night');
  });

  it('periodOf() follows the fr periods 06–18, 18–22, 22–06', () => {
    expect(periodOf(5, 'fr')).toBe('night');
    expect(periodOf(6, 'fr')).toBe('day');
    expect(periodOf(17, 'fr')).toBe('day');
    expect(periodOf(18, 'fr')).toBe('evening');
    expect(periodOf(21, 'fr')).toBe('evening');
    expect(periodOf(22, 'fr')).toBe('night');
    expect(periodOf(18, 'eu')).toBe('day');
  });

  it('periodOf() gives each convention period lengths matching its Lden weights', () => {
    for (const c of CONVENTIONS) {
      const count = { day: 0, evening: 0, night: 0 };
      for (let h = 0; h < 24; h++) count[periodOf(h, c)]++;
      expect(count).toEqual(PERIOD_CONVENTIONS[c].hours);
    }
  });

  it('periodOf() rejects an hour outside 0–23', () => {
    expect(() => periodOf(24)).toThrow(/0–23/);
    expect(() => periodOf(7.5)).toThrow(/0–23/);
  });
});

describe('limit values', () => {
  it('WHO_2018 and FR_LIMITS_2006 give every noise source a value, road for mixed and unknown', () => {
    for (const s of NOISE_SOURCES) {
      expect(WHO_2018[s]).toBeDefined();
      expect(FR_LIMITS_2006[s]).toBeDefined();
    }
    expect(WHO_2018.road).toEqual({ lden: 53, lnight: 45 });
    expect(WHO_2018.industry).toEqual({ lden: null, lnight: null });
    expect(FR_LIMITS_2006.rail).toEqual({ lden: 73, lnight: 65 });
    expect(FR_LIMITS_2006.air).toEqual({ lden: 55, lnight: null });
    expect(WHO_2018.mixed).toEqual(WHO_2018.road);
    expect(FR_LIMITS_2006.unknown).toEqual(FR_LIMITS_2006.road);
  });

  it('exceeds() is strict and null when the level or the limit is missing', () => {
    expect(exceeds(53.1, 53)).toBe(true);
    expect(exceeds(53, 53)).toBe(false);
    expect(exceeds(null, 53)).toBeNull();
    expect(exceeds(60, null)).toBeNull();
  });
});
