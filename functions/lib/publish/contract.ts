import type { Commune } from '../domain/geo/communes.ts';
import type { StageContext } from '../stages/context.ts';
import type { Text } from './i18n.ts';
import type * as data from './site-data.ts';
import type { Shape } from './site-data.ts';

// What a theme of the site (noise now; heat, flood, forecasts next) hands to the publisher, and what
// the publisher writes into site/data/. A theme is a SiteSection: it names the datasets it reads and,
// when they hold rows, returns map layers, map points, per-commune content, alerts and downloads. The
// publisher renders the pages and the JSON from these values only, so a new theme needs no page code.
// docs/site.md describes the published files. The shapes of what reaches site/data/ (layers, charts,
// tables, the JSON files) are zod schemas in publish/site-data.ts, their types inferred here.

export { LAYER_GROUPS } from './site-data.ts';
export type LayerGroup = Shape<typeof data.layerGroup>;
export type LayerClass = Shape<typeof data.layerClass>;
export type Period = Shape<typeof data.period>;
export type MapLayer = Shape<typeof data.mapLayer>;
export type MapPoint = Shape<typeof data.mapPoint>;
export type PointGroup = Shape<typeof data.pointGroup>;
export type Trend = Shape<typeof data.trend>;
export type Indicator = Shape<typeof data.indicator>;
export type ChartSeries = Shape<typeof data.chartSeries>;
export type ChartBand = Shape<typeof data.chartBand>;
export type ChartThreshold = Shape<typeof data.chartThreshold>;
export type ChartSpec = Shape<typeof data.chartSpec>;
export type TableColumn = Shape<typeof data.tableColumn>;
export type TableSpec = Shape<typeof data.tableSpec>;
export type Fact = Shape<typeof data.fact>;
export type CommuneSection = Shape<typeof data.communeSection>;
export type Alert = Shape<typeof data.alert>;
export type SiteJson = Shape<typeof data.siteJson>;
export type PublishedLayer = Shape<typeof data.publishedLayer>;
export type MapJson = Shape<typeof data.mapJson>;
export type PublishedIndicator = Shape<typeof data.publishedIndicator>;
export type DownloadFile = Shape<typeof data.downloadFile>;
export type PublishedSection = Shape<typeof data.publishedSection>;
export type ArrondissementFigures = Shape<typeof data.arrondissementFigures>;
export type CommuneJson = Shape<typeof data.communeJson>;
export type ThemeAsOf = Shape<typeof data.themeAsOf>;
export type CommuneLiveJson = Shape<typeof data.communeLiveJson>;

export interface DownloadSpec {
  readonly dataset: string;
  /** also one file per commune (rows with that commune_insee); a dataset partitioned by time gets one file per year */
  readonly perCommune: boolean;
  /** the columns of the CSV files when not all (e.g. without lineage columns); Parquet keeps them all */
  readonly csvColumns?: readonly string[];
}

export interface MethodBlock {
  readonly id: string;
  readonly title: Text;
  readonly paragraphs: readonly Text[];
  /** formulas in plain text, shown as code: « Leq = 10·log10(mean(10^(Li/10))) » */
  readonly formulas: readonly { readonly label: Text; readonly expression: string }[];
  readonly tables: readonly TableSpec[];
}

export interface SectionInput {
  readonly ctx: StageContext;
  readonly communes: readonly Commune[];
  /** whether a dataset is declared and holds rows (for the optional parts of a section) */
  readonly has: (dataset: string) => Promise<boolean>;
}

export interface SectionOutput {
  /** ISO instant of the theme's latest data; null when it holds none */
  readonly asOf: string | null;
  readonly layers: readonly MapLayer[];
  readonly points: readonly PointGroup[];
  /** by commune code; a commune absent here shows « pas de données » */
  readonly communes: ReadonlyMap<string, CommuneSection>;
  /**
   * parts of a commune with pages of their own (Paris's arrondissements), by their INSEE code: never
   * in the layers, the medians or the ranks, which are the communes'
   */
  readonly areas?: ReadonlyMap<string, CommuneSection>;
  /** by commune code, most recent first */
  readonly alerts: ReadonlyMap<string, readonly Alert[]>;
  readonly downloads: readonly DownloadSpec[];
  readonly methodology: readonly MethodBlock[];
}

export interface SiteSection {
  readonly id: string;
  readonly title: Text;
  /** declared datasets it reads: the section is left out when one is undeclared or holds no row */
  readonly requires: readonly string[];
  readonly build: (input: SectionInput) => Promise<SectionOutput>;
}

/** the bin of a value, -1 for missing data */
export function classOf(value: number | null | undefined, classes: readonly LayerClass[]): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return -1;
  return classes.findIndex((c) => (c.min === null || value >= c.min) && (c.max === null || value < c.max));
}

