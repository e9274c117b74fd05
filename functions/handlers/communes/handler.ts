import { publishCommunes } from '../../lib/stages/communes.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('communes', publishCommunes);
