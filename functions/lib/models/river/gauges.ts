import { z } from 'zod';
import gaugesJson from '../../../../config/river-gauges.json' with { type: 'json' };

// config/river-gauges.json, validated once: the gauge the river model forecasts and its upstream
// gauges, with the travel times that say why each matters at 1-3 days.

const gauge = z.object({
  code_entite: z.string().regex(/^[A-Z0-9]{8}([A-Z0-9]{2})?$/, 'a Hub’Eau site (8 characters) or station (10 characters) code'),
  hydro2_code: z.string().nullable(),
  river: z.string(),
  label: z.string(),
  code_verified: z.boolean(),
});
const schema = z.object({
  target: gauge,
  upstream: z.array(gauge.extend({ river_km_to_target: z.number().positive(), travel_days: z.number().positive().max(5), why: z.string() })),
  left_out: z.array(z.object({ river: z.string(), why: z.string() })),
});
export type RiverGauges = z.infer<typeof schema>;

export function loadRiverGauges(value: unknown = gaugesJson): RiverGauges {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`config/river-gauges.json: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

export const RIVER_GAUGES: RiverGauges = loadRiverGauges();

/** every gauge whose daily flows are polled: the target first */
export const DAILY_GAUGES: readonly string[] = [RIVER_GAUGES.target.code_entite, ...RIVER_GAUGES.upstream.map((g) => g.code_entite)];
