import type { DictionaryEntry } from '../datasets/derive.ts';
import type { Commune } from '../domain/geo/communes.ts';
import type { CommuneJson, DownloadFile, LayerGroup, MapJson, SectionOutput, SiteSection } from './contract.ts';
import type { CommuneMap } from './geo.ts';
import type { SiteFrame } from './html.ts';
import { text, type Text } from './i18n.ts';

// Everything the pages are rendered from, gathered once by the publish stage.

export interface SiteModel {
  readonly frame: SiteFrame;
  readonly communes: readonly Commune[];
  readonly sections: readonly { readonly section: SiteSection; readonly output: SectionOutput }[];
  /** sections left out, and the datasets they were waiting for */
  readonly hidden: readonly { readonly id: string; readonly title: Text; readonly missing: readonly string[] }[];
  readonly map: CommuneMap;
  readonly mapJson: MapJson;
  readonly communeJson: ReadonlyMap<string, CommuneJson>;
  readonly downloads: readonly DownloadFile[];
  readonly dictionary: readonly DictionaryEntry[];
  readonly sqlExamples: readonly { readonly name: string; readonly sql: string }[];
}

export const GROUP_TITLES: Readonly<Record<LayerGroup, Text>> = {
  noise: text('Bruit', 'Noise'),
  exceedance: text('Dépassements des valeurs de référence', 'Exceedances of the reference values'),
  heat: text('Chaleur', 'Heat'),
  flood: text('Crues', 'Floods'),
  risk: text('Risque climatique', 'Climate risk'),
  forecast: text('Prévisions', 'Forecasts'),
};
