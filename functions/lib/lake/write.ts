import { readFile, rm } from 'node:fs/promises';
import type { EncodedRows } from '../adapters/encoded-rows.ts';
import type { DatasetDeclaration } from '../datasets/declaration.ts';
import type { StageContext } from '../stages/context.ts';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** writes rows of a dataset (as objects, or encoded) as one Parquet object, through a scratch file so that any store works */
export async function writeDataset(
  ctx: Pick<StageContext, 'duck' | 'store'>,
  d: DatasetDeclaration,
  rows: readonly object[] | EncodedRows,
  key: string,
): Promise<void> {
  const file = ctx.duck.scratch('out.parquet');
  await ctx.duck.writeParquet(d, rows as readonly Record<string, unknown>[] | EncodedRows, file);
  await ctx.store.put(key, await readFile(file), { contentType: PARQUET_CONTENT_TYPE });
  await rm(file, { force: true });
}
