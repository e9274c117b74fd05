// Seeded randomness (the demo simulator, model initialisation and shuffling): the same seed always
// gives the same sequence. Never Math.random, never the clock.

export type Random = () => number;

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1) */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
