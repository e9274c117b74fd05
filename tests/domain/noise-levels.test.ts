import { describe, expect, it } from 'vitest';
import { CONVENTIONS, PERIOD_CONVENTIONS } from '../../functions/lib/domain/noise/conventions.ts';
import { energyAverage, lden, percentileLevel, periodOf, statisticalLevels } from '../../functions/lib/domain/noise/levels.ts';
import { exceeds, FR_LIMITS_2006, WHO_2018 } from '../../functions/lib/domain/noise/thresholds.ts';
import { NOISE_SOURCES } from '../../functions/lib/datasets/noise.ts';

describe('energyAverage()', () => {
  it('energyAverage() of equal levels is that level', () => {
    expect(energyAverage([63.2, 63.2, 63.2])).toBeCloseTo(63.2, 12);
  });

  it('energyAverage() of 60 and 70 dB is 67.4 dB, not the arithmetic 65', () => {
    expect(energyAverage([60, 70])).toBeCloseTo(10 * Math.log10((1e6 + 1e7) / 2), 12);
    expect(energyAverage([60, 70])).toBeCloseTo(67.404, 3);
  });

  it('energyAverage() weights each level by its duration', () => {
    // 50 dB for 3 s and 60 dB for 1 s
    expect(energyAverage([50, 60], [3, 1])).toBeCloseTo(10 * Math.log10((3 * 1e5 + 1e6) / 4), 12);
    expect(energyAverage([50, 60], [3, 1])).toBeCloseTo(energyAverage([50, 50, 50, 60])!, 12);
  });

  it('energyAverage() is null for no level or zero total weight', () => {
    expect(energyAverage([])).toBeNull();
    expect(energyAverage([55], [0])).toBeNull();
  });

  it('energyAverage() rejects mismatched or negative weights', () => {
    expect(() => energyAverage([50, 60], [1])).toThrow(/2 levels but 1 weights/);
    expect(() => energyAverage([50], [-1])).toThrow(/negative/);
  });
});

describe('lden()', () => {
  it('lden() weights evening +5 dB and night +10 dB', () => {
    const expected = 10 * Math.log10((12 * 10 ** 6.5 + 4 * 10 ** ((60 + 5) / 10) + 8 * 10 ** ((55 + 10) / 10)) / 24);
    expect(lden(65, 60, 55)).toBeCloseTo(expected, 12);
  });

  it('lden() of a constant level L is L + 6.4 dB', () => {
    // (12 + 4·10^0.5 + 8·10) / 24 = 4.36…, i.e. +6.39 dB
    expect(lden(50, 50, 50)! - 50).toBeCloseTo(10 * Math.log10((12 + 4 * Math.sqrt(10) + 80) / 24), 12);
    expect(lden(50, 50, 50)! - 50).toBeCloseTo(6.395, 3);
  });

  it('lden() uses the same 12/4/8 hour weights for the eu and fr conventions', () => {
    expect(lden(65, 60, 55, 'fr')).toBeCloseTo(lden(65, 60, 55, 'eu')!, 12);
    expect(lden(65, 60, 55, PERIOD_CONVENTIONS.fr.hours)).toBeCloseTo(lden(65, 60, 55)!, 12);
  });

  it('lden() accepts other period lengths', () => {
    const expected = 10 * Math.log10((10 * 10 ** 6.5 + 4 * 10 ** 6.5 + 10 * 10 ** 6.5) / 24);
    expect(lden(65, 60, 55, { day: 10, evening: 4, night: 10 })).toBeCloseTo(expected, 12);
  });

  it('lden() is null when a period level is missing', () => {
    expect(lden(null, 60, 55)).toBeNull();
    expect(lden(65, null, 55)).toBeNull();
    expect(lden(65, 60, null)).toBeNull();
  });
});

describe('percentileLevel() and statisticalLevels()', () => {
  it('percentileLevel() interpolates linearly between order statistics like numpy.percentile', () => {
    // numpy.percentile([40, 45, 50, 70], 90) = 50 + 0.7·20 = 64
    expect(percentileLevel([70, 40, 50, 45], 90)).toBeCloseTo(64, 12);
    expect(percentileLevel([70, 40, 50, 45], 50)).toBeCloseTo(47.5, 12);
    expect(percentileLevel([70, 40, 50, 45], 10)).toBeCloseTo(41.5, 12);
    expect(percentileLevel([70, 40, 50, 45], 0)).toBe(40);
    expect(percentileLevel([70, 40, 50, 45], 100)).toBe(70);
  });

  it('percentileLevel() of one sample is that sample, of none is null', () => {
    expect(percentileLevel([52.1], 90)).toBe(52.1);
    expect(percentileLevel([], 90)).toBeNull();
  });

  it('percentileLevel() rejects p outside [0, 100]', () => {
    expect(() => percentileLevel([1], 101)).toThrow(/\[0, 100\]/);
    expect(() => percentileLevel([1], Number.NaN)).toThrow(/\[0, 100\]/);
  });

  it('statisticalLevels() gives L10 as the 90th percentile and L90 as the 10th', () => {
    const samples = Array.from({ length: 101 }, (_, i) => 30 + i * 0.5); // 30 … 80 dB
    const { l10, l50, l90 } = statisticalLevels(samples);
    expect(l10).toBeCloseTo(75, 12);
    expect(l50).toBeCloseTo(55, 12);
    expect(l90).toBeCloseTo(35, 12);
    expect(l10!).toBeGreaterThan(l90!);
  });

  it('statisticalLevels() of no sample is all null', () => {
    expect(statisticalLevels([])).toEqual({ l10: null, l50: null, l90: null });
  });

  it('statisticalLevels() does not reorder its input', () => {
    const samples = [3, 1, 2];
    statisticalLevels(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

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
