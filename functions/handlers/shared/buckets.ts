// Where each area of the lake lives on AWS. The stages see one key space; on AWS raw bytes (and the
// files dropped for ingestion) sit in a versioned raw bucket, the public site in the bucket CloudFront
// serves, everything else (curated/, quarantine/, staging/, state/, models/, lake.json) in the lake
// bucket. The handlers route keys with this table and infra/ derives its grants from it.

export const BUCKET_ENV = {
  lake: 'LAKE_BUCKET',
  raw: 'RAW_BUCKET',
  site: 'SITE_BUCKET',
} as const;

export type BucketRole = keyof typeof BUCKET_ENV;

/** files dropped here (incoming/<source kind>/…) are ingested by the ingest-file function */
export const INCOMING_PREFIX = 'incoming';

export interface BucketRoute {
  /** keys starting with this… */
  readonly prefix: string;
  /** …live in this bucket… */
  readonly bucket: BucketRole;
  /** …with `prefix` replaced by this */
  readonly targetPrefix: string;
}

export const BUCKET_ROUTES: readonly BucketRoute[] = [
  { prefix: 'raw/', bucket: 'raw', targetPrefix: 'raw/' },
  { prefix: `${INCOMING_PREFIX}/`, bucket: 'raw', targetPrefix: `${INCOMING_PREFIX}/` },
  { prefix: 'site/', bucket: 'site', targetPrefix: '' },
];

/** the bucket and the key in it of a lake key (or key prefix) */
export function bucketOfKey(key: string): { bucket: BucketRole; key: string } {
  for (const r of BUCKET_ROUTES) {
    if (key.startsWith(r.prefix)) return { bucket: r.bucket, key: r.targetPrefix + key.slice(r.prefix.length) };
  }
  return { bucket: 'lake', key };
}
