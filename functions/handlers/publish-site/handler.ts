import { publishSite } from '../../lib/stages/publish-site.ts';
import { stageHandler } from '../shared/stage-handler.ts';

export const handler = stageHandler('publish-site', (ctx) => publishSite(ctx));
