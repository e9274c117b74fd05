import { noiseIndicators } from '../../lib/stages/noise-indicators.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('noise-indicators', (ctx) => noiseIndicators(ctx));
