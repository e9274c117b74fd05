import { z } from 'zod';
import thresholdsJson from '../../../../config/heat-thresholds.json' with { type: 'json' };
import { parseConfigFile } from '../flood/config.ts';

// Heat-wave alert thresholds per département (config/heat-thresholds.json, documented in
// config/README.md): the SACS couple IBMn/IBMx at the département's reference station, and the
// thresholds of the common climate indicators.

/** the départements with communes in the Métropole du Grand Paris */
export const METROPOLE_DEPARTEMENTS = ['75', '91', '92', '93', '94', '95'] as const;

const status = z.enum(['confirmed', 'to_verify']);

const schema = z
  .object({
    window_days: z.literal(3),
    tropical_night_tn: z.number(),
    hot_day_tx: z.number(),
    very_hot_day_tx: z.number(),
    departements: z.record(
      z.string(),
      z.object({
        reference_station: z.string().regex(/^\d{8}$/, { message: 'an 8-digit Météo-France station number' }),
        reference_name: z.string().min(1),
        ibmn: z.number().min(10).max(30),
        ibmx: z.number().min(20).max(45),
        thresholds_status: status,
        station_status: status,
        source: z.string().min(1),
      }),
    ),
  })
  .superRefine((c, ctx) => {
    for (const d of METROPOLE_DEPARTEMENTS) {
      if (!c.departements[d]) ctx.addIssue({ code: 'custom', path: ['departements', d], message: `département ${d} of the Métropole has no thresholds` });
    }
    if (!(c.very_hot_day_tx > c.hot_day_tx)) ctx.addIssue({ code: 'custom', path: ['very_hot_day_tx'], message: 'must be above hot_day_tx' });
  });

export type HeatConfig = z.infer<typeof schema>;
export type DepartementThresholds = HeatConfig['departements'][string];

export const parseHeatConfig = (v: unknown): HeatConfig => parseConfigFile('config/heat-thresholds.json', schema, v);

export const HEAT: HeatConfig = parseHeatConfig(thresholdsJson);

export function thresholdsOf(departement: string): DepartementThresholds | undefined {
  return HEAT.departements[departement];
}
