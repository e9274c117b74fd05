import { floodVigilance, partitionOf } from '../datasets/index.ts';
import type { FloodVigilanceRow } from '../datasets/flood.ts';
import { SECTION_COMMUNES } from '../domain/flood/sections.ts';
import { parseInfoVigiCru, VIGILANCE_LEVELS, type VigilanceParse } from '../domain/flood/vigicrues.ts';
import { UnreadableInputError } from '../domain/noise/observation.ts';
import { parisDate } from '../domain/time/paris.ts';
import { storeClimateRaw } from './climate-raw.ts';
import type { StageContext } from './context.ts';
import { curate } from './curate.ts';
import type { IngestSummary } from './ingest-noise.ts';
import { checkSectionMapping } from './vigicrues-sections.ts';

// Vigicrues InfoVigiCru documents in, one flood_vigilance row per section and bulletin out. The
// bulletin time is the document's DtHrInfoVigiCru; a document without one is dated by its receive
// time (bulletin_time_source = 'received').

export const VIGICRUES_SOURCE_KIND = 'vigicrues';

export interface VigicruesIngestInput {
  readonly bytes: Uint8Array;
  readonly origin: string;
  readonly contentType?: string;
  readonly demo?: boolean;
}

export interface VigicruesIngestSummary extends IngestSummary {
  readonly form: VigilanceParse['form'] | null;
  readonly bulletinAt: string | null;
  /** configured sections of the Métropole found in the document, with their level */
  readonly metropoleSections: Record<string, number>;
}

export async function ingestVigicrues(ctx: StageContext, input: VigicruesIngestInput): Promise<VigicruesIngestSummary> {
  // the mapping to communes must name sections Vigicrues knows (when a referential is stored)
  await checkSectionMapping(ctx);
  const raw = await storeClimateRaw(ctx, VIGICRUES_SOURCE_KIND, input);
  let parsed: VigilanceParse | undefined;
  let unreadable: { message: string; expected: string; found: string } | undefined;
  try {
    parsed = parseInfoVigiCru(Buffer.from(input.bytes).toString('utf8'), input.origin);
  } catch (e) {
    if (!(e instanceof UnreadableInputError)) throw e;
    unreadable = { message: e.message, expected: e.expected, found: e.found };
  }
  const metropoleSections: Record<string, number> = {};
  const s = await curate<FloodVigilanceRow>(ctx, {
    dataset: floodVigilance,
    sourceKind: VIGICRUES_SOURCE_KIND,
    raw,
    origin: input.origin,
    candidates: (parsed?.sections ?? []).map((v) => {
      const at = v.bulletinAt ?? raw.receivedAt;
      const inMetropole = SECTION_COMMUNES.has(v.sectionCode);
      if (inMetropole) metropoleSections[v.sectionCode] = v.level;
      return {
        record: v.record,
        recordText: v.recordText,
        row: {
          section_code: v.sectionCode,
          section_label: v.sectionLabel,
          level: v.level,
          level_label: VIGILANCE_LEVELS[v.level],
          bulletin_at: at,
          bulletin_time_source: v.bulletinAt ? 'bulletin' : 'received',
          in_metropole: inMetropole,
          source_kind: VIGICRUES_SOURCE_KIND,
          raw_key: raw.key,
          record: v.record,
          received_at: raw.receivedAt,
          dt: partitionOf(floodVigilance, parisDate(at)),
        },
      };
    }),
    rejections: parsed?.rejections ?? [],
    unreadable,
  });
  const { rows: _rows, ...summary } = s;
  return { ...summary, form: parsed?.form ?? null, bulletinAt: parsed?.bulletinAt?.toISOString() ?? null, metropoleSections };
}
