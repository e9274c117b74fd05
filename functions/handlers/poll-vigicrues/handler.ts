import { pollVigicrues, VIGICRUES_DEFAULT_URL } from '../../lib/stages/poll-vigicrues.ts';
import { sourceUrl } from '../../lib/stages/source-endpoints.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('poll-vigicrues', (ctx) => pollVigicrues(ctx, { baseUrl: sourceUrl('vigicrues', VIGICRUES_DEFAULT_URL)! }));
