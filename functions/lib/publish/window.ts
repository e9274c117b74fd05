import { daysOfPartition, granularityOf, isPartitioned, partitionOf, type DatasetDeclaration } from '../datasets/declaration.ts';
import { SITE_PREFIX } from '../lake/layout.ts';
import { rm, writeFile } from 'node:fs/promises';
import type { Lake } from '../ports/lake.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { sqlPath } from '../sql/literals.ts';
import type { DownloadFile } from './contract.ts';
import { yearOfPartition } from './downloads.ts';
import { partitionsOf, type Inputs } from './incremental.ts';
import { addDays } from './sql.ts';

// What the sections read, at a cost that does not grow with history (issue 14). A dataset partitioned
// by day or month is read for the days its sections show (a year for the rolling figures): read
// partition by partition, that is up to 366 objects of an hourly dataset and 13 of a monthly one, a
// number that grows with the history until it reaches the window. The publish before this one wrote
// the same rows already, as the download file of each year (downloads.ts: every partition of the
// year, de-duplicated): so the window is that year file (at most two years for a window of a year)
// with the partitions that changed since replaced by what they hold now. A run reads the same number
// of objects after a week and after a year. Without a previous year file (the first publish, a new
// format, a dataset the site did not download) the window's partitions are read one by one, as before.

export interface WindowInputs {
  /** the listing of the inputs (object key → etag per dataset) */
  readonly inputs: Inputs;
  /** the partitions of each input changed since the previous publish; undefined on a full render */
  readonly changed: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  /** the download files of the previous publish */
  readonly previous: readonly DownloadFile[];
  /** whether the previous publish's file at a site path is still there (the site manifest says so) */
  readonly published: (path: string) => boolean;
}

export interface WindowRead {
  /** how the window was read: from the previous year files and the changed partitions, or partition by partition */
  readonly from: 'year-files' | 'partitions';
  /** the partitions in the window */
  readonly partitions: readonly string[];
  /** the partitions read from the lake (all of them when read partition by partition) */
  readonly read: readonly string[];
}

/** the partitions of a dataset holding the `days` days that end with the last day of its latest partition */
export function windowPartitions(d: DatasetDeclaration, all: readonly string[], days: number): string[] {
  const last = [...all].sort().pop();
  if (!last) return [];
  const first = partitionOf(d, addDays(daysOfPartition(d, last).to, 1 - days));
  return all.filter((dt) => dt >= first && dt <= last).sort();
}

/** whether a dataset is read through its year files: partitioned finer than a year (a year-partitioned one reads two objects at most) */
export const readsThroughYearFiles = (d: DatasetDeclaration): boolean => isPartitioned(d) && granularityOf(d) !== 'year' && !d.derived;

/**
 * Makes the view named after the dataset hold its window's partitions. The view's rows are the same
 * as those of `Lake.attach` over the window (a test compares them); only the objects read differ.
 */
export async function attachWindow(lake: Lake, store: ObjectStore, d: DatasetDeclaration, days: number, w: WindowInputs): Promise<WindowRead> {
  const partitions = windowPartitions(d, partitionsOf(w.inputs, d.name), days);
  const years = [...new Set(partitions.map(yearOfPartition))];
  const files = years.map((year) => w.previous.find((f) => f.dataset === d.name && f.commune === null && f.year === year && f.format === 'parquet'));
  const usable = w.changed !== undefined && readsThroughYearFiles(d) && files.every((f) => f !== undefined && w.published(f.path));
  if (!usable || partitions.length === 0) {
    await lake.attach([d], { kind: 'partitions', dts: partitions });
    return { from: 'partitions', partitions, read: partitions };
  }
  const changed = partitions.filter((dt) => w.changed!.get(d.name)?.has(dt));
  const list = (dts: readonly string[]) => dts.map((dt) => `'${dt.replaceAll("'", "''")}'`).join(', ') || "''";
  const previous = `site_previous_${d.name}`;
  const table = `site_window_${d.name}`;
  const local = await Promise.all(
    files.map(async (f, i) => {
      const file = `${lake.scratch(`${previous}-${i}`)}.parquet`;
      await writeFile(file, await store.get(`${SITE_PREFIX}/${f!.path}`));
      return file;
    }),
  );
  try {
    await lake.attach([d], { kind: 'partitions', dts: changed });
    // a table: the sections read the window many times, the year files once; a demo file's demo column is left out
    await lake.run(
      `CREATE OR REPLACE TEMP TABLE ${table} AS
         SELECT COLUMNS(c -> c <> 'demo') FROM read_parquet([${local.map((f) => `'${sqlPath(f)}'`).join(', ')}], union_by_name = true)
         WHERE CAST(dt AS VARCHAR) IN (${list(partitions)}) AND CAST(dt AS VARCHAR) NOT IN (${list(changed)})
         UNION ALL BY NAME SELECT * FROM ${d.name}`,
    );
  } finally {
    await Promise.all(local.map((f) => rm(f, { force: true })));
  }
  await lake.run(`CREATE OR REPLACE VIEW ${d.name} AS SELECT * FROM ${table}`);
  return { from: 'year-files', partitions, read: changed };
}
