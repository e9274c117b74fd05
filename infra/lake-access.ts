import type { DatasetDeclaration } from '../functions/lib/datasets/declaration.ts';
import { DATASETS, noiseReadings, quarantine } from '../functions/lib/datasets/index.ts';
import { changeLogPrefix, LAKE_MANIFEST_KEY, MODELS_PREFIX, RAW_PREFIX, SITE_PREFIX, STAGING_PREFIX, STATE_PREFIX, stateKey } from '../functions/lib/lake/layout.ts';
import { STAGES, type StageDefinition } from '../functions/lib/stages/registry.ts';
import { CLIMATE_SOURCE_FORMATS } from '../functions/lib/stages/source-kinds.ts';
import { REGISTRY_KEY } from '../functions/lib/stages/sensor-registry.ts';
import { PUSHED_RAW_PREFIX } from '../functions/lib/push/constants.ts';
import { bucketOfKey, INCOMING_PREFIX, type BucketRole } from '../functions/handlers/shared/buckets.ts';

// What each function may touch in the lake, as key prefixes, derived from the stage list (inputs and
// outputs) and the dataset declarations (their prefixes). infra/ turns these into IAM statements; no
// function gets a whole data bucket.

export interface LakeAccess {
  /** prefixes (or exact keys) read: GetObject (which HEAD needs too) */
  readonly reads: readonly string[];
  /** prefixes written: PutObject, and GetObject to read back what was written */
  readonly writes: readonly string[];
  /** prefixes where objects are deleted (stale partitions, emptied quarantine files) */
  readonly deletes: readonly string[];
}

/** the top-level areas of the lake (functions/lib/lake/layout.ts) a stage may name as an input or output */
export const LAKE_AREAS = [RAW_PREFIX, STAGING_PREFIX, STATE_PREFIX, MODELS_PREFIX, SITE_PREFIX];

/** the key prefix of an input or output of STAGES: a declared dataset, or a lake area (`models`, `raw/hubeau`) */
export function areaPrefix(name: string, datasets: readonly DatasetDeclaration[] = DATASETS): string {
  const d = datasets.find((x) => x.name === name);
  if (d) return `${d.prefix}/`;
  const area = name.split('/')[0]!;
  if (LAKE_AREAS.includes(area) && /^[a-z]+(\/[a-z0-9_-]+)*$/.test(name)) return `${name}/`;
  throw new Error(
    `stage list: "${name}" is neither a declared dataset (${datasets.map((x) => x.name).join(', ')}) nor a lake area (${LAKE_AREAS.join(', ')}, or <area>/<name>)`,
  );
}

/** the change log of a dataset input or output (a lake area has none) */
function changeLog(name: string, datasets: readonly DatasetDeclaration[]): string[] {
  const d = datasets.find((x) => x.name === name);
  return d ? [changeLogPrefix(d)] : [];
}

export function stageAccess(stage: StageDefinition, datasets: readonly DatasetDeclaration[] = DATASETS): LakeAccess {
  const areaPrefixOf = (name: string) => areaPrefix(name, datasets);
  const changeLogOf = (name: string) => changeLog(name, datasets);
  const outputs = stage.outputs.map(areaPrefixOf);
  const state = stateKey(stage.name);
  // a stage that reads what changed reads its inputs' change logs; one that writes a dataset records its changes
  const changesRead = stage.inputs.filter((i) => i.window === 'changed').flatMap((i) => changeLogOf(i.dataset));
  const changesWritten = stage.outputs.flatMap(changeLogOf);
  return {
    // every stage may read the lake manifest (demo flag) and its own incremental state
    reads: unique([...stage.inputs.map((i) => areaPrefixOf(i.dataset)), ...changesRead, LAKE_MANIFEST_KEY, state]),
    writes: unique([...outputs, ...changesWritten, state]),
    // stages rewrite their outputs and remove partitions no input backs any more
    deletes: unique([...outputs, state]),
  };
}

/**
 * What the ingest of a saved climate file writes: for each climate source kind, the outputs of the
 * stage that polls it (the stage whose outputs include raw/<kind>) — the file goes through the same
 * ingest as what the poller fetches.
 */
export function climateIngestWrites(stages: readonly StageDefinition[] = STAGES, datasets: readonly DatasetDeclaration[] = DATASETS): string[] {
  return unique(
    Object.keys(CLIMATE_SOURCE_FORMATS).flatMap((kind) => {
      const poller = stages.find((s) => s.outputs.includes(`${RAW_PREFIX}/${kind}`));
      if (!poller) throw new Error(`no stage of STAGES has raw/${kind} among its outputs: the ${kind} files dropped under ${INCOMING_PREFIX}/ would have no grant`);
      return poller.outputs.map((o) => areaPrefix(o, datasets));
    }),
  );
}

/**
 * The ingests: raw bytes, curated readings, quarantine, staged sensor sightings; the file ingest
 * (incoming: true) also reads incoming/ and writes what the climate files give (climateIngestWrites).
 */
export function ingestAccess(options: { incoming: boolean }, stages: readonly StageDefinition[] = STAGES, datasets: readonly DatasetDeclaration[] = DATASETS): LakeAccess {
  const sensorsStage = stages.find((s) => s.name === 'sensors');
  // what the sensors merge reads (the registry too), and what it merges and deletes (the staged sightings: its inputs that are also its outputs)
  const sensorsReads = sensorsStage?.inputs.map((i) => areaPrefix(i.dataset, datasets)) ?? [];
  const sightings = sensorsStage?.inputs.filter((i) => sensorsStage.outputs.includes(i.dataset)).map((i) => areaPrefix(i.dataset, datasets)) ?? [];
  // the ingest service runs the after-ingest stages (the sensors merge) once its files are in
  const afterIngest = stages.filter((s) => s.cadences.includes('after-ingest')).flatMap((s) => [...s.outputs.map((o) => areaPrefix(o, datasets)), stateKey(s.name)]);
  const curated = [noiseReadings, quarantine].map((d) => changeLogPrefix(d));
  const climate = options.incoming ? climateIngestWrites(stages, datasets) : [];
  const climateChanges = datasets.filter((d) => climate.includes(`${d.prefix}/`)).map(changeLogPrefix);
  const writes = withoutCovered([
    `${RAW_PREFIX}/`,
    `${noiseReadings.prefix}/`,
    `${quarantine.prefix}/`,
    ...curated,
    ...climateChanges,
    ...sightings,
    ...afterIngest,
    ...climate,
  ]);
  return {
    // the sensor registry places readings without a position
    reads: unique([...writes, ...sensorsReads, REGISTRY_KEY, ...(options.incoming ? [`${INCOMING_PREFIX}/`] : [])]),
    writes: unique(writes),
    // a replay that is clean now removes the quarantine file of its earlier receipt; the sensors merge
    // (after-ingest) deletes the staged sightings it merged
    deletes: unique([`${quarantine.prefix}/`, ...sightings]),
  };
}

/**
 * The push API on AWS: it stores the push's raw file (reading back a replay's first receipt) and reads
 * the sensor registry to check the readings; the curation is ingest-file's, from the queue
 * (functions/lib/push/queued.ts).
 */
export function pushAccess(): LakeAccess {
  return { reads: [PUSHED_RAW_PREFIX, REGISTRY_KEY], writes: [PUSHED_RAW_PREFIX], deletes: [] };
}

export interface BucketGrant {
  readonly bucket: BucketRole;
  /** object ARN patterns relative to the bucket: `curated/noise_readings/*`, `lake.json` (read: what is read or written) */
  readonly objects: { readonly read: string[]; readonly write: string[]; readonly delete: string[] };
}

/**
 * The access per bucket: prefixes become `prefix*` patterns, exact keys stay exact, and each family of
 * dataset prefixes granted whole is one pattern (compactPrefixes), so that a policy grows with the
 * families a function touches, not with every dataset added to them.
 */
export function bucketGrants(access: LakeAccess, datasets: readonly DatasetDeclaration[] = DATASETS): BucketGrant[] {
  const byBucket = new Map<BucketRole, BucketGrant>();
  const add = (key: string, kind: 'read' | 'write' | 'delete') => {
    const { bucket, key: inBucket } = bucketOfKey(key);
    let g = byBucket.get(bucket);
    if (!g) byBucket.set(bucket, (g = { bucket, objects: { read: [], write: [], delete: [] } }));
    const pattern = key.endsWith('/') ? `${inBucket}*` : inBucket;
    if (!g.objects[kind].includes(pattern)) g.objects[kind].push(pattern);
  };
  // what a function writes it also reads back (GetObject): one compacted list for both
  for (const k of compactPrefixes(unique([...access.reads, ...access.writes]), datasets)) add(k, 'read');
  for (const k of compactPrefixes(access.writes, datasets)) add(k, 'write');
  for (const k of compactPrefixes(access.deletes, datasets)) add(k, 'delete');
  return [...byBucket.values()];
}

/**
 * Dataset prefixes (`curated/<name>/`, `changes/<name>/`) written once per family: `curated/river_*`
 * stands for curated/river_daily/, curated/river_observations/, curated/river_stations/ when every
 * declared dataset whose directory starts with `river_` is in the list, and at least two are. The
 * families are the names cut at `_` (or whole: `noise_indicators_hourly*` holds a later
 * `noise_indicators_hourly_bis`); the shortest that qualifies wins. So the declared datasets a pattern
 * reaches are exactly those of the list (tests/infra/handlers.test.ts checks it for every function);
 * a dataset declared later in a family a function has whole is reached too — a family is a grant.
 * Other prefixes and exact keys pass unchanged.
 */
export function compactPrefixes(prefixes: readonly string[], datasets: readonly DatasetDeclaration[] = DATASETS): string[] {
  // each declared dataset directory, by its parent: curated/ → [noise_readings, …], changes/ → […]
  const declared = new Map<string, string[]>();
  const note = (dir: string) => {
    const cut = dir.lastIndexOf('/', dir.length - 2);
    if (cut < 0) return; // a top-level dataset (quarantine/): nothing to group it with
    const parent = dir.slice(0, cut + 1);
    declared.set(parent, [...(declared.get(parent) ?? []), dir.slice(cut + 1, -1)]);
  };
  for (const d of datasets) {
    note(`${d.prefix}/`);
    note(changeLogPrefix(d));
  }
  const given = new Set(prefixes);
  const done = new Set<string>();
  const out: string[] = [];
  for (const p of prefixes) {
    if (done.has(p)) continue;
    const cut = p.lastIndexOf('/', p.length - 2);
    const parent = p.slice(0, cut + 1);
    const name = p.slice(cut + 1, -1);
    const siblings = declared.get(parent);
    if (!p.endsWith('/') || !siblings?.includes(name)) {
      out.push(p);
      continue;
    }
    const parts = name.split('_');
    const stems = parts.map((_, k) => parts.slice(0, k + 1).join('_') + (k + 1 < parts.length ? '_' : ''));
    const family = stems
      .map((stem) => ({ stem, members: siblings.filter((s) => s.startsWith(stem)) }))
      .find((f) => f.members.length >= 2 && f.members.every((m) => given.has(`${parent}${m}/`)));
    if (!family) {
      out.push(p);
      continue;
    }
    for (const m of family.members) done.add(`${parent}${m}/`);
    out.push(`${parent}${family.stem}*`);
  }
  return unique(out);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** the prefixes, without those inside another one (raw/hubeau/ when raw/ is there) */
function withoutCovered(prefixes: readonly string[]): string[] {
  const all = unique(prefixes);
  return all.filter((p) => !all.some((q) => q !== p && q.endsWith('/') && p.startsWith(q)));
}
