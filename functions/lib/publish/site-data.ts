import * as z from 'zod/mini';

// The files the site's scripts fetch under site/data/ (site.json, map.json, communes/<insee>.json,
// live/<insee>.json, search.json), as zod schemas: the one description of their shape. The publisher
// checks each file against its schema before writing it (a file that does not fit fails the stage),
// and the browser code parses what it fetches with the same schemas (zod/mini: tree-shaken into the
// bundle), so a malformed file is a clear message on the page, not a broken panel. The TypeScript
// types of these files (publish/contract.ts) are inferred from here. Only this module and zod/mini
// may be imported here: it is bundled into the browser code.

/** the same object type, read-only all the way down (what the publisher hands around) */
export type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
/** the read-only type of the values a schema accepts */
export type Shape<S extends z.ZodMiniType> = DeepReadonly<z.infer<S>>;

const nullable = <S extends z.ZodMiniType>(s: S) => z.nullable(s);
const num = z.number();
const str = z.string();

/** a wording in French and in English */
export const text = z.object({ fr: str, en: str });

export const LAYER_GROUPS = ['noise', 'exceedance', 'heat', 'flood', 'risk', 'forecast'] as const;
export const layerGroup = z.enum(LAYER_GROUPS);

export const layerClass = z.object({
  /** inclusive lower bound; null: unbounded */
  min: nullable(num),
  /** exclusive upper bound; null: unbounded */
  max: nullable(num),
  /** CSS colour, from a colour-blind-safe sequential scheme */
  color: str,
  label: text,
});

/** local calendar days YYYY-MM-DD, inclusive */
export const period = z.object({ from: str, to: str });

export const mapLayer = z.object({
  /** stable: used in URLs (#couche=<id>) and file names */
  id: str,
  group: layerGroup,
  title: text,
  /** short name for tooltips and accessible names, e.g. « Lden » */
  short: text,
  /** unit of the values, e.g. 'dB(A)', '%', 'j', '°C'; '' when none */
  unit: str,
  decimals: num,
  /** one sentence: what the value is, over which period, with which convention */
  description: text,
  source: text,
  period: nullable(period),
  /** ordered bins: a value v falls in the first class with (min ≤ v or min null) and (v < max or max null) */
  classes: z.array(layerClass),
  /** one entry per commune code; null: no data (never 0) */
  values: z.record(str, nullable(num)),
  /** the legend's words for null, when « pas de données » would mislead (e.g. « commune non riveraine ») */
  missingLabel: z.optional(text),
});

export const publishedLayer = z.extend(mapLayer, {
  /** the class index of each commune, -1 for no data */
  class_of: z.record(str, num),
  /** communes per class, and without data */
  counts: z.array(num),
  missing: num,
});

export const mapPoint = z.object({
  id: str,
  name: nullable(str),
  lon: num,
  lat: num,
  commune_insee: nullable(str),
  /** one line for the tooltip, e.g. the station's latest value */
  label: text,
  /** attributes and indicators for the GeoJSON download (empty in map.json) */
  properties: z.record(str, z.union([str, num, z.boolean(), z.null()])),
});

export const pointGroup = z.object({
  id: str,
  kind: z.enum(['noise-sensor', 'river-station', 'weather-station']),
  title: text,
  points: z.array(mapPoint),
});

export const mapJson = z.object({
  generated_at: str,
  data_as_of: nullable(str),
  default_layer: nullable(str),
  groups: z.array(z.object({ id: layerGroup, title: text })),
  layers: z.array(publishedLayer),
  /** layers left off the map because every commune with a value has the same one: a sentence says it instead */
  uniform: z.optional(z.array(z.object({ id: str, title: text, note: text }))),
  points: z.array(pointGroup),
  communes: z.array(z.object({ insee: str, name: str, departement: str })),
  /** Paris's arrondissements: a sub-layer of Paris carrying the same indicators, never among the communes' classes counts */
  arrondissements: z.optional(
    z.object({
      /** by layer id: one entry per arrondissement code; null: no data */
      values: z.record(str, z.record(str, nullable(num))),
      /** by layer id: the class index of each arrondissement in the layer's classes, -1 for no data */
      class_of: z.record(str, z.record(str, num)),
      names: z.array(z.object({ insee: str, name: text })),
    }),
  ),
});

export const trend = z.object({
  /** recent window minus the one compared, in the indicator's unit (percentage points for shares) */
  delta: num,
  /** what was compared: « 7 derniers jours / mêmes jours l’an dernier » when a year of data exists, else the previous days, said so */
  window: text,
});

export const indicator = z.object({
  id: str,
  label: text,
  unit: str,
  decimals: num,
  /** null: no data */
  value: nullable(num),
  trend: nullable(trend),
  /** period and convention, one short line */
  note: text,
});

export const publishedIndicator = z.extend(indicator, {
  /** the median of the communes with a value (same indicator, same period) */
  median: nullable(num),
});

export const chartSeries = z.object({
  id: str,
  label: text,
  /** aligned with the chart's x values; null: no data (a gap in the line) */
  values: z.array(nullable(num)),
});

/** an uncertainty band (e.g. forecast P10–P90), aligned with the chart's x values */
export const chartBand = z.object({ id: str, label: text, lower: z.array(nullable(num)), upper: z.array(nullable(num)) });

export const chartThreshold = z.object({
  value: num,
  label: text,
  /** who: WHO guideline; fr: French limit value; ref: any other reference (flood of 1910…) */
  kind: z.enum(['who', 'fr', 'ref']),
});

export const chartSpec = z.object({
  id: str,
  title: text,
  /** the text alternative: what the chart shows, in two sentences */
  summary: text,
  x: z.object({
    /** day: YYYY-MM-DD local days; hour: local clock hours 0–23; instant: ISO UTC times */
    kind: z.enum(['day', 'hour', 'instant']),
    label: text,
    values: z.array(z.union([str, num])),
  }),
  /** domain: a fixed range (e.g. vigilance levels 1–4) instead of one fitted to the values */
  y: z.object({ label: text, unit: str, decimals: num, domain: z.optional(z.tuple([num, num])) }),
  series: z.array(chartSeries),
  /** draw the series as steps (a level held over each x), not as lines */
  step: z.optional(z.boolean()),
  bands: z.optional(z.array(chartBand)),
  thresholds: z.optional(z.array(chartThreshold)),
  source: text,
});

export const tableColumn = z.object({
  id: str,
  label: text,
  /** code: an identifier, shown small and allowed to break anywhere */
  kind: z.enum(['text', 'number', 'day', 'instant', 'code']),
  unit: z.optional(str),
  decimals: z.optional(num),
});

export const tableSpec = z.object({
  id: str,
  title: text,
  columns: z.array(tableColumn),
  /** cells by column id: a Text where the cell is words to translate; null: no data */
  rows: z.array(z.record(str, z.union([str, num, text, z.null()]))),
  note: z.optional(text),
  /** shown instead of an empty table */
  empty: text,
});

export const fact = z.object({ label: text, value: text });

const sectionFields = {
  /** the theme's id, or 'forecast' for a forecast block (shown under « Prévisions ») */
  id: str,
  title: text,
  charts: z.array(chartSpec),
  tables: z.array(tableSpec),
  /** data coverage and provenance, as label/value pairs */
  facts: z.array(fact),
};
export const communeSection = z.object({ ...sectionFields, indicators: z.array(indicator) });
export const publishedSection = z.object({ ...sectionFields, indicators: z.array(publishedIndicator) });

export const alert = z.object({
  /** stable across runs: the same event keeps its id (Atom entry id, JSON Feed item id) */
  id: str,
  kind: str,
  severity: z.enum(['info', 'warning', 'danger']),
  /** when the event happened (ISO UTC), and when its figures last changed */
  start: str,
  updated: str,
  title: text,
  content: text,
  value: nullable(num),
  threshold: nullable(num),
  unit: str,
});

export const downloadFile = z.object({
  dataset: str,
  /** the commune of a per-commune file; null for a whole-Métropole file */
  commune: nullable(str),
  /** the year of the dataset's partitions the file holds; null: the whole dataset (not partitioned by time) */
  year: nullable(str),
  format: z.enum(['csv', 'parquet', 'geojson']),
  /** relative to the site root */
  path: str,
  bytes: num,
  rows: nullable(num),
});

/** an arrondissement's levels on Paris's page, side by side (not ranked among the communes) */
export const arrondissementFigures = z.object({ insee: str, number: num, lden: nullable(num), lnight: nullable(num), sensors: num });

const commune = z.object({ commune_insee: str, name: str, departement: str, ept: str, ept_name: str, population: num });
const arrondissement = z.object({ arrondissement_insee: str, number: num, name: str, officialName: str, population: num });

/** a commune's content that changes only with its data (no run time): the forecasts are in its live file */
export const communeJson = z.object({
  /** the commune; Paris on an arrondissement's page */
  commune: commune,
  /** on an arrondissement's page (data/communes/751NN.json): which one; its themes besides noise are Paris's */
  arrondissement: z.optional(arrondissement),
  /** on Paris's page: its arrondissements' noise levels */
  arrondissements: z.optional(z.array(arrondissementFigures)),
  /** the plain-language summary at the top of the page (publish/summary.ts) */
  summary: text,
  sections: z.array(publishedSection),
  /** the most recent alerts (the feeds hold more) */
  alerts: z.array(alert),
  downloads: z.array(downloadFile),
});

export const themeAsOf = z.object({ title: text, as_of: str });

export const outlookDay = z.object({
  day: str,
  /** a probability in % (heat, nights), a vigilance level 1–4 (flood); null: no value for that day */
  value: nullable(num),
});

export const outlookItem = z.object({
  id: z.enum(['flood', 'heat', 'noise-who', 'noise-fr']),
  title: text,
  status: z.enum(['forecast', 'stale', 'none']),
  days: z.array(outlookDay),
  /** when the forecast (or the bulletin) was issued */
  issued_at: nullable(str),
  /** the model or the named baseline, or the official bulletin */
  source: nullable(text),
  /** the sentence the panel shows */
  message: text,
});

export const communeOutlook = z.object({
  /** the Paris days covered: today and the next two (by the lake's clock) */
  days: z.array(str),
  now: str,
  demo: z.boolean(),
  items: z.array(outlookItem),
});

/** what changes with every run on a commune's page, fetched by the page (data/live/<insee>.json) */
export const communeLiveJson = z.object({
  data_as_of: nullable(str),
  as_of_by_theme: z.array(themeAsOf),
  /** the page's « data as of » line */
  as_of_text: text,
  /** the commune's forecast sections (empty: no evaluated forecast) */
  sections: z.array(publishedSection),
  /** the page's forecast panel, rendered, per language (its charts drawn from `sections`) */
  panel: text,
  /** « les 3 prochains jours »: flood vigilance, heat-wave and noisy-night probabilities (publish/outlook.ts) */
  outlook: communeOutlook,
  /** the outlook, rendered, per language */
  outlook_panel: text,
});

export const siteJson = z.object({
  generated_at: str,
  /** the latest measured data (forecasts aside), and the same per theme */
  data_as_of: nullable(str),
  as_of_by_theme: z.array(themeAsOf),
  /** the pages' « data as of » line, with the site's update time */
  as_of_text: text,
  demo: z.boolean(),
  demo_notice: nullable(str),
  sections: z.array(z.object({ id: str, title: text, as_of: nullable(str) })),
  languages: z.array(str),
  files: z.record(str, str),
});

export const searchEntry = z.object({
  /** the INSEE code of the page the entry opens */
  c: str,
  /** the name shown */
  n: str,
  /** département */
  d: str,
  /** postcodes */
  p: z.array(str),
  /** INSEE codes that find it (its own, an arrondissement's) */
  i: z.array(str),
  /** other names that find it, already normalized */
  k: z.optional(z.array(str)),
  /** the commune it belongs to, when it opens that commune's page (an arrondissement without a page yet) */
  of: z.optional(str),
});
export const searchIndex = z.object({ entries: z.array(searchEntry) });

/** a file of site/data/ that does not fit its schema: which file, where, what was expected and found */
export class SiteDataError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
  ) {
    super(`${file} does not have the shape the site expects: ${issues.slice(0, 3).join('; ')}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`);
    this.name = 'SiteDataError';
  }
}

/** the value, checked against the file's schema; a SiteDataError naming the file and each misfit field otherwise */
export function checkSiteData<S extends z.ZodMiniType>(file: string, schema: S, value: unknown): Shape<S> {
  const r = z.safeParse(schema, value);
  if (r.success) return r.data as Shape<S>;
  throw new SiteDataError(file, r.error.issues.map((i) => misfit(i, value)));
}

/** « at layers.0.classes: expected array, found string » */
function misfit(issue: z.core.$ZodIssue, root: unknown): string {
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  const found = describe(issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), root));
  if (issue.code === 'invalid_type') return `at ${where}: expected ${issue.expected}, found ${found}`;
  if (issue.code === 'invalid_value') return `at ${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${found}`;
  return `at ${where}: ${issue.code}, found ${found}`;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}
