import { trainModels } from '../../lib/stages/train-models.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('train-models', (ctx) => trainModels(ctx));
