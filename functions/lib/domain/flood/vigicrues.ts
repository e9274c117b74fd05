import { isObject } from '../json.ts';
import { parseInstant, rejection, UnreadableInputError, type RecordRejection } from './records.ts';

// Vigicrues flood vigilance per river section (tronçon), in the forms the service publishes:
// - the official API's JSON-LD (`services/1/InfoVigiCru.jsonld`, SANDRE `vic:` terms): a bulletin
//   `vic:InfoVigiCru` about an entity (`vic:porteSurLEntite`: 2 national, 5 territory, 8 section), whose
//   `vic:estLaSyntheseDe` lists the levels of the entities below it. The `mode=detail` forms go down to
//   every section (national → territories → sections); a section's bulletin time is its territory's.
//   A section's own bulletin does not repeat its code: it is taken from the request's CdEntVigiCru;
// - `InfoVigiCru.geojson` (a FeatureCollection, one feature per section: CdEntCru, NivInfViCr,
//   lbentcru/LbEntCru, the bulletin time DtHrInfoVigiCru at the root);
// - the JSON list form ({ListEntVigiCru: […]} or a bare array, with CdEntVigiCru).
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
  readonly form: 'jsonld' | 'geojson' | 'list';
  readonly bulletinAt: Date | null;
  readonly sections: VigilanceRecord[];
  readonly rejections: RecordRejection[];
}


/** a property by any of its names, case-insensitive, with or without a `vic:`/`vic` prefix */
function prop(o: Record<string, unknown>, ...names: string[]): unknown {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const [k, v] of Object.entries(o)) {
    const key = k.toLowerCase().replace(/^vic:?/, '');
    if (wanted.has(key)) return v;
  }
  return undefined;
}

/** the entity types of the Vigicrues referential (vic:TypEntVigiCru) */
const SECTION_TYPE = '8';

export function parseInfoVigiCru(text: string, origin = ''): VigilanceParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'InfoVigiCru JSON-LD, GeoJSON or JSON', `${text.length} characters`);
  }
  if (isObject(doc) && isObject(doc['vic:InfoVigiCru'])) return parseJsonLd(doc['vic:InfoVigiCru'], origin);
  let form: VigilanceParse['form'];
  let items: unknown[];
  let root: Record<string, unknown> = {};
  if (isObject(doc) && Array.isArray(doc.features)) {
    form = 'geojson';
    root = doc;
    items = doc.features.map((f: unknown) => (isObject(f) && isObject(f.properties) ? f.properties : f));
  } else if (isObject(doc) && Array.isArray(prop(doc, 'ListEntVigiCru'))) {
    form = 'list';
    root = doc;
    items = prop(doc, 'ListEntVigiCru') as unknown[];
  } else if (Array.isArray(doc)) {
    form = 'list';
    items = doc;
  } else {
    throw new UnreadableInputError(
      'not an InfoVigiCru document: neither JSON-LD (vic:InfoVigiCru), a FeatureCollection nor a list of sections',
      'an InfoVigiCru.jsonld bulletin, a GeoJSON FeatureCollection of sections, {ListEntVigiCru: […]} or an array',
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

interface SectionLevel {
  readonly item: Record<string, unknown>;
  readonly code: unknown;
  readonly level: unknown;
  readonly at: unknown;
}

/**
 * The section levels of an official JSON-LD bulletin, wherever they sit in its synthesis tree. A
 * document with no section in it (a national or territory bulletin without `mode=detail`) cannot say
 * any section's level: it is refused, naming the form that does.
 */
function parseJsonLd(info: Record<string, unknown>, origin: string): VigilanceParse {
  const rootTime = info['vic:DtHrInfoVigiCru'];
  const bulletinAt = rootTime === undefined || rootTime === null ? null : (parseInstant(rootTime) ?? null);
  const found: SectionLevel[] = [];
  const entity = info['vic:porteSurLEntite'];
  if (isObject(entity) ? String(entity['vic:TypEntVigiCru']) === SECTION_TYPE : requested(origin)?.type === SECTION_TYPE) {
    // a section's own bulletin: the section is the entity, named by the document or else by the request
    found.push({ item: info, code: isObject(entity) ? entity['vic:CdEntVigiCru'] : requested(origin)?.code, level: info['vic:NivInfoVigiCru'], at: rootTime });
  }
  collectSections(info['vic:estLaSyntheseDe'], rootTime, found);
  if (found.length === 0) {
    const about = isObject(entity) ? `entity ${String(entity['vic:CdEntVigiCru'])} of type ${String(entity['vic:TypEntVigiCru'])}` : 'an entity the document does not name';
    throw new UnreadableInputError(
      'InfoVigiCru bulletin without any section level',
      'the detailed form (InfoVigiCru.jsonld?TypEntVigiCru=2&mode=detail, or a territory with mode=detail, or a section with CdEntVigiCru=… in the request)',
      `a bulletin about ${about}`,
    );
  }
  const sections: VigilanceRecord[] = [];
  const rejections: RecordRejection[] = [];
  found.forEach(({ item, code, level: raw, at: time }, i) => {
    const recordText = JSON.stringify(item === info ? { ...info, 'vic:estLaSyntheseDe': undefined } : item) ?? 'undefined';
    if (typeof code !== 'string' || code.trim() === '') {
      return rejections.push(rejection(i, 'vic:CdEntVigiCru', 'a section code in vic:porteSurLEntite (or CdEntVigiCru in the request)', code, 'section code missing', recordText));
    }
    const level = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!(level in VIGILANCE_LEVELS) || !Number.isInteger(level)) {
      return rejections.push(rejection(i, 'vic:NivInfoVigiCru', 'a vigilance level 1 (green), 2 (yellow), 3 (orange) or 4 (red)', raw, 'vigilance level missing or out of 1–4', recordText));
    }
    let at = bulletinAt;
    if (time !== undefined && time !== null) {
      const t = parseInstant(time);
      if (!t) return rejections.push(rejection(i, 'vic:DtHrInfoVigiCru', 'an ISO 8601 instant with offset', time, 'bulletin time not an instant', recordText));
      at = t;
    }
    const entityOf = item['vic:porteSurLEntite'];
    const label = isObject(entityOf) ? entityOf['vic:LbEntVigiCru'] : undefined;
    sections.push({ record: i, recordText, sectionCode: code.trim(), sectionLabel: typeof label === 'string' && label ? label : null, level: level as VigilanceLevel, bulletinAt: at });
  });
  return { form: 'jsonld', bulletinAt, sections, rejections };
}

/** the sections of a synthesis list, going down through territories; each inherits the closest bulletin time */
function collectSections(list: unknown, time: unknown, found: SectionLevel[]): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isObject(item)) continue;
    const at = item['vic:DtHrInfoVigiCru'] ?? time;
    const entity = item['vic:porteSurLEntite'];
    if (isObject(entity) && String(entity['vic:TypEntVigiCru']) === SECTION_TYPE) {
      found.push({ item, code: entity['vic:CdEntVigiCru'], level: item['vic:NivInfoVigiCru'], at });
    }
    collectSections(item['vic:estLaSyntheseDe'], at, found);
  }
}

/** the entity a request URL asked for (CdEntVigiCru, TypEntVigiCru), when the origin is such a URL */
function requested(origin: string): { code: string; type: string } | undefined {
  const query = origin.split('?')[1];
  if (!query) return undefined;
  const params = new URLSearchParams(query);
  const code = params.get('CdEntVigiCru');
  return code ? { code, type: params.get('TypEntVigiCru') ?? SECTION_TYPE } : undefined;
}

export interface VigicruesSectionRef {
  readonly code: string;
  readonly label: string;
  /** the territory (TerEntVigiCru) the section belongs to, when the document says */
  readonly territory: string | null;
}

/**
 * The section referential `TronEntVigiCru.jsonld` (the list of every section, or one section's detail):
 * code and label of each section; an error naming what is missing when the document is not one.
 */
export function parseTronEntVigiCru(text: string): VigicruesSectionRef[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UnreadableInputError(`not JSON: ${(e as Error).message}`, 'TronEntVigiCru.jsonld', `${text.length} characters`);
  }
  const list = isObject(doc) ? doc['vic:TronEntVigiCru'] : undefined;
  const items = Array.isArray(list) ? list : isObject(list) ? [list] : undefined;
  if (!items) {
    const found = isObject(doc) ? `an object with keys ${Object.keys(doc).slice(0, 8).join(', ')}` : typeof doc;
    throw new UnreadableInputError('not a TronEntVigiCru document: no vic:TronEntVigiCru list', 'the section referential TronEntVigiCru.jsonld (services/1/)', found);
  }
  return items.map((item, i) => {
    const code = isObject(item) ? item['vic:CdEntVigiCru'] : undefined;
    const label = isObject(item) ? item['vic:LbEntVigiCru'] : undefined;
    if (typeof code !== 'string' || !code.trim() || typeof label !== 'string') {
      throw new UnreadableInputError(`section ${i} of the referential has no code or label`, 'vic:CdEntVigiCru and vic:LbEntVigiCru texts', JSON.stringify(item)?.slice(0, 200) ?? String(item));
    }
    const parent = isObject(item) ? item['vic:aNPlusUn'] : undefined;
    const territory = isObject(parent) && typeof parent['vic:CdEntVigiCru'] === 'string' ? parent['vic:CdEntVigiCru'] : null;
    return { code: code.trim(), label, territory };
  });
}
