import { NOISE_SOURCES } from '../../datasets/noise.ts';

// Limit values the indicators are compared with, in dB(A): the one place they are written.
// A level "exceeds" a limit when it is strictly above it. Comparing a single day with these yearly
// values is indicative only: both texts apply to long-term (yearly) Lden and Ln.

export type NoiseSource = (typeof NOISE_SOURCES)[number];

export interface LimitValues {
  /** limit on Lden; null when the text sets none for the source */
  readonly lden: number | null;
  /** limit on Lnight (Ln); null when the text sets none for the source */
  readonly lnight: number | null;
}

/**
 * WHO Environmental Noise Guidelines for the European Region (2018), strong recommendations for
 * road traffic, railway and aircraft noise. Industry: the guidelines give no value (null).
 * 'mixed' and 'unknown' take the road values: road traffic is the dominant source of noise
 * exposure in the Métropole du Grand Paris, so it is the most representative default.
 */
export const WHO_2018: Readonly<Record<NoiseSource, LimitValues>> = {
  road: { lden: 53, lnight: 45 },
  rail: { lden: 54, lnight: 44 },
  air: { lden: 45, lnight: 40 },
  industry: { lden: null, lnight: null },
  mixed: { lden: 53, lnight: 45 },
  unknown: { lden: 53, lnight: 45 },
};

/**
 * French limit values, arrêté du 4 avril 2006 (art. 7), under article R. 572-5 of the Code de
 * l'environnement: road and high-speed rail 68 / 62, conventional rail 73 / 65 (used for every
 * 'rail' sensor: most lines in the Métropole are conventional), aerodromes Lden 55 with no Ln value,
 * industrial activities (ICPE) 71 / 60. 'mixed' and 'unknown' take the road values (see WHO_2018).
 */
export const FR_LIMITS_2006: Readonly<Record<NoiseSource, LimitValues>> = {
  road: { lden: 68, lnight: 62 },
  rail: { lden: 73, lnight: 65 },
  air: { lden: 55, lnight: null },
  industry: { lden: 71, lnight: 60 },
  mixed: { lden: 68, lnight: 62 },
  unknown: { lden: 68, lnight: 62 },
};

/** share of a day, and of each of its periods, that readings must cover for the day to count */
export const DEFAULT_COVERAGE_THRESHOLD = 0.5;

export function isNoiseSource(value: string): value is NoiseSource {
  return (NOISE_SOURCES as readonly string[]).includes(value);
}

/** true above the limit, false at or below it, null when the level or the limit is missing */
export function exceeds(level: number | null, limit: number | null): boolean | null {
  return level === null || limit === null ? null : level > limit;
}
