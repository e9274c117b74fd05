import { z } from 'zod';
import { DATASETS, noiseReadings } from '../datasets/index.ts';
import type { DatasetDeclaration } from '../datasets/declaration.ts';
import { dictionary } from '../datasets/derive.ts';
import { COMMUNES, COMMUNES_GEOJSON } from '../domain/geo/communes.ts';
import { optionalEnv } from '../env.ts';
import { readManifest } from '../lake/manifest.ts';
import { stateKey } from '../lake/layout.ts';
import {
  classOf,
  LAYER_GROUPS,
  type CommuneJson,
  type DownloadFile,
  type DownloadSpec,
  type MapJson,
  type PointGroup,
  type PublishedIndicator,
  type PublishedLayer,
  type SectionOutput,
  type SiteJson,
  type SiteSection,
} from '../publish/contract.ts';
import { writeDownloads } from '../publish/downloads.ts';
import { communeMap } from '../publish/geo.ts';
import { pagePath, type SiteFrame } from '../publish/html.ts';
import { LANGS } from '../publish/i18n.ts';
import { GROUP_TITLES, type SiteModel } from '../publish/model.ts';
import { renderCommune } from '../publish/pages/commune.ts';
import { renderData } from '../publish/pages/data.ts';
import { renderHome } from '../publish/pages/home.ts';
import { renderMethodology } from '../publish/pages/methodology.ts';
import { SECTIONS } from '../publish/sections/index.ts';
import { READINGS_DOWNLOAD_DAYS } from '../publish/sections/noise.ts';
import { parisDate } from '../domain/time/paris.ts';
import { forecastSection } from '../publish/sections/forecast.ts';
import { median } from '../publish/sql.ts';
import { writeSiteFiles } from '../publish/site-files.ts';
import { webAssets } from '../publish/web-assets.ts';
import { CONTENT_TYPES, SiteWriter } from '../publish/writer.ts';
import type { StageContext } from './context.ts';

// Publishes the public site into site/: pages pre-rendered so that their key figures read without
// JavaScript (French, and English under en/), small precomputed JSON per view under data/, the
// downloads, a commune's alert feeds, and the browser code under assets/ with hashed names. Each theme
// (functions/lib/publish/sections/) appears only when its datasets hold rows. docs/site.md describes
// the published files.

export interface PublishOptions {
  /** the declared datasets (default DATASETS): a section whose datasets are not among them is left out */
  readonly datasets?: readonly DatasetDeclaration[];
  readonly sections?: readonly SiteSection[];
  /** the site's public URL, for absolute links in the feeds (default $OBSERVATORY_SITE_URL, else relative) */
  readonly siteUrl?: string;
}

export interface PublishReport {
  readonly files: number;
  readonly bytes: number;
  readonly removed: number;
  readonly communesWithData: number;
  readonly sections: readonly string[];
  readonly hidden: readonly { readonly id: string; readonly missing: readonly string[] }[];
  /** sections whose queries failed: left out of the site, the error logged */
  readonly failed: readonly { readonly id: string; readonly error: string }[];
  readonly assets: 'prebuilt' | 'esbuild';
  readonly seconds: Readonly<Record<string, number>>;
}

const STATE = stateKey('publish-site');
const stateSchema = z.object({ assets: z.array(z.string()) });

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
 * The datasets the sections read: the readings only for the days the site shows of them (their
 * latest days, for the downloads and the "data as of" time), every other dataset whole.
 */
async function attachInputs(ctx: StageContext, datasets: readonly DatasetDeclaration[]): Promise<void> {
  const readings = datasets.filter((d) => d.name === noiseReadings.name);
  await ctx.lake.attach(datasets.filter((d) => !readings.includes(d)));
  await ctx.lake.attach(readings, { kind: 'latest', days: READINGS_DOWNLOAD_DAYS, near: parisDate(ctx.now()) });
}

export async function publishSite(ctx: StageContext, options: PublishOptions = {}): Promise<PublishReport> {
  const t0 = performance.now();
  const lap: Record<string, number> = {};
  const mark = (name: string, since: number) => (lap[name] = Math.round(performance.now() - since) / 1000);
  const datasets = options.datasets ?? DATASETS;
  const candidates = options.sections ?? SECTIONS;
  const siteUrl = options.siteUrl ?? (optionalEnv('OBSERVATORY_SITE_URL', z.url(), '') || undefined);

  const [, manifest, assets] = await Promise.all([attachInputs(ctx, datasets), readManifest(ctx.store), webAssets()]);
  const present = await datasetsWithRows(ctx, datasets, candidates.flatMap((s) => s.requires));
  const has = async (name: string) => {
    if (!present.has(name)) for (const [k, v] of await datasetsWithRows(ctx, datasets, [name])) present.set(k, v);
    return present.get(name)!;
  };
  const active = candidates.filter((s) => s.requires.every((r) => present.get(r)));
  const hidden = candidates.filter((s) => !active.includes(s)).map((s) => ({ id: s.id, title: s.title, missing: s.requires.filter((r) => !present.get(r)) }));

  let t = performance.now();
  const communes = COMMUNES;
  const sections: { section: SiteSection; output: SectionOutput }[] = [];
  // a theme that fails is left out (and reported): the rest of the site is still published
  const failed: { id: string; error: string }[] = [];
  for (const section of active) {
    try {
      sections.push({ section, output: await section.build({ ctx, communes, has }) });
    } catch (e) {
      const error = (e as Error).message.split('\n')[0]!;
      ctx.logger.error(`publish-site: section ${section.id} failed and is left out: ${error}`);
      failed.push({ id: section.id, error });
    }
  }
  mark('queries', t);

  t = performance.now();
  const generatedAt = ctx.now().toISOString();
  // a forecast's date is when it was issued, not how fresh the measurements are
  const measured = sections.filter((s) => s.section.id !== forecastSection.id && s.output.asOf !== null);
  const dataAsOf = measured.length ? measured.map((s) => s.output.asOf!).reduce((a, b) => (a > b ? a : b)) : null;
  const frame: SiteFrame = {
    generatedAt,
    dataAsOf,
    asOfByTheme: measured.map((s) => ({ title: s.section.title, asOf: s.output.asOf! })),
    demo: Boolean(manifest?.demo),
    demoNotice: manifest?.demo ? (manifest.demo_notice ?? null) : null,
    css: assets.entries.styles,
    scripts: { map: assets.entries.map, commune: assets.entries.commune, search: assets.entries.search },
    ...(siteUrl ? { siteUrl } : {}),
  };

  const map = communeMap(COMMUNES_GEOJSON as unknown as Parameters<typeof communeMap>[0]);
  const layers: PublishedLayer[] = sections.flatMap((s) =>
    s.output.layers.map((l) => {
      const classOfCommune = Object.fromEntries(communes.map((c) => [c.commune_insee, classOf(l.values[c.commune_insee], l.classes)]));
      const idx = Object.values(classOfCommune);
      return { ...l, class_of: classOfCommune, counts: l.classes.map((_, i) => idx.filter((k) => k === i).length), missing: idx.filter((k) => k < 0).length };
    }),
  );
  const mapJson: MapJson = {
    generated_at: generatedAt,
    data_as_of: dataAsOf,
    default_layer: layers[0]?.id ?? null,
    groups: LAYER_GROUPS.filter((g) => layers.some((l) => l.group === g)).map((g) => ({ id: g, title: GROUP_TITLES[g] })),
    layers,
    // the points' attributes go to the GeoJSON download, not to the map's first view
    points: sections.flatMap((s) => s.output.points).map((g) => ({ ...g, points: g.points.map((p) => ({ ...p, properties: {} })) })),
    communes: communes.map((c) => ({ insee: c.commune_insee, name: c.name, departement: c.departement })),
  };

  // the metropolitan median of each indicator, over the communes with a value
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
  mark('model', t);

  const writer = new SiteWriter(ctx.store);
  t = performance.now();
  const specs = dedupeSpecs([{ dataset: 'communes', perCommune: false }, ...sections.flatMap((s) => s.output.downloads)]);
  const downloads: DownloadFile[] = await writeDownloads(ctx, specs, datasets, communes.map((c) => c.commune_insee), writer);
  downloads.push(...(await writeGeoJson(writer, sections.flatMap((s) => s.output.points), layers)));
  mark('downloads', t);

  t = performance.now();
  const communeJson = new Map<string, CommuneJson>();
  for (const c of communes) {
    const own = sections.map((s) => s.output.communes.get(c.commune_insee)).filter((x) => x !== undefined);
    communeJson.set(c.commune_insee, {
      generated_at: generatedAt,
      data_as_of: dataAsOf,
      commune: c,
      sections: own.map((s) => ({ ...s, indicators: s.indicators.map((i): PublishedIndicator => ({ ...i, median: medians.get(i.id) ?? null })) })),
      alerts: sections.flatMap((s) => s.output.alerts.get(c.commune_insee) ?? []).sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.id < b.id ? -1 : 1)),
      downloads: downloads.filter((d) => d.commune === c.commune_insee),
    });
  }

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

  for (const f of assets.files) await writer.put(f.path, f.body, f.contentType);
  for (const lang of LANGS) {
    await writer.put(`${pagePath(lang, { kind: 'home' })}index.html`, renderHome(lang, model), CONTENT_TYPES.html);
    await writer.put(`${pagePath(lang, { kind: 'data' })}index.html`, renderData(lang, model), CONTENT_TYPES.html);
    await writer.put(`${pagePath(lang, { kind: 'methodology' })}index.html`, renderMethodology(lang, model), CONTENT_TYPES.html);
    for (const c of communes) await writer.put(`${pagePath(lang, { kind: 'commune', insee: c.commune_insee })}index.html`, renderCommune(lang, model, c.commune_insee), CONTENT_TYPES.html);
  }
  for (const c of communes) await writer.put(`data/communes/${c.commune_insee}.json`, JSON.stringify(communeJson.get(c.commune_insee)!), CONTENT_TYPES.json);
  await writeSiteFiles(writer, model, dataAsOf ?? generatedAt);
  const site: SiteJson = {
    generated_at: generatedAt,
    data_as_of: dataAsOf,
    demo: frame.demo,
    demo_notice: frame.demoNotice,
    sections: sections.map((s) => ({ id: s.section.id, title: s.section.title, as_of: s.output.asOf })),
    languages: [...LANGS],
    files: { map: 'data/map.json', communes: 'data/communes/{insee}.json', downloads: 'data/downloads.json', dictionary: 'data/dictionary.json' },
  };
  await writer.put('data/site.json', JSON.stringify(site), CONTENT_TYPES.json);
  await writer.put('data/map.json', JSON.stringify(mapJson), CONTENT_TYPES.json);
  await writer.put('data/downloads.json', JSON.stringify({ generated_at: generatedAt, files: downloads }), CONTENT_TYPES.json);
  await writer.put('data/dictionary.json', JSON.stringify(model.dictionary), CONTENT_TYPES.json);
  await writer.flush();
  mark('pages', t);

  // hashed assets of the previous run stay one more run: pages cached a few minutes still name them
  const previous = (await ctx.store.head(STATE)) ? stateSchema.safeParse(JSON.parse((await ctx.store.get(STATE)).toString('utf8'))) : undefined;
  const keepAssets = new Set(previous?.success ? previous.data.assets : []);
  const currentAssets = assets.files.map((f) => f.path);
  const removed = await writer.removeStale((p) => keepAssets.has(p));
  await ctx.store.put(STATE, JSON.stringify({ assets: currentAssets }), { contentType: 'application/json' });
  lap.total = Math.round(performance.now() - t0) / 1000;

  return {
    files: writer.written.size,
    bytes: writer.bytes,
    removed,
    communesWithData: layers[0] ? communes.filter((c) => layers[0]!.values[c.commune_insee] !== null).length : 0,
    sections: sections.map((s) => s.section.id),
    hidden: hidden.map((h) => ({ id: h.id, missing: h.missing })),
    failed,
    assets: assets.origin,
    seconds: lap,
  };
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
async function writeGeoJson(writer: SiteWriter, pointGroups: readonly PointGroup[], layers: readonly PublishedLayer[]): Promise<DownloadFile[]> {
  const fc = COMMUNES_GEOJSON as unknown as { features: { properties: { code_insee: string }; geometry: unknown }[] };
  const byCode = new Map(COMMUNES.map((c) => [c.commune_insee, c]));
  const communes = {
    type: 'FeatureCollection',
    features: fc.features.map((f) => {
      const c = byCode.get(f.properties.code_insee)!;
      return {
        type: 'Feature',
        id: c.commune_insee,
        properties: {
          ...c,
          ...Object.fromEntries(layers.map((l) => [l.id.replaceAll('-', '_'), l.values[c.commune_insee] ?? null])),
          period_from: layers[0]?.period?.from ?? null,
          period_to: layers[0]?.period?.to ?? null,
        },
        geometry: f.geometry,
      };
    }),
  };
  const points = {
    type: 'FeatureCollection',
    features: pointGroups.flatMap((g) =>
      g.points.map((p) => ({ type: 'Feature', id: p.id, properties: { kind: g.kind, ...p.properties }, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } })),
    ),
  };
  const out: DownloadFile[] = [];
  for (const [dataset, body, rows] of [
    ['communes', JSON.stringify(communes), communes.features.length],
    ['sensors', JSON.stringify(points), points.features.length],
  ] as const) {
    const p = `data/downloads/${dataset}.geojson`;
    await writer.put(p, body, CONTENT_TYPES.geojson);
    out.push({ dataset, commune: null, format: 'geojson', path: p, bytes: Buffer.byteLength(body), rows });
  }
  return out;
}

