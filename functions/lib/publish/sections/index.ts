import type { SiteSection } from '../contract.ts';
import { noiseSection } from './noise.ts';

// The themes of the site, in the order of the map's layers and of a commune's page. A theme shows
// only when the datasets it requires hold rows.

export const SECTIONS: readonly SiteSection[] = [noiseSection];
