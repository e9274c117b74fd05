import type { CommuneOutlook } from './outlook.ts';
import type { Commune } from '../domain/geo/communes.ts';
import type { Arrondissement } from '../domain/geo/arrondissements.ts';
import type { StageContext } from '../stages/context.ts';
import type { Text } from './i18n.ts';

// What a theme of the site (noise now; heat, flood, forecasts next) hands to the publisher, and what
// the publisher writes into site/data/. A theme is a SiteSection: it names the datasets it reads and,
// when they hold rows, returns map layers, map points, per-commune content, alerts and downloads. The
// publisher renders the pages and the JSON from these values only, so a new theme needs no page code.
// docs/site.md describes the published files.

export const LAYER_GROUPS = ['noise', 'exceedance', 'heat', 'flood', 'risk', 'forecast'] as const;
export type LayerGroup = (typeof LAYER_GROUPS)[number];

export interface LayerClass {
  /** inclusive lower bound; null: unbounded */
  readonly min: number | null;
  /** exclusive upper bound; null: unbounded */
  readonly max: number | null;
  /** CSS colour, from a colour-blind-safe sequential scheme */
  readonly color: string;
  readonly label: Text;
}

export interface Period {
  /** local calendar days YYYY-MM-DD, inclusive */
  readonly from: string;
  readonly to: string;
}

export interface MapLayer {
  /** stable: used in URLs (#couche=<id>) and file names */
  readonly id: string;
  readonly group: LayerGroup;
  readonly title: Text;
  /** short name for tooltips and accessible names, e.g. « Lden » */
  readonly short: Text;
  /** unit of the values, e.g. 'dB(A)', '%', 'j', '°C'; '' when none */
  readonly unit: string;
  readonly decimals: number;
  /** one sentence: what the value is, over which period, with which convention */
  readonly description: Text;
  readonly source: Text;
  readonly period: Period | null;
  /** ordered bins: a value v falls in the first class with (min ≤ v or min null) and (v < max or max null) */
  readonly classes: readonly LayerClass[];
  /** one entry per commune code; null: no data (never 0) */
  readonly values: Readonly<Record<string, number | null>>;
  /** the legend's words for null, when « pas de données » would mislead (e.g. « commune non riveraine ») */
  readonly missingLabel?: Text;
}

export interface MapPoint {
  readonly id: string;
  readonly name: string | null;
  readonly lon: number;
  readonly lat: number;
  readonly commune_insee: string | null;
  /** one line for the tooltip, e.g. the station's latest value */
  readonly label: Text;
  /** attributes and indicators for the GeoJSON download */
  readonly properties: Readonly<Record<string, string | number | boolean | null>>;
}

export interface PointGroup {
  readonly id: string;
  readonly kind: 'noise-sensor' | 'river-station' | 'weather-station';
  readonly title: Text;
  readonly points: readonly MapPoint[];
}

export interface Trend {
  /** recent window minus the one compared, in the indicator's unit (percentage points for shares) */
  readonly delta: number;
  /** what was compared: « 7 derniers jours / mêmes jours l’an dernier » when a year of data exists, else the previous days, said so */
  readonly window: Text;
}

export interface Indicator {
  readonly id: string;
  readonly label: Text;
  readonly unit: string;
  readonly decimals: number;
  /** null: no data */
  readonly value: number | null;
  readonly trend: Trend | null;
  /** period and convention, one short line */
  readonly note: Text;
}

export interface ChartSeries {
  readonly id: string;
  readonly label: Text;
  /** aligned with the chart's x values; null: no data (a gap in the line) */
  readonly values: readonly (number | null)[];
}

/** an uncertainty band (e.g. forecast P10–P90), aligned with the chart's x values */
export interface ChartBand {
  readonly id: string;
  readonly label: Text;
  readonly lower: readonly (number | null)[];
  readonly upper: readonly (number | null)[];
}

export interface ChartThreshold {
  readonly value: number;
  readonly label: Text;
  /** who: WHO guideline; fr: French limit value; ref: any other reference (flood of 1910…) */
  readonly kind: 'who' | 'fr' | 'ref';
}

export interface ChartSpec {
  readonly id: string;
  readonly title: Text;
  /** the text alternative: what the chart shows, in two sentences */
  readonly summary: Text;
  readonly x: {
    /** day: YYYY-MM-DD local days; hour: local clock hours 0–23; instant: ISO UTC times */
    readonly kind: 'day' | 'hour' | 'instant';
    readonly label: Text;
    readonly values: readonly (string | number)[];
  };
  /** domain: a fixed range (e.g. vigilance levels 1–4) instead of one fitted to the values */
  readonly y: { readonly label: Text; readonly unit: string; readonly decimals: number; readonly domain?: readonly [number, number] };
  readonly series: readonly ChartSeries[];
  /** draw the series as steps (a level held over each x), not as lines */
  readonly step?: boolean;
  readonly bands?: readonly ChartBand[];
  readonly thresholds?: readonly ChartThreshold[];
  readonly source: Text;
}

export interface TableColumn {
  readonly id: string;
  readonly label: Text;
  /** code: an identifier, shown small and allowed to break anywhere */
  readonly kind: 'text' | 'number' | 'day' | 'instant' | 'code';
  readonly unit?: string;
  readonly decimals?: number;
}

export interface TableSpec {
  readonly id: string;
  readonly title: Text;
  readonly columns: readonly TableColumn[];
  /** cells by column id: a Text where the cell is words to translate; null: no data */
  readonly rows: readonly Readonly<Record<string, string | number | Text | null>>[];
  readonly note?: Text;
  /** shown instead of an empty table */
  readonly empty: Text;
}

export interface Fact {
  readonly label: Text;
  readonly value: Text;
}

export interface CommuneSection {
  /** the theme's id, or 'forecast' for a forecast block (shown under « Prévisions ») */
  readonly id: string;
  readonly title: Text;
  readonly indicators: readonly Indicator[];
  readonly charts: readonly ChartSpec[];
  readonly tables: readonly TableSpec[];
  /** data coverage and provenance, as label/value pairs */
  readonly facts: readonly Fact[];
}

export interface Alert {
  /** stable across runs: the same event keeps its id (Atom entry id, JSON Feed item id) */
  readonly id: string;
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'danger';
  /** when the event happened (ISO UTC), and when its figures last changed */
  readonly start: string;
  readonly updated: string;
  readonly title: Text;
  readonly content: Text;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly unit: string;
}

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
  has(dataset: string): Promise<boolean>;
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
  build(input: SectionInput): Promise<SectionOutput>;
}

/** the bin of a value, -1 for missing data */
export function classOf(value: number | null | undefined, classes: readonly LayerClass[]): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return -1;
  return classes.findIndex((c) => (c.min === null || value >= c.min) && (c.max === null || value < c.max));
}

// ── the files under site/data/ ─────────────────────────────────────────────────────────────────────

export interface SiteJson {
  readonly generated_at: string;
  /** the latest measured data (forecasts aside), and the same per theme */
  readonly data_as_of: string | null;
  readonly as_of_by_theme: readonly ThemeAsOf[];
  /** the pages' « data as of » line, with the site's update time */
  readonly as_of_text: Readonly<Record<'fr' | 'en', string>>;
  readonly demo: boolean;
  readonly demo_notice: string | null;
  readonly sections: readonly { readonly id: string; readonly title: Text; readonly as_of: string | null }[];
  readonly languages: readonly string[];
  readonly files: Readonly<Record<string, string>>;
}

export interface PublishedLayer extends MapLayer {
  /** the class index of each commune, -1 for no data */
  readonly class_of: Readonly<Record<string, number>>;
  /** communes per class, and without data */
  readonly counts: readonly number[];
  readonly missing: number;
}

export interface MapJson {
  readonly generated_at: string;
  readonly data_as_of: string | null;
  readonly default_layer: string | null;
  readonly groups: readonly { readonly id: LayerGroup; readonly title: Text }[];
  readonly layers: readonly PublishedLayer[];
  /** layers left off the map because every commune with a value has the same one: a sentence says it instead */
  readonly uniform?: readonly { readonly id: string; readonly title: Text; readonly note: Text }[];
  readonly points: readonly PointGroup[];
  readonly communes: readonly { readonly insee: string; readonly name: string; readonly departement: string }[];
}

export interface PublishedIndicator extends Indicator {
  /** the median of the communes with a value (same indicator, same period) */
  readonly median: number | null;
}

export interface DownloadFile {
  readonly dataset: string;
  /** the commune of a per-commune file; null for a whole-Métropole file */
  readonly commune: string | null;
  /** the year of the dataset's partitions the file holds; null: the whole dataset (not partitioned by time) */
  readonly year: string | null;
  readonly format: 'csv' | 'parquet' | 'geojson';
  /** relative to the site root */
  readonly path: string;
  readonly bytes: number;
  readonly rows: number | null;
}

export type PublishedSection = Omit<CommuneSection, 'indicators'> & { readonly indicators: readonly PublishedIndicator[] };

/** an arrondissement's levels on Paris's page, side by side (not ranked among the communes) */
export interface ArrondissementFigures {
  readonly insee: string;
  readonly number: number;
  readonly lden: number | null;
  readonly lnight: number | null;
  readonly sensors: number;
}

/** a commune's content that changes only with its data (no run time): the forecasts are in its live file */
export interface CommuneJson {
  /** the commune; Paris on an arrondissement's page */
  readonly commune: Commune;
  /** on an arrondissement's page (data/communes/751NN.json): which one; its themes besides noise are Paris's */
  readonly arrondissement?: Arrondissement;
  /** on Paris's page: its arrondissements' noise levels */
  readonly arrondissements?: readonly ArrondissementFigures[];
  /** the plain-language summary at the top of the page (publish/summary.ts) */
  readonly summary: Text;
  readonly sections: readonly PublishedSection[];
  /** the most recent alerts (the feeds hold more) */
  readonly alerts: readonly Alert[];
  readonly downloads: readonly DownloadFile[];
}

export interface ThemeAsOf {
  readonly title: Text;
  readonly as_of: string;
}

/** what changes with every run on a commune's page, fetched by the page (data/live/<insee>.json) */
export interface CommuneLiveJson {
  readonly data_as_of: string | null;
  readonly as_of_by_theme: readonly ThemeAsOf[];
  /** the page's « data as of » line */
  readonly as_of_text: Readonly<Record<'fr' | 'en', string>>;
  /** the commune's forecast sections (empty: no evaluated forecast) */
  readonly sections: readonly PublishedSection[];
  /** the page's forecast panel, rendered, per language (its charts drawn from `sections`) */
  readonly panel: Readonly<Record<'fr' | 'en', string>>;
  /** « les 3 prochains jours »: flood vigilance, heat-wave and noisy-night probabilities (publish/outlook.ts) */
  readonly outlook: CommuneOutlook;
  /** the outlook, rendered, per language */
  readonly outlook_panel: Readonly<Record<'fr' | 'en', string>>;
}
