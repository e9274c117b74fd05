import { floodIndicators } from '../../lib/stages/flood-indicators.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('flood-indicators', (ctx) => floodIndicators(ctx));
