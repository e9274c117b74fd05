import { DATAGOUV_DEFAULT_URL, pollMeteoFrance } from '../../lib/stages/poll-meteofrance.ts';
import { sourceUrl } from '../../lib/stages/source-endpoints.ts';
import { stageHandler } from '../shared/stage-handler.ts';

// Scheduled (daily, from STAGES): the real data.gouv.fr unless OBSERVATORY_METEOFRANCE_URL says otherwise.
// It stops starting new work two minutes before the Lambda timeout; what is left resumes next run.
const MARGIN_MS = 120_000;

export const handler = stageHandler('poll-meteofrance', (ctx, { deadline }) =>
  pollMeteoFrance(ctx, { baseUrl: sourceUrl('meteofrance', DATAGOUV_DEFAULT_URL)!, ...(deadline !== undefined ? { deadline: deadline - MARGIN_MS } : {}) }),
);
