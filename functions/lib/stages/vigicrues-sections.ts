import { SECTIONS } from '../domain/flood/sections.ts';
import { parseTronEntVigiCru, type VigicruesSectionRef } from '../domain/flood/vigicrues.ts';
import { z } from 'zod';
import { stateKey } from '../lake/layout.ts';
import { readSaved } from '../saved-json.ts';
import type { StageContext } from './context.ts';
import { storeRaw } from './ingest-noise.ts';

// The Vigicrues section referential (TronEntVigiCru.jsonld): stored raw and as the list of section codes
// and labels, against which the section → commune mapping (config/vigicrues-sections.json) is checked.
// With a referential stored, a mapping that names a section it does not list is an error (a renamed or
// retired section would silently never be in vigilance); without one, a warning.

export const VIGICRUES_SECTIONS_SOURCE_KIND = 'vigicrues-sections';
const REFERENTIAL_KEY = stateKey('vigicrues-sections');

const storedReferentialSchema = z.object({
  raw_key: z.string(),
  received_at: z.string(),
  sections: z.array(z.object({ code: z.string(), label: z.string(), territory: z.string().nullable() }) satisfies z.ZodType<VigicruesSectionRef>),
});
type StoredReferential = z.infer<typeof storedReferentialSchema>;

export class SectionMappingError extends Error {
  constructor(readonly missing: readonly string[], rawKey: string) {
    super(
      `config/vigicrues-sections.json names ${missing.length === 1 ? 'a section' : 'sections'} absent from the stored Vigicrues referential (${rawKey}): ${missing.join(', ')}. ` +
        'Replace them with the codes of TronEntVigiCru.jsonld, or ingest a newer referential (observatory ingest vigicrues-sections FILE).',
    );
    this.name = 'SectionMappingError';
  }
}

/** stores a referential file, then checks the configured sections against it (throws SectionMappingError) */
export async function ingestVigicruesSections(ctx: StageContext, input: { bytes: Uint8Array; origin: string }): Promise<{ sections: number; rawKey: string }> {
  const sections = parseTronEntVigiCru(Buffer.from(input.bytes).toString('utf8'));
  const raw = await storeRaw(ctx.store, { sourceKind: VIGICRUES_SECTIONS_SOURCE_KIND, bytes: input.bytes, origin: input.origin, extension: '.json', contentType: 'application/ld+json' }, ctx.now());
  const stored: StoredReferential = { raw_key: raw.key, received_at: raw.receivedAt.toISOString(), sections };
  await ctx.store.put(REFERENTIAL_KEY, JSON.stringify(stored), { contentType: 'application/json' });
  await checkSectionMapping(ctx);
  return { sections: sections.length, rawKey: raw.key };
}

/** the stores already warned that no referential is stored: once a run locally (once a warm container on AWS), not once a bulletin */
const toldNoReferential = new WeakSet<object>();

/** the configured section codes missing from the stored referential; a warning (once a run) when none is stored */
export async function checkSectionMapping(ctx: StageContext, configured: readonly string[] = SECTIONS.map((s) => s.code)): Promise<void> {
  const stored = await readSaved(ctx.store, REFERENTIAL_KEY, storedReferentialSchema, 'ingest the referential again (observatory ingest vigicrues-sections TronEntVigiCru.jsonld)');
  if (!stored) {
    if (toldNoReferential.has(ctx.store)) return;
    toldNoReferential.add(ctx.store);
    ctx.logger.warn('no Vigicrues section referential stored: the section codes of config/vigicrues-sections.json are not checked (observatory ingest vigicrues-sections TronEntVigiCru.jsonld)');
    return;
  }
  const known = new Set(stored.sections.map((s) => s.code));
  const missing = configured.filter((code) => !known.has(code));
  if (missing.length) throw new SectionMappingError(missing, stored.raw_key);
}
