import { predict } from '../../lib/stages/predict.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('predict', (ctx) => predict(ctx));
