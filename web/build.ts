import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

// Builds the site's browser code with esbuild: one entry per page type (map, commune) and the search,
// sharing chunks, and the stylesheet, named after their content hash so CloudFront can cache /assets/* for a
// year. In memory, about 0.2 s: the publish stage calls it when no prebuilt copy is given.
//
//   npx tsx web/build.ts <dir>   writes the assets, the SQL examples and manifest.json into <dir>
//                                (OBSERVATORY_WEB_ASSETS=<dir>: the publish stage then uses them as is)

export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
/**
 * the map's and the search's entries load their module once the page is painted (web/src/entries/:
 * Lighthouse's slow-4G first paint no longer waits for their download); the commune page's script
 * fills panels at the top of the page (« les 3 prochains jours »), which would then appear after the
 * first paint and become its largest paint, one download later: it stays a module run before the paint
 */
export const ENTRIES = { map: 'src/entries/map.ts', commune: 'src/entries/commune.ts', search: 'src/entries/search.ts', styles: 'src/styles.css' } as const;
export type Entry = keyof typeof ENTRIES;

export interface BuiltFile {
  /** relative to the site root: assets/map-3F2K7Q.js */
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType: string;
}

export interface BuiltWeb {
  readonly files: readonly BuiltFile[];
  /** the output of each entry, relative to the site root */
  readonly entries: Readonly<Record<Entry, string>>;
  /** notebooks/sql/*.sql, shown on the data page */
  readonly sqlExamples: readonly { readonly name: string; readonly sql: string }[];
}

export interface WebManifest {
  readonly entries: Readonly<Record<Entry, string>>;
  readonly files: readonly { readonly path: string; readonly contentType: string }[];
  readonly sqlExamples: readonly { readonly name: string; readonly sql: string }[];
}

const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export async function buildWeb(): Promise<BuiltWeb> {
  const result = await build({
    absWorkingDir: WEB_DIR,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(WEB_DIR, file)])),
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    write: false,
    outdir: path.join(WEB_DIR, 'dist', 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    legalComments: 'none',
    banner: { js: '/*! Observatoire bruit et climat du Grand Paris — MIT. Includes d3 modules (ISC, Copyright 2010-2023 Mike Bostock). */' },
    logLevel: 'silent',
  });
  const outRoot = path.join(WEB_DIR, 'dist');
  const rel = (abs: string) => path.relative(outRoot, abs).split(path.sep).join('/');
  const files = result.outputFiles.map((f) => ({ path: rel(f.path), body: f.contents, contentType: CONTENT_TYPES[path.extname(f.path)] ?? 'application/octet-stream' }));
  const entries = {} as Record<Entry, string>;
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const name = (Object.keys(ENTRIES) as Entry[]).find((e) => path.resolve(WEB_DIR, meta.entryPoint ?? '') === path.join(WEB_DIR, ENTRIES[e]));
    if (name) entries[name] = rel(path.resolve(WEB_DIR, out));
  }
  for (const e of Object.keys(ENTRIES) as Entry[]) {
    if (!entries[e]) throw new Error(`web build: no output for entry ${e} (${ENTRIES[e]})`);
  }
  return { files, entries, sqlExamples: await readSqlExamples() };
}

export async function readSqlExamples(dir = path.join(WEB_DIR, '..', 'notebooks', 'sql')): Promise<{ name: string; sql: string }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  } catch {
    return [];
  }
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(path.join(dir, name), 'utf8') })));
}

/** writes a prebuilt copy: what a Lambda package carries instead of the sources and esbuild */
export async function writeWeb(dir: string): Promise<WebManifest> {
  const built = await buildWeb();
  for (const f of built.files) {
    const target = path.join(dir, ...f.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.body);
  }
  const manifest: WebManifest = {
    entries: built.entries,
    files: built.files.map((f) => ({ path: f.path, contentType: f.contentType })),
    sqlExamples: built.sqlExamples,
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npx tsx web/build.ts <output dir>');
    process.exit(2);
  }
  const m = await writeWeb(path.resolve(dir));
  console.error(`web: ${m.files.length} files in ${dir}: ${Object.values(m.entries).join(', ')}`);
}
