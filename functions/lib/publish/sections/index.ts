import type { SiteSection } from '../contract.ts';
import { floodSection, riverSection } from './flood.ts';
import { forecastSection } from './forecast.ts';
import { heatSection } from './heat.ts';
import { noiseSection } from './noise.ts';

// The themes of the site, in the order of the map's layers and of a commune's page. A theme shows
// only when the datasets it requires are declared and hold rows; « forecast » fills the forecasts
// part of the commune pages and the model evaluation of the methodology page.

export const SECTIONS: readonly SiteSection[] = [noiseSection, heatSection, floodSection, riverSection, forecastSection];
