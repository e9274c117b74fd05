import type { Quantity } from './config.ts';

// Hub'Eau hydrométrie reports heights in millimetres and discharges in litres per second (API v2
// documentation, `resultat_obs`); the lake stores metres and cubic metres per second. This table is
// the one place the conversion is written.
export const HUBEAU_UNITS: Readonly<Record<Quantity, { readonly received: string; readonly curated: string; readonly factor: number }>> = {
  H: { received: 'mm', curated: 'm', factor: 1e-3 },
  Q: { received: 'l/s', curated: 'm³/s', factor: 1e-3 },
};

/** a Hub'Eau `resultat_obs` in the lake's unit (m for H, m³/s for Q) */
export function curatedValue(quantity: Quantity, resultatObs: number): number {
  // rounded to the received precision (0.001 mm, 0.001 l/s) so that 1232 mm is 1.232 m, not 1.2320000000000002
  return Math.round(resultatObs * HUBEAU_UNITS[quantity].factor * 1e6) / 1e6;
}

/** plausible curated values per quantity: beyond them the unit is wrong or the value is garbage */
export const PLAUSIBLE: Readonly<Record<Quantity, { readonly min: number; readonly max: number; readonly why: string }>> = {
  // gauge heights are relative to the gauge zero: negative values are normal (Loire at Blois: -1.232 m)
  H: { min: -30, max: 40, why: 'a river stage in m relative to the gauge zero (Hub’Eau sends mm: a value 1000× too large was sent in µm or already in mm twice)' },
  Q: { min: -1000, max: 100_000, why: 'a river discharge in m³/s (Hub’Eau sends l/s)' },
};
