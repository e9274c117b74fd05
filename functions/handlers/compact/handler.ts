import { compactDataset } from '../../lib/stages/compact.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('compact', (ctx) => compactDataset(ctx));
