import { refreshSensors } from '../../lib/stages/sensors.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('sensors', refreshSensors);
