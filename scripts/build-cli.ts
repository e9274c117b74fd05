// Bundles the command line with esbuild into dist/cli, so that `observatory` transpiles no TypeScript
// per call. `npm ci` runs it (the `prepare` script); bin/observatory.cjs runs the bundle only while its
// recorded source hash matches the sources, and the sources through tsx otherwise.
//
//   npx tsx scripts/build-cli.ts [--out DIR] [--at-install]
//
// Our modules and the small packages they use are bundled: Node then neither reads hundreds of files
// nor scans CommonJS packages for their exports at every start. These stay in node_modules, loaded as
// from the sources: DuckDB's native binding, TensorFlow.js (its .wasm files and their loader), the AWS
// SDK (only for s3:// lakes and Athena), esbuild (the site builder), piscina (its own worker script is
// found beside its module, through __dirname). package-lock.json is among the
// sources hashed, so a bundle holding other versions of the packages than those installed is not run.
// Our own modules are bundled with three rewrites:
// - `import.meta` is the source file's: paths found from a module's location (web/, node_modules for
//   the tfjs .wasm files) stay what they are in the sources;
// - a worker-thread entry `new URL('./x.mjs', import.meta.url)` (a tsx shim beside x.ts) becomes x.ts
//   bundled as an entry of its own, so worker threads run bundled code too;
// - the site builder, imported by a computed path so that Lambda bundles leave esbuild out, is imported
//   by name here so that it is bundled (it needs esbuild, from node_modules, at run time anyway).
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { fileStamp, MANIFEST, ROOT, sourcesHash } from '../bin/cli-bundle.mjs';

const MAIN = 'functions/cli/main.ts';
/** what makes the bundle besides its inputs: a change to these rebuilds it too */
const BUILD_RULES = ['scripts/build-cli.ts', 'bin/cli-bundle.mjs', 'package-lock.json'];
/** packages loaded from node_modules at run time (see above) */
const EXTERNAL = ['@duckdb/node-bindings', '@duckdb/node-bindings-*', '@tensorflow/*', '@aws-sdk/*', '@smithy/*', 'esbuild', 'tsx', 'tsx/*', 'piscina'];
/** `require` for the CommonJS packages bundled into these ES modules (their own require of an external package or a builtin) */
const REQUIRE_BANNER = "import { createRequire as __observatoryRequire } from 'node:module'; const require = __observatoryRequire(import.meta.url);";
/** imports by a computed path that the bundle must resolve: file, the import as written, the module it loads */
const COMPUTED_IMPORTS = [{ file: 'functions/lib/publish/web-assets.ts', written: 'await import(builder)', module: 'web/build.ts' }];

/** worker-thread entries: each x.mjs under functions/ beside an x.ts (the tsx shim of a worker) */
export function workerEntries(dir = path.join(ROOT, 'functions')): Map<string, string> {
  const found = new Map<string, string>(); // shim (absolute) → bundle entry name
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of workerEntries(p)) found.set(k, v);
    else if (e.name.endsWith('.mjs') && existsSync(p.replace(/\.mjs$/, '.ts'))) {
      found.set(p, path.relative(path.join(ROOT, 'functions'), p).replace(/\.mjs$/, '').split(path.sep).join('-'));
    }
  }
  return found;
}

const WORKER_URL = /new URL\(\s*(['"])(\.{1,2}\/[\w./-]+\.mjs)\1\s*,\s*import\.meta\.url\s*\)/g;
const BUNDLE_URL = '__observatory_bundle_url__';

function sourcePlugin(workers: Map<string, string>, rewritten: Set<string>): Plugin {
  return {
    name: 'observatory-sources',
    setup(b) {
      // our TypeScript, and functions/cli/version.cjs (the package version, read from the root)
      b.onLoad({ filter: /\.[cm]?[tj]s$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        let text = await readFile(args.path, 'utf8');
        const rel = path.relative(ROOT, args.path).split(path.sep).join('/');
        text = text.replace(WORKER_URL, (whole, _q: string, spec: string) => {
          const entry = workers.get(path.resolve(path.dirname(args.path), spec));
          return entry ? `new URL('./${entry}.mjs', ${BUNDLE_URL})` : whole;
        });
        for (const c of COMPUTED_IMPORTS.filter((c) => c.file === rel)) {
          if (!text.includes(c.written)) throw new Error(`${c.file} no longer has \`${c.written}\`: update COMPUTED_IMPORTS in scripts/build-cli.ts`);
          text = text.replace(c.written, `await import(${JSON.stringify(path.join(ROOT, c.module))})`);
          rewritten.add(c.file);
        }
        // where a source finds files beside it: its own place, not the bundle's
        text = text.replace(/\bimport\.meta\b/g, `({ url: ${JSON.stringify(pathToFileURL(args.path).href)} })`).replaceAll(BUNDLE_URL, 'import.meta.url');
        if (args.path.endsWith('.cjs')) text = text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)));
        return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

export interface BuiltCli {
  dir: string;
  sources: number;
  bytes: number;
  seconds: number;
}

/** builds the bundle into `outDir` (replaced whole once the new one is complete) */
export async function buildCli(outDir = path.join(ROOT, 'dist', 'cli')): Promise<BuiltCli> {
  const started = performance.now();
  const workers = workerEntries();
  const rewritten = new Set<string>();
  const staging = `${outDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [
      { in: MAIN, out: 'main' },
      ...[...workers].map(([shim, out]) => ({ in: shim.replace(/\.mjs$/, '.ts'), out })),
    ],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    banner: { js: REQUIRE_BANNER },
    outdir: staging,
    entryNames: '[name]',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: 'silent',
    plugins: [sourcePlugin(workers, rewritten)],
  });
  for (const c of COMPUTED_IMPORTS) {
    if (!rewritten.has(c.file)) throw new Error(`${c.file} is no longer part of the command line: update COMPUTED_IMPORTS in scripts/build-cli.ts`);
  }
  const sources = [...new Set([...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/')), ...BUILD_RULES])].sort();
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  await writeFile(path.join(staging, MANIFEST), JSON.stringify({ entry: 'main.mjs', sourcesHash: sourcesHash(sources), sources, stamps: sources.map(fileStamp) }, null, 1) + '\n');
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  return { dir: outDir, sources: sources.length, bytes, seconds: (performance.now() - started) / 1000 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const outArg = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
  if (args.includes('--out') && outArg === undefined) throw new Error('--out needs a folder: npx tsx scripts/build-cli.ts --out DIR');
  const out = outArg === undefined ? undefined : path.resolve(outArg);
  try {
    const b = await buildCli(out);
    console.error(`cli: bundled ${b.sources} sources into ${path.relative(process.cwd(), b.dir) || b.dir} (${(b.bytes / 2 ** 20).toFixed(1)} MiB) in ${b.seconds.toFixed(1)} s`);
  } catch (e) {
    // at install, a failed build leaves the command line on the sources (slower to start, as correct)
    if (!args.includes('--at-install')) throw e;
    console.error(`cli: not bundled (${(e as Error).message}); observatory runs the sources through tsx`);
  }
}
