import type { DatasetDeclaration } from '../datasets/declaration.ts';
import type { EncodedRows } from '../datasets/encoded-rows.ts';
import type { Lake } from '../ports/lake.ts';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** writes rows of a dataset (as objects, or encoded) as one Parquet object */
export async function writeDataset(ctx: { readonly lake: Lake }, d: DatasetDeclaration, rows: readonly object[] | EncodedRows, key: string): Promise<void> {
  await ctx.lake.writeRows(d, rows, key);
}
