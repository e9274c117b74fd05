// Seeded randomness for the demo simulator: the same seed always gives the same bytes.
// Never Math.random, never the clock.

import { mulberry32, type Random } from '../domain/random.ts';

export { mulberry32, type Random };

/** FNV-1a over the seed and labels: independent streams per purpose and per sensor */
export function hashSeed(seed: number, ...labels: readonly string[]): number {
  let h = 0x811c9dc5;
  const text = `${seed}|${labels.join('|')}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** a random stream named by its purpose, so adding one stream never shifts another */
export function stream(seed: number, ...labels: readonly string[]): Random {
  return mulberry32(hashSeed(seed, ...labels));
}

export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

export function integer(random: Random, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1));
}

/** standard normal (Box–Muller, one value per call) */
export function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson count (Knuth), for the small means of events in one interval */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick() from an empty list');
  return items[Math.floor(random() * items.length)]!;
}

export function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

/** Fisher–Yates on a copy */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
