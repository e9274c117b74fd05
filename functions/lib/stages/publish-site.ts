import { z } from 'zod';
import {
  DATASETS,
  floodVigilance,
  noiseIndicatorsArrondissementDaily,
  noiseIndicatorsCommuneDaily,
  noiseIndicatorsDaily,
  noiseIndicatorsHourly,
  noiseReadings,
  riverObservations,
} from '../datasets/index.ts';
import { isPartitioned, type DatasetDeclaration } from '../datasets/declaration.ts';
import { dictionary } from '../datasets/derive.ts';
import { COMMUNES, COMMUNES_GEOJSON } from '../domain/geo/communes.ts';
import { ARRONDISSEMENTS, ARRONDISSEMENTS_GEOJSON, arrondissementName, PARIS_INSEE } from '../domain/geo/arrondissements.ts';
import { optionalEnv } from '../env.ts';
import { readManifest } from '../lake/manifest.ts';
import { SITE_PREFIX } from '../lake/layout.ts';
import {
  classOf,
  LAYER_GROUPS,
  type ArrondissementFigures,
  type CommuneJson,
  type CommuneLiveJson,
  type DownloadFile,
  type DownloadSpec,
  type MapJson,
  type MapLayer,
  type PointGroup,
  type PublishedIndicator,
  type PublishedLayer,
  type SectionOutput,
  type SiteSection,
  type ThemeAsOf,
  type Alert,
} from '../publish/contract.ts';
import { writeDownloads, yearOfPartition } from '../publish/downloads.ts';
import { changedPartitions, LAKE_INPUT, listInputs, partitionsOf, readSiteManifest, SITE_FORMAT, writeSiteManifest } from '../publish/incremental.ts';
import { LIVE_PATH_PATTERN, livePath } from '../publish/live.ts';
import { communeMap } from '../publish/geo.ts';
import { asOfText, pagePath, type SiteFrame } from '../publish/html.ts';
import { formatNumber, LANGS, text, type Lang, type Text } from '../publish/i18n.ts';
import { discriminatingClasses } from '../publish/classes.ts';
import { arrondissementSummaryTexts, summaryFacts, summaryTexts } from '../publish/summary.ts';
import { GROUP_TITLES, type SiteModel } from '../publish/model.ts';
import { forecastPanel, renderCommune } from '../publish/pages/commune.ts';
import { renderData } from '../publish/pages/data.ts';
import { renderHome } from '../publish/pages/home.ts';
import { renderMethodology } from '../publish/pages/methodology.ts';
import { SECTIONS } from '../publish/sections/index.ts';
import { NOISE_WINDOW_DAYS, PROFILE_DAYS } from '../publish/sections/noise.ts';
import { parisDate } from '../domain/time/paris.ts';
import { forecastSection } from '../publish/sections/forecast.ts';
import { dayStartIso } from '../publish/sections/common.ts';
import { median } from '../publish/sql.ts';
import { writeSiteFiles } from '../publish/site-files.ts';
import { webAssets } from '../publish/web-assets.ts';
import { buildOutlooks, freshUntil, outlookPanels, type CommuneOutlook } from '../publish/outlook.ts';
import { lakeClock } from '../models/freshness.ts';
import { attachWindow, readsThroughYearFiles, type WindowInputs, type WindowRead } from '../publish/window.ts';
import { CONTENT_TYPES, sha256, SiteWriter } from '../publish/writer.ts';
import {
  checkSiteData,
  communeJson as communeJsonSchema,
  communeLiveJson as communeLiveJsonSchema,
  mapJson as mapJsonSchema,
  siteJson as siteJsonSchema,
} from '../publish/site-data.ts';
import type { StageContext } from './context.ts';

// Publishes the public site into site/: pages pre-rendered so that their key figures read without
// JavaScript (French, and English under en/), small precomputed JSON per view under data/, the time-
// varying panels (forecasts, "data as of") in one small JSON file per commune under data/live/ that
// the pages fetch, the downloads (one file per year of a dataset's partitions), a commune's alert
// feeds, and the browser code under assets/ with hashed names. Each theme
// (functions/lib/publish/sections/) appears only when its datasets hold rows. It reads summary
// datasets only, each for the days its sections show (a dataset partitioned by day or month from the
// previous publish's year files and the partitions changed since: publish/window.ts); it stops after one read of the site manifest
// and one listing per input when nothing changed, and writes only the objects whose bytes changed
// (publish/incremental.ts). docs/site.md describes the published files.

export interface PublishOptions {
  /** the declared datasets (default DATASETS): a section whose datasets are not among them is left out */
  readonly datasets?: readonly DatasetDeclaration[];
  readonly sections?: readonly SiteSection[];
  /** the site's public URL, for absolute links in the feeds (default $OBSERVATORY_SITE_URL, else relative) */
  readonly siteUrl?: string;
}

export interface PublishReport {
  /** whether the site was rendered: false when neither its inputs nor its code changed since the last publish */
  readonly rendered: boolean;
  /** objects the site holds */
  readonly files: number;
  /** objects written because their bytes changed, and their bytes */
  readonly written: number;
  readonly bytes: number;
  readonly removed: number;
  /** the inputs that changed since the last publish (all of them on a full render) */
  readonly changedInputs: readonly string[];
  readonly communesWithData: number;
  readonly sections: readonly string[];
  readonly hidden: readonly { readonly id: string; readonly missing: readonly string[] }[];
  readonly assets: 'prebuilt' | 'esbuild';
  /** per dataset read for a window of days: whether through the previous year files, and which partitions came from the lake */
  readonly windows: Readonly<Record<string, WindowRead>>;
  readonly seconds: Readonly<Record<string, number>>;
}

/** datasets the site never reads: the readings (it shows their indicators), the quarantine, the operators' registry */
const NOT_PUBLISHED = new Set([noiseReadings.name, riverObservations.name, 'quarantine', 'sensor_registry']);

/** the days of a dataset the sections read, ending at its latest partition: the rolling year and its trends by default */
const WINDOW_DAYS: Readonly<Record<string, number>> = {
  [noiseIndicatorsHourly.name]: PROFILE_DAYS + 1,
  // the rolling year, and the days a year before the trend's (the same period last year)
  [noiseIndicatorsCommuneDaily.name]: NOISE_WINDOW_DAYS,
  [noiseIndicatorsArrondissementDaily.name]: NOISE_WINDOW_DAYS,
  [noiseIndicatorsDaily.name]: NOISE_WINDOW_DAYS,
  [floodVigilance.name]: 31,
  predictions: 31,
};
const DEFAULT_WINDOW_DAYS = 366;

/** the datasets the site may read among the declared ones */
export const publishedDatasets = (datasets: readonly DatasetDeclaration[]) => datasets.filter((d) => !NOT_PUBLISHED.has(d.name));

/** whether each dataset is declared and holds at least one row */
async function datasetsWithRows(ctx: StageContext, datasets: readonly DatasetDeclaration[], names: readonly string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const name of new Set(names)) {
    if (!datasets.some((d) => d.name === name)) {
      out.set(name, false);
      continue;
    }
    const r = await ctx.lake.all(`SELECT 1 AS x FROM ${name} LIMIT 1`);
    out.set(name, r.rows.length > 0);
  }
  return out;
}

/**
 * each dataset for the days its sections show (a dataset without partitions whole: it does not grow with
 * time); one partitioned by day or month from the previous publish's year files and the partitions
 * changed since (publish/window.ts), so that the objects read do not grow with history
 */
async function attachInputs(ctx: StageContext, datasets: readonly DatasetDeclaration[], w: WindowInputs): Promise<Record<string, WindowRead>> {
  const near = parisDate(ctx.now());
  const reads: Record<string, WindowRead> = {};
  for (const d of datasets) {
    const days = WINDOW_DAYS[d.name] ?? DEFAULT_WINDOW_DAYS;
    if (readsThroughYearFiles(d)) reads[d.name] = await attachWindow(ctx.lake, ctx.store, d, days, w);
    else await ctx.lake.attach([d], isPartitioned(d) ? { kind: 'latest', days, near } : undefined);
  }
  return reads;
}

/**
 * the themes whose datasets hold rows, built, and « les 3 prochains jours »: every query of the run, before
 * anything is written. A theme that fails fails the stage: the previous site stays up whole and the
 * failed execution raises the alarm (never a site with a theme silently missing)
 */
async function readThemes(ctx: StageContext, datasets: readonly DatasetDeclaration[], candidates: readonly SiteSection[]) {
  const present = await datasetsWithRows(ctx, datasets, candidates.flatMap((s) => s.requires));
  const has = async (name: string): Promise<boolean> => {
    if (!present.has(name)) for (const [k, v] of await datasetsWithRows(ctx, datasets, [name])) present.set(k, v);
    return present.get(name) ?? false;
  };
  const active = candidates.filter((s) => s.requires.every((r) => present.get(r)));
  const hidden = candidates.filter((s) => !active.includes(s)).map((s) => ({ id: s.id, title: s.title, missing: s.requires.filter((r) => !present.get(r)) }));
  const communes = COMMUNES;
  const sections: { section: SiteSection; output: SectionOutput }[] = [];
  for (const section of active) sections.push({ section, output: await buildSection(section, { ctx, communes, has }) });
  const clock = await lakeClock(ctx.store, ctx.now());
  const outlooks = await buildOutlooks({ ctx, communes, has, now: clock.now, demo: clock.demo });
  const fresh = await freshUntil(ctx, has, clock.now, clock.demo);
  return { hidden, sections, outlooks, fresh };
}

/** what identifies the code that renders the site: a change renders it whole */
function codeVersion(assets: Awaited<ReturnType<typeof webAssets>>, sections: readonly SiteSection[], datasets: readonly DatasetDeclaration[], siteUrl: string | undefined): string {
  return sha256(JSON.stringify({ format: SITE_FORMAT, assets: assets.files.map((f) => f.path), sections: sections.map((s) => s.id), dictionary: dictionary(datasets), siteUrl: siteUrl ?? null }));
}

export async function publishSite(ctx: StageContext, options: PublishOptions = {}): Promise<PublishReport> {
  const t0 = performance.now();
  const lap: Record<string, number> = {};
  const mark = (name: string, since: number) => (lap[name] = Math.round(performance.now() - since) / 1000);
  const datasets = publishedDatasets(options.datasets ?? DATASETS);
  const candidates = options.sections ?? SECTIONS;
  const siteUrl = options.siteUrl ?? (optionalEnv('OBSERVATORY_SITE_URL', z.url(), '') || undefined);
  const [previous, inputs, assets] = await Promise.all([readSiteManifest(ctx.store, (m) => ctx.logger.warn(m)), listInputs(ctx.store, datasets), webAssets()]);
  const version = codeVersion(assets, candidates, datasets, siteUrl);
  const full = !previous || previous.version !== version;
  const changes = full ? undefined : changedPartitions(previous.inputs, inputs);
  // a forecast ages without any new input: past its freshness limit the site is rendered again
  const aged = Boolean(previous?.fresh_until && ctx.now().toISOString() >= previous.fresh_until);
  if (changes && changes.size === 0 && !aged) {
    lap.total = Math.round(performance.now() - t0) / 1000;
    return notRendered(previous, assets.origin, lap);
  }
  let t = performance.now();
  const [windows, manifest] = await Promise.all([
    attachInputs(ctx, datasets, { inputs, changed: changes, previous: previous?.downloads ?? [], published: (p) => previous?.objects[p] !== undefined }),
    readManifest(ctx.store),
  ]);
  const { hidden, sections, outlooks, fresh } = await readThemes(ctx, datasets, candidates);
  const communes = COMMUNES;
  mark('queries', t);
  t = performance.now();
  const generatedAt = ctx.now().toISOString();
  const { dataAsOf, asOfByTheme } = themeDates(sections);
  const frame = frameOf(dataAsOf, manifest, assets.entries, siteUrl);
  const map = communeMap(COMMUNES_GEOJSON as unknown as Parameters<typeof communeMap>[0], ARRONDISSEMENTS_GEOJSON as unknown as Parameters<typeof communeMap>[1]);
  const allLayers = sections.flatMap((s) => s.output.layers);
  const mapJson = mapJsonOf(sections, generatedAt, dataAsOf);
  const layers = mapJson.layers;
  const medians = metropolitanMedians(sections);
  mark('model', t);
  const writer = new SiteWriter(ctx.store, previous?.objects);
  t = performance.now();
  const specs = dedupeSpecs([{ dataset: 'communes', perCommune: false }, ...sections.flatMap((s) => s.output.downloads)]);
  const downloads = await publishDownloads(ctx, writer, { specs, datasets, inputs, changes, previous, demo: frame.demo });
  downloads.push(...(await writeGeoJson(writer, sections.flatMap((s) => s.output.points), layers, frame.demo)));
  mark('downloads', t);
  t = performance.now();
  const { communeJson, live } = communeFiles({ sections, medians, downloads, allLayers, outlooks, asOf: { dataAsOf, asOfByTheme } });
  const model: SiteModel = {
    frame,
    communes,
    sections,
    hidden,
    map,
    mapJson,
    communeJson,
    downloads,
    dictionary: dictionary(datasets.filter((d) => specs.some((s) => s.dataset === d.name))),
    sqlExamples: assets.sqlExamples,
  };
  await writeSite(writer, model, { live, assets: assets.files, generatedAt, asOf: { dataAsOf, asOfByTheme } });
  await writer.flush();
  mark('pages', t);
  // hashed assets of the previous run stay one more run: pages cached a few minutes still name them
  const keepAssets = new Set(previous?.assets ?? []);
  const removed = await writer.removeStale((p) => keepAssets.has(p));
  await writeSiteManifest(ctx.store, { version, objects: writer.objects(), assets: assets.files.map((f) => f.path), inputs, downloads, fresh_until: fresh, demo: frame.demo });
  lap.total = Math.round(performance.now() - t0) / 1000;
  const first = layers[0];
  return {
    rendered: true,
    ...writerFigures(writer),
    removed,
    changedInputs: changes ? [...changes.keys()].sort() : Object.keys(inputs).sort(),
    communesWithData: first ? communes.filter((c) => first.values[c.commune_insee] !== null).length : 0,
    sections: sections.map((s) => s.section.id),
    hidden: hidden.map((h) => ({ id: h.id, missing: h.missing })),
    assets: assets.origin,
    windows,
    seconds: lap,
  };
}

/** what the writer did: the objects the site holds, those written and their bytes */
/** the report of a run with nothing new to render: the site stays as the previous run left it */
function notRendered(previous: Awaited<ReturnType<typeof readSiteManifest>>, assets: PublishReport['assets'], seconds: Record<string, number>): PublishReport {
  const files = Object.keys(previous?.objects ?? {}).length;
  return { rendered: false, files, written: 0, bytes: 0, removed: 0, changedInputs: [], communesWithData: 0, sections: [], hidden: [], assets, windows: {}, seconds };
}

const writerFigures = (writer: SiteWriter) => ({ files: writer.size, written: writer.changed.size, bytes: writer.bytesWritten });

/** what every page shares: the day of the latest data, the demo notice, the hashed assets, the site's URL */
function frameOf(dataAsOf: string | null, manifest: Awaited<ReturnType<typeof readManifest>>, entries: Awaited<ReturnType<typeof webAssets>>['entries'], siteUrl: string | undefined): SiteFrame {
  return {
    dataDay: dataAsOf ? parisDate(new Date(dataAsOf)) : null,
    demo: Boolean(manifest?.demo),
    demoNotice: manifest?.demo ? (manifest.demo_notice ?? null) : null,
    css: entries.styles,
    scripts: { map: entries.map, commune: entries.commune, search: entries.search },
    ...(siteUrl ? { siteUrl } : {}),
  };
}

/**
 * the downloads, touching only the years whose partitions changed (all of them on a full render, or when
 * the lake's manifest — the demo flag — changed)
 */
async function publishDownloads(
  ctx: StageContext,
  writer: SiteWriter,
  o: {
    specs: readonly DownloadSpec[];
    datasets: readonly DatasetDeclaration[];
    inputs: Parameters<typeof partitionsOf>[0];
    /** the partitions changed per input since the previous publish; undefined: a full render */
    changes: ReturnType<typeof changedPartitions> | undefined;
    previous: Awaited<ReturnType<typeof readSiteManifest>>;
    demo: boolean;
  },
): Promise<DownloadFile[]> {
  // the lake's manifest changes with the demo clock too: the files are rewritten only when the demo flag changed
  const everything = o.changes === undefined || (o.changes.has(LAKE_INPUT) && o.previous?.demo !== o.demo);
  const changes = o.changes ?? new Map<string, Set<string>>();
  return writeDownloads(ctx, o.specs, o.datasets, COMMUNES.map((c) => c.commune_insee), writer, {
    partitions: (name) => {
      const d = o.datasets.find((x) => x.name === name);
      return d && isPartitioned(d) ? partitionsOf(o.inputs, name) : undefined;
    },
    changed: (name, year) => everything || [...(changes.get(name) ?? [])].some((dt) => year === null || yearOfPartition(dt) === year),
    // a changed demo flag changes every row: then the years are written from their partitions
    changedPartitions: (name) => (everything ? undefined : (changes.get(name) ?? new Set<string>())),
    previous: o.previous?.downloads ?? [],
    previousBody: (p) => ctx.store.get(`${SITE_PREFIX}/${p}`),
    demo: o.demo,
  });
}

/** « données au » per theme (its latest data), and the latest of them; a forecast's date is when it was issued, not how fresh the measurements are */
function themeDates(sections: readonly { section: SiteSection; output: SectionOutput }[]): { dataAsOf: string | null; asOfByTheme: ThemeAsOf[] } {
  const asOfByTheme = sections.flatMap((s) => (s.section.id !== forecastSection.id && s.output.asOf !== null ? [{ title: s.section.title, as_of: s.output.asOf }] : []));
  const dataAsOf = asOfByTheme.length ? asOfByTheme.map((t) => t.as_of).reduce((a, b) => (a > b ? a : b)) : null;
  return { dataAsOf, asOfByTheme };
}

/**
 * the site's objects: the files the scripts read checked against their schemas before the first page is
 * written (publish/site-data.ts), then the assets, the pages, the feeds and the JSON files
 */
async function writeSite(
  writer: SiteWriter,
  model: SiteModel,
  o: {
    live: ReadonlyMap<string, CommuneLiveJson>;
    assets: Awaited<ReturnType<typeof webAssets>>['files'];
    generatedAt: string;
    asOf: { dataAsOf: string | null; asOfByTheme: readonly ThemeAsOf[] };
  },
): Promise<void> {
  const { communeJson, mapJson, frame, sections, downloads } = model;
  const { live, generatedAt } = o;
  const { dataAsOf, asOfByTheme } = o.asOf;
  // the files the scripts read fit their schemas before the first page is written (publish/site-data.ts)
  for (const [insee, json] of communeJson) checkSiteData(`data/communes/${insee}.json`, communeJsonSchema, json);
  for (const [insee, json] of live) checkSiteData(livePath(insee), communeLiveJsonSchema, json);
  checkSiteData('data/map.json', mapJsonSchema, mapJson);
  for (const f of o.assets) await writer.put(f.path, f.body, f.contentType);
  await writePages(writer, model, live);
  // an empty feed is as recent as the day of the latest data (not the hour: the feeds would change every hour)
  await writeSiteFiles(writer, model, frame.dataDay ? dayStartIso(frame.dataDay) : generatedAt.slice(0, 10) + 'T00:00:00.000Z');
  await writer.putData('data/site.json', siteJsonSchema, {
    generated_at: generatedAt,
    data_as_of: dataAsOf,
    as_of_by_theme: [...asOfByTheme],
    as_of_text: perLang((l) => asOfText(l, dataAsOf, asOfByTheme, generatedAt)),
    demo: frame.demo,
    demo_notice: frame.demoNotice,
    sections: sections.map((s) => ({ id: s.section.id, title: s.section.title, as_of: s.output.asOf })),
    languages: [...LANGS],
    files: { map: 'data/map.json', communes: 'data/communes/{insee}.json', live: LIVE_PATH_PATTERN, downloads: 'data/downloads.json', dictionary: 'data/dictionary.json' },
  });
  await writer.put('data/map.json', JSON.stringify(mapJson), CONTENT_TYPES.json);
  await writer.put('data/downloads.json', JSON.stringify({ files: downloads }), CONTENT_TYPES.json);
  await writer.put('data/dictionary.json', JSON.stringify(model.dictionary), CONTENT_TYPES.json);
}

/** every page in both languages, and each commune's JSON and live file (an arrondissement's page reads Paris's live file) */
async function writePages(writer: SiteWriter, model: SiteModel, live: ReadonlyMap<string, CommuneLiveJson>): Promise<void> {
  for (const lang of LANGS) {
    await writer.put(`${pagePath(lang, { kind: 'home' })}index.html`, renderHome(lang, model), CONTENT_TYPES.html);
    await writer.put(`${pagePath(lang, { kind: 'data' })}index.html`, renderData(lang, model), CONTENT_TYPES.html);
    await writer.put(`${pagePath(lang, { kind: 'methodology' })}index.html`, renderMethodology(lang, model), CONTENT_TYPES.html);
    for (const insee of model.communeJson.keys()) await writer.put(`${pagePath(lang, { kind: 'commune', insee })}index.html`, renderCommune(lang, model, insee), CONTENT_TYPES.html);
  }
  for (const [insee, json] of model.communeJson) await writer.put(`data/communes/${insee}.json`, JSON.stringify(json), CONTENT_TYPES.json);
  for (const [insee, json] of live) await writer.put(livePath(insee), JSON.stringify(json), CONTENT_TYPES.json);
}

/** data/map.json: the layers that tell the communes apart with their classes, the uniform ones as sentences, the points, Paris's arrondissements */
function mapJsonOf(sections: readonly { output: SectionOutput }[], generatedAt: string, dataAsOf: string | null): MapJson {
  // a layer where every commune with a value has the same one colours the map in one class: a sentence says it instead
  const allLayers = sections.flatMap((s) => s.output.layers);
  const uniform = allLayers.filter(isUniform).map((l) => ({ id: l.id, title: l.title, note: uniformNote(l) }));
  const layers: PublishedLayer[] = allLayers.filter((l) => !isUniform(l)).map((layer) => publishedLayer(discriminating(layer)));
  return {
    generated_at: generatedAt,
    data_as_of: dataAsOf,
    default_layer: layers[0]?.id ?? null,
    groups: LAYER_GROUPS.filter((g) => layers.some((l) => l.group === g)).map((g) => ({ id: g, title: GROUP_TITLES[g] })),
    layers,
    uniform,
    // the points' attributes go to the GeoJSON download, not to the map's first view
    points: sections.flatMap((s) => s.output.points).map((g) => ({ ...g, points: g.points.map((p) => ({ ...p, properties: {} })) })),
    communes: COMMUNES.map((c) => ({ insee: c.commune_insee, name: c.name, departement: c.departement })),
    ...arrondissementLayers(sections, layers),
  };
}

/** a layer with each commune's class and the communes per class (the legend's counts) */
function publishedLayer(l: MapLayer): PublishedLayer {
  const classOfCommune = Object.fromEntries(COMMUNES.map((c) => [c.commune_insee, classOf(l.values[c.commune_insee], l.classes)]));
  const idx = Object.values(classOfCommune);
  return { ...l, class_of: classOfCommune, counts: l.classes.map((_, i) => idx.filter((k) => k === i).length), missing: idx.filter((k) => k < 0).length };
}

/**
 * Paris's arrondissements as a sub-layer of Paris on the map: for each layer whose indicator they carry
 * (the sections' `areas`), their values and classes in the layer's own classes; never in the layer's
 * values, counts or medians, which are the 130 communes'
 */
function arrondissementLayers(sections: readonly { output: SectionOutput }[], layers: readonly PublishedLayer[]): Pick<MapJson, 'arrondissements'> {
  const areas = sections.flatMap((s) => [...(s.output.areas ?? [])]);
  if (areas.length === 0) return {};
  const valueOf = (code: string, id: string) => areas.filter(([c]) => c === code).flatMap(([, s]) => s.indicators).find((i) => i.id === id)?.value ?? null;
  const values: Record<string, Record<string, number | null>> = {};
  const classes: Record<string, Record<string, number>> = {};
  for (const l of layers) {
    const v = Object.fromEntries(ARRONDISSEMENTS.map((a) => [a.arrondissement_insee, valueOf(a.arrondissement_insee, l.id)]));
    if (Object.values(v).every((x) => x === null)) continue;
    values[l.id] = v;
    classes[l.id] = Object.fromEntries(Object.entries(v).map(([code, x]) => [code, classOf(x, l.classes)]));
  }
  const names = ARRONDISSEMENTS.map((a) => ({ insee: a.arrondissement_insee, name: text(arrondissementName('fr', a.number), arrondissementName('en', a.number)) }));
  return { arrondissements: { values, class_of: classes, names } };
}

/** each commune's data/communes/<insee>.json and data/live/<insee>.json, and each arrondissement's content */
function communeFiles(o: {
  sections: readonly { section: SiteSection; output: SectionOutput }[];
  medians: ReadonlyMap<string, number | null>;
  downloads: readonly DownloadFile[];
  allLayers: readonly MapLayer[];
  outlooks: ReadonlyMap<string, CommuneOutlook>;
  asOf: { dataAsOf: string | null; asOfByTheme: readonly ThemeAsOf[] };
}): { communeJson: Map<string, CommuneJson>; live: Map<string, CommuneLiveJson> } {
  const { sections, medians, downloads, allLayers, outlooks } = o;
  const { dataAsOf, asOfByTheme } = o.asOf;
  const communeJson = new Map<string, CommuneJson>();
  const live = new Map<string, CommuneLiveJson>();
  for (const c of COMMUNES) {
    const own = sections.map((s) => s.output.communes.get(c.commune_insee)).filter((x) => x !== undefined);
    const withMedians = own.map((s) => ({ ...s, indicators: s.indicators.map((i): PublishedIndicator => ({ ...i, median: medians.get(i.id) ?? null })) }));
    communeJson.set(c.commune_insee, {
      commune: c,
      summary: summaryTexts(c.name, summaryFacts(c.commune_insee, allLayers)),
      // the forecasts change with every run of the models: they are in the commune's live file
      sections: withMedians.filter((s) => s.id !== forecastSection.id),
      alerts: sections.flatMap((s) => s.output.alerts.get(c.commune_insee) ?? []).sort(newestFirst),
      downloads: downloads.filter((d) => d.commune === c.commune_insee),
    });
    const forecasts = withMedians.filter((s) => s.id === forecastSection.id);
    const outlook = outlooks.get(c.commune_insee);
    if (!outlook) throw new Error(`publish-site: no « 3 prochains jours » for commune ${c.commune_insee}: buildOutlooks gives one per commune`);
    live.set(c.commune_insee, {
      data_as_of: dataAsOf,
      as_of_by_theme: asOfByTheme,
      as_of_text: perLang((l) => asOfText(l, dataAsOf, asOfByTheme)),
      sections: forecasts,
      panel: perLang((l) => forecastPanel(l, forecasts)),
      outlook,
      outlook_panel: outlookPanels(outlook),
    });
  }
  // Paris's arrondissements: pages of their own, their noise figures beside Paris's (never among the communes' ranks)
  const paris = communeJson.get(PARIS_INSEE);
  if (paris) {
    const areaJson = arrondissementJson(paris, sections, medians, downloads, allLayers);
    for (const [code, json] of areaJson) communeJson.set(code, json);
    const figures = ARRONDISSEMENTS.flatMap((a) => {
      const json = areaJson.get(a.arrondissement_insee);
      return json ? [arrondissementFigures(a.arrondissement_insee, a.number, json)] : [];
    });
    communeJson.set(PARIS_INSEE, { ...paris, arrondissements: figures });
  }
  return { communeJson, live };
}

/** alerts, the most recent first (then by id, for a stable order) */
const newestFirst = (a: Alert, b: Alert) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.id < b.id ? -1 : 1);

/** a theme's figures; its failure names the theme and says the previous site stays up */
async function buildSection(section: SiteSection, input: Parameters<SiteSection['build']>[0]): Promise<SectionOutput> {
  try {
    return await section.build(input);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`publish-site: the theme « ${section.title.fr} » (section ${section.id}) failed: ${reason}. Nothing was published: the previous site stays up; fix the section's query or its dataset, then run publish-site again.`, { cause: e });
  }
}

/** each arrondissement's content: its own noise section (sections' `areas`), Paris's heat and flood summary parts */
function arrondissementJson(
  paris: CommuneJson,
  sections: readonly { output: SectionOutput }[],
  medians: ReadonlyMap<string, number | null>,
  downloads: readonly DownloadFile[],
  layers: readonly MapLayer[],
): Map<string, CommuneJson> {
  const parisLnight = paris.sections.flatMap((s) => s.indicators).find((i) => i.id === 'noise-lnight')?.value ?? null;
  const out = new Map<string, CommuneJson>();
  for (const a of ARRONDISSEMENTS) {
    const own = sections.map((s) => s.output.areas?.get(a.arrondissement_insee)).filter((x) => x !== undefined);
    const withMedians = own.map((s) => ({ ...s, indicators: s.indicators.map((i): PublishedIndicator => ({ ...i, median: medians.get(i.id) ?? null })) }));
    const lnight = withMedians.flatMap((s) => s.indicators).find((i) => i.id === 'noise-lnight')?.value ?? null;
    out.set(a.arrondissement_insee, {
      commune: paris.commune,
      arrondissement: a,
      summary: arrondissementSummaryTexts((l) => arrondissementName(l, a.number), { lnight, paris: parisLnight }, summaryFacts(PARIS_INSEE, layers)),
      sections: withMedians,
      alerts: [],
      downloads: downloads.filter((d) => d.dataset === noiseIndicatorsArrondissementDaily.name && d.commune === null),
    });
  }
  return out;
}

function arrondissementFigures(insee: string, n: number, json: CommuneJson): ArrondissementFigures {
  const indicator = (id: string) => json.sections.flatMap((s) => s.indicators).find((i) => i.id === id)?.value ?? null;
  const sensors = json.sections.find((s) => s.id === 'noise')?.tables.find((t) => t.id === 'noise-sensors')?.rows.length ?? 0;
  return { insee, number: n, lden: indicator('noise-lden'), lnight: indicator('noise-lnight'), sensors };
}

/** a layer whose classes tell its communes apart (publish/classes.ts), saying so when its fixed classes were cut */
function discriminating(layer: MapLayer): MapLayer {
  const values = Object.values(layer.values).filter((v): v is number => v !== null);
  const d = discriminatingClasses(layer.classes, values, layer.decimals, layer.unit);
  if (!d.refined) return layer;
  const note = text(' Toutes les communes tombaient dans une seule classe : elle est découpée aux quantiles des valeurs.', ' Every commune fell into one class: it is cut at the quantiles of the values.');
  return { ...layer, classes: d.classes, description: perLang((l) => `${layer.description[l]}${note[l]}`) };
}

/** every commune with a value (at least two of them) has the same one */
function isUniform(layer: MapLayer): boolean {
  const values = Object.values(layer.values).filter((v): v is number => v !== null);
  return values.length >= 2 && discriminatingClasses(layer.classes, values, layer.decimals, layer.unit).same !== null;
}

/** the sentence that replaces a uniform layer, with why when the reason is known */
function uniformNote(layer: MapLayer): Text {
  const values = Object.values(layer.values).filter((v): v is number => v !== null);
  const value = values[0];
  if (value === undefined) throw new Error(`${layer.id}: a uniform layer without a value`);
  // a named class (« vert : pas de vigilance particulière ») says more than the number; a band says less
  const named = (l: Lang) => layer.classes[classOf(value, layer.classes)]?.label[l];
  const label = (l: Lang) => (/\p{L}{3}/u.test(named(l) ?? '') ? (named(l) ?? '') : `${formatNumber(l, value, layer.decimals)}${layer.unit ? ` ${layer.unit}` : ''}`);
  const why =
    layer.group === 'heat'
      ? text(' : les communes d’un même département partagent la même station météo de référence', ': the communes of a département share the same reference weather station')
      : text('', '');
  return perLang((l) =>
    l === 'fr'
      ? `${layer.title[l]} : les ${values.length} communes concernées ont la même valeur (${label(l)})${why[l]}.`
      : `${layer.title[l]}: the ${values.length} communes concerned have the same value (${label(l)})${why[l]}.`,
  );
}

const perLang = (f: (l: Lang) => string) => Object.fromEntries(LANGS.map((l) => [l, f(l)])) as Record<Lang, string>;

/** the metropolitan median of each indicator, over the communes with a value */
function metropolitanMedians(sections: readonly { output: SectionOutput }[]): Map<string, number | null> {
  const medians = new Map<string, number | null>();
  for (const { output } of sections) {
    const ids = new Set([...output.communes.values()].flatMap((c) => c.indicators.map((i) => i.id)));
    for (const id of ids) {
      const values = [...output.communes.values()].flatMap((c) => c.indicators.filter((i) => i.id === id).map((i) => i.value));
      const decimals = [...output.communes.values()].flatMap((c) => c.indicators).find((i) => i.id === id)?.decimals ?? 1;
      const m = median(values);
      medians.set(id, m === null ? null : Math.round(m * 10 ** decimals) / 10 ** decimals);
    }
  }
  return medians;
}

function dedupeSpecs(specs: readonly DownloadSpec[]): DownloadSpec[] {
  const out = new Map<string, DownloadSpec>();
  for (const s of specs) {
    const prev = out.get(s.dataset);
    out.set(s.dataset, prev ? { ...prev, perCommune: prev.perCommune || s.perCommune } : s);
  }
  return [...out.values()];
}

/** the communes with every map layer's value, and the sensors and stations, for GIS users */
async function writeGeoJson(writer: SiteWriter, pointGroups: readonly PointGroup[], layers: readonly PublishedLayer[], demo: boolean): Promise<DownloadFile[]> {
  const fc = COMMUNES_GEOJSON as unknown as { features: { properties: { code_insee: string }; geometry: unknown }[] };
  const byCode = new Map(COMMUNES.map((c) => [c.commune_insee, c]));
  const communes = {
    type: 'FeatureCollection',
    ...(demo ? { demo: true } : {}),
    features: fc.features.map((f) => {
      const c = byCode.get(f.properties.code_insee);
      if (!c) throw new Error(`communes.geojson: ${f.properties.code_insee} is not one of the 130 communes`);
      return {
        type: 'Feature',
        id: c.commune_insee,
        properties: {
          ...c,
          ...Object.fromEntries(layers.map((l) => [l.id.replaceAll('-', '_'), l.values[c.commune_insee] ?? null])),
          period_from: layers[0]?.period?.from ?? null,
          period_to: layers[0]?.period?.to ?? null,
          ...(demo ? { demo: true } : {}),
        },
        geometry: f.geometry,
      };
    }),
  };
  const points = {
    type: 'FeatureCollection',
    ...(demo ? { demo: true } : {}),
    features: pointGroups.flatMap((g) =>
      g.points.map((p) => ({ type: 'Feature', id: p.id, properties: { kind: g.kind, ...p.properties, ...(demo ? { demo: true } : {}) }, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } })),
    ),
  };
  const out: DownloadFile[] = [];
  for (const [dataset, body, rows] of [
    ['communes', JSON.stringify(communes), communes.features.length],
    ['sensors', JSON.stringify(points), points.features.length],
  ] as const) {
    const p = `data/downloads/${dataset}.geojson`;
    await writer.put(p, body, CONTENT_TYPES.geojson);
    out.push({ dataset, commune: null, year: null, format: 'geojson', path: p, bytes: Buffer.byteLength(body), rows });
  }
  return out;
}

