import { heatIndicators } from '../../lib/stages/heat-indicators.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('heat-indicators', (ctx) => heatIndicators(ctx));
