import { communes } from '../datasets/index.ts';
import { COMMUNES } from '../domain/geo/communes.ts';
import { datasetFileKey } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import type { StageContext } from './context.ts';

/** writes the communes reference table (from the shipped GeoJSON) into the lake */
export async function publishCommunes(ctx: StageContext): Promise<{ communes: number }> {
  const key = datasetFileKey(communes, 'communes');
  await writeDataset(ctx, communes, COMMUNES, key);
  return { communes: COMMUNES.length };
}
