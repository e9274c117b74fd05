import { parseInstant, rejection, UnreadableInputError, type RecordRejection } from './records.ts';

// Vigicrues flood vigilance per river section (tronçon): `InfoVigiCru.geojson` (a FeatureCollection,
// one feature per section: CdEntCru, NivInfViCr, lbentcru/LbEntCru, the bulletin time DtHrInfoVigiCru
// at the root) or the JSON list form ({ListEntVigiCru: […]} or a bare array, with CdEntVigiCru).
// Property names are matched without regard to case or a `vic:` prefix, as the feeds vary.

export const VIGILANCE_LEVELS = { 1: 'green', 2: 'yellow', 3: 'orange', 4: 'red' } as const;
export type VigilanceLevel = keyof typeof VIGILANCE_LEVELS;
export const VIGILANCE_LABELS = Object.values(VIGILANCE_LEVELS);

export interface VigilanceRecord {
  readonly record: number;
  readonly recordText: string;
  readonly sectionCode: string;
  readonly sectionLabel: string | null;
  readonly level: VigilanceLevel;
  /** the bulletin's time, when the file carries one */
  readonly bulletinAt: Date | null;
}

export interface VigilanceParse {
  readonly form: 'geojson' | 'list';
  readonly bulletinAt: Date | null;
  readonly sections: VigilanceRecord[];
  readonly rejections: RecordRejection[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** a property by any of its names, case-insensitive, with or without a `vic:`/`vic` prefix */
function prop(o: Record<string, unknown>, ...names: string[]): unknown {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const [k, v] of Object.entries(o)) {
    const key = k.toLowerCase().replace(/^vic:?/, '');
    if (wanted.has(key)) return v;
  }
  return undefined;
}

export function parseInfoVigiCru(text: string): VigilanceParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'InfoVigiCru GeoJSON or JSON', `${text.length} characters`);
  }
  let form: VigilanceParse['form'];
  let items: unknown[];
  let root: Record<string, unknown> = {};
  if (isObject(doc) && Array.isArray(doc.features)) {
    form = 'geojson';
    root = doc;
    items = doc.features.map((f) => (isObject(f) && isObject(f.properties) ? f.properties : f));
  } else if (isObject(doc) && Array.isArray(prop(doc, 'ListEntVigiCru'))) {
    form = 'list';
    root = doc;
    items = prop(doc, 'ListEntVigiCru') as unknown[];
  } else if (Array.isArray(doc)) {
    form = 'list';
    items = doc;
  } else {
    throw new UnreadableInputError(
      'not an InfoVigiCru document: neither a FeatureCollection nor a list of sections',
      'a GeoJSON FeatureCollection of sections, {ListEntVigiCru: […]} or an array',
      isObject(doc) ? `an object with keys ${Object.keys(doc).slice(0, 8).join(', ')}` : typeof doc,
    );
  }
  const rootTime = prop(root, 'DtHrInfoVigiCru');
  const bulletinAt = rootTime === undefined || rootTime === null ? null : (parseInstant(rootTime) ?? null);
  const sections: VigilanceRecord[] = [];
  const rejections: RecordRejection[] = [];
  items.forEach((item, i) => {
    const recordText = JSON.stringify(item) ?? String(item);
    if (!isObject(item)) return rejections.push(rejection(i, 'properties', 'a section object', item, 'not an object', recordText));
    const code = prop(item, 'CdEntCru', 'CdEntVigiCru');
    if (typeof code !== 'string' || code.trim() === '') {
      return rejections.push(rejection(i, 'CdEntCru', 'a section code (CdEntCru or CdEntVigiCru)', code, 'section code missing', recordText));
    }
    const raw = prop(item, 'NivInfViCr', 'NivInfoVigiCru', 'NivSituVigiCruEnt');
    const level = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!(level in VIGILANCE_LEVELS) || !Number.isInteger(level)) {
      return rejections.push(rejection(i, 'NivInfViCr', 'a vigilance level 1 (green), 2 (yellow), 3 (orange) or 4 (red)', raw, 'vigilance level missing or out of 1–4', recordText));
    }
    const ownTime = prop(item, 'DtHrInfoVigiCru');
    let at = bulletinAt;
    if (ownTime !== undefined && ownTime !== null) {
      const t = parseInstant(ownTime);
      if (!t) return rejections.push(rejection(i, 'DtHrInfoVigiCru', 'an ISO 8601 instant with offset', ownTime, 'bulletin time not an instant', recordText));
      at = t;
    }
    const label = prop(item, 'lbentcru', 'LbEntVigiCru', 'NomEntVigiCru');
    sections.push({ record: i, recordText, sectionCode: code.trim(), sectionLabel: typeof label === 'string' && label ? label : null, level: level as VigilanceLevel, bulletinAt: at });
  });
  return { form, bulletinAt, sections, rejections };
}
