import { HUBEAU_DEFAULT_URL, pollHubeau } from '../../lib/stages/poll-hubeau.ts';
import { sourceUrl } from '../../lib/stages/source-endpoints.ts';
import { stageHandler } from '../shared/stage-handler.ts';

// Scheduled (rate(15 minutes), from STAGES): the real Hub'Eau unless OBSERVATORY_HUBEAU_URL says otherwise.
export const handler = stageHandler('poll-hubeau', (ctx) => pollHubeau(ctx, { baseUrl: sourceUrl('hubeau', HUBEAU_DEFAULT_URL)! }));
