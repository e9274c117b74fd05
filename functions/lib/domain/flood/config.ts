import { z } from 'zod';
import stationsJson from '../../../../config/hydrometry-stations.json' with { type: 'json' };
import sectionsJson from '../../../../config/vigicrues-sections.json' with { type: 'json' };
import peaksJson from '../../../../config/flood-reference-peaks.json' with { type: 'json' };
import { isCalendarDate } from '../time/calendar.ts';

// The flood configuration (config/*.json, documented in config/README.md), validated once when the
// module loads: a bad file fails at start-up with the file, the path and what was expected.

const insee = z.string().regex(/^\d{2}[0-9AB]\d{2}$/, { message: 'an INSEE commune code (5 characters)' });
const lonLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

export const QUANTITIES = ['H', 'Q'] as const;
export type Quantity = (typeof QUANTITIES)[number];

const stationsSchema = z.object({
  stations: z
    .array(
      z.object({
        code_station: z.string().regex(/^[A-Z]\d{9}$/, { message: 'a Hub’Eau station code (letter + 9 digits)' }),
        code_site: z.string().regex(/^[A-Z]\d{7}$/, { message: 'a Hub’Eau site code (letter + 7 digits)' }),
        label: z.string().min(1),
        river: z.string().min(1),
        commune_insee: insee,
        code_verified: z.boolean(),
        /** the reference floods (stages at Austerlitz) apply to this station's heights */
        reference_floods: z.boolean(),
        source: z.string().min(1),
      }),
    )
    .min(1),
  poll: z
    .array(
      z.object({
        /** a station code (10 characters) or a site code (8): a site also returns its site-level series */
        code_entite: z.string().regex(/^[A-Z](\d{7}|\d{9})$/, { message: 'a Hub’Eau site (8) or station (10) code' }),
        quantities: z.array(z.enum(QUANTITIES)).min(1),
        why: z.string().optional(),
      }),
    )
    .min(1),
});

const sectionsSchema = z.object({
  buffer_m: z.number().positive().max(2000),
  sections: z
    .array(
      z.object({
        /** the section's code in the Vigicrues referential (vic:CdEntVigiCru) */
        code: z.string().regex(/^[A-Z]{1,3}\d{1,3}$/, { message: 'a Vigicrues section code such as IF5 (letters then digits)' }),
        /** its name in the referential (vic:LbEntVigiCru) */
        label: z.string().min(1),
        river: z.string().min(1),
        /** the stretch within the Métropole, in words */
        extent: z.string().min(1),
        communes: z.array(insee).min(1),
        course: z.array(z.array(lonLat).min(2)).min(1),
      }),
    )
    .min(1),
});

const peaksSchema = z.object({
  station: z.string().min(1),
  reference_event: z.string().min(1),
  peaks: z
    .array(
      z.object({
        event: z.string().min(1),
        date_peak: z.string().refine(isCalendarDate, { message: 'a calendar date YYYY-MM-DD' }),
        stage_m: z.number().positive().max(20),
        verified: z.boolean(),
        source: z.string().min(1),
      }),
    )
    .min(1),
});

export class ConfigFileError extends Error {
  constructor(file: string, error: z.ZodError) {
    super(`${file}: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigFileError';
  }
}

/** parses a configuration object, naming the file and the failing paths */
export function parseConfigFile<T>(file: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigFileError(file, r.error);
  return r.data;
}

export type StationsConfig = z.infer<typeof stationsSchema>;
export type SectionsConfig = z.infer<typeof sectionsSchema>;
export type PeaksConfig = z.infer<typeof peaksSchema>;
export type HydrometryStation = StationsConfig['stations'][number];
export type PollEntity = StationsConfig['poll'][number];
export type VigicruesSection = SectionsConfig['sections'][number];

export const parseStationsConfig = (v: unknown) => parseConfigFile('config/hydrometry-stations.json', stationsSchema, v);
export const parseSectionsConfig = (v: unknown) => parseConfigFile('config/vigicrues-sections.json', sectionsSchema, v);
export const parsePeaksConfig = (v: unknown) => parseConfigFile('config/flood-reference-peaks.json', peaksSchema, v);

export const HYDROMETRY: StationsConfig = parseStationsConfig(stationsJson);
export const VIGICRUES_SECTIONS: SectionsConfig = parseSectionsConfig(sectionsJson);
export const REFERENCE_FLOODS: PeaksConfig = parsePeaksConfig(peaksJson);
