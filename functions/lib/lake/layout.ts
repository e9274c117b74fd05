import { isPartitioned, type DatasetDeclaration } from '../datasets/declaration.ts';

// Where everything lives in the lake: the one place object keys are spelled.

export const RAW_PREFIX = 'raw';
export const STAGING_PREFIX = 'staging';
export const STATE_PREFIX = 'state';
export const SITE_PREFIX = 'site';
export const MODELS_PREFIX = 'models';
export const LAKE_MANIFEST_KEY = 'lake.json';
/** the change log: each writer of a dataset records which partitions it wrote (see ports/lake.ts) */
export const CHANGES_PREFIX = 'changes';

/** changes/<dataset>/<ISO time>-<id>.json: keys sort by the time they were written */
export function changeLogPrefix(d: DatasetDeclaration): string {
  return `${CHANGES_PREFIX}/${d.name}/`;
}

/** raw/<source_kind>/<sha[0:2]>/<sha256><ext>: content-addressed, so a replayed file lands on the same key */
export function rawKey(sourceKind: string, sha256: string, extension: string): string {
  return `${RAW_PREFIX}/${sourceKind}/${sha256.slice(0, 2)}/${sha256}${extension}`;
}

/** the sha256 a raw key was named after */
export function rawSha(rawKey: string): string {
  const name = rawKey.slice(rawKey.lastIndexOf('/') + 1);
  return name.replace(/\..*$/, '');
}

export function partitionPrefix(d: DatasetDeclaration, dt: string): string {
  return `${d.prefix}/dt=${dt}/`;
}

/** curated/<dataset>/dt=<dt>/<name>.parquet (or curated/<dataset>/<name>.parquet when unpartitioned) */
export function datasetFileKey(d: DatasetDeclaration, name: string, dt?: string): string {
  if (isPartitioned(d)) {
    if (!dt) throw new Error(`dataset ${d.name} is partitioned by dt: a dt is needed for ${name}`);
    return `${partitionPrefix(d, dt)}${name}.parquet`;
  }
  return `${d.prefix}/${name}.parquet`;
}

/** the dt of a curated key (`…/dt=<value>/…`: a day, a month or a year by the dataset's granularity), or undefined */
export function dtOfKey(key: string): string | undefined {
  return /\/dt=(\d{4}(?:-\d{2}(?:-\d{2})?)?)\//.exec(key)?.[1];
}

export function stateKey(name: string): string {
  return `${STATE_PREFIX}/${name}.json`;
}
