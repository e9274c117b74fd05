// Builds every Lambda bundle exactly as `cdk synth` does (the same NodejsFunction constructs, the same
// esbuild options) and reports their sizes, what fills them, and how long a fresh Node takes to load
// each one with the DuckDB layer on NODE_PATH (module init, the part of a cold start the code owns).
//
//   npx tsx scripts/bundle-lambdas.ts [--env dev] [--out bench-results/lambda-bundles.json]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { functionArtifacts, folderBytes } from '../infra/artifacts.ts';
import { EXTERNAL_MODULES, handlerEntry } from '../infra/bundling.ts';
import { REPO_ROOT } from '../infra/catalog.ts';
import { loadConfig } from '../infra/config.ts';
import { buildObservatory, cdkJsonContext, stackPrefix } from '../infra/observatory.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const envName = arg('env', 'dev');
const outFile = path.resolve(REPO_ROOT, arg('out', 'bench-results/lambda-bundles.json'));

const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;
const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(2)} MiB`;

const config = loadConfig(envName);
const pipelineStack = `${stackPrefix(config)}-Pipeline`;
const outdir = mkdtempSync(path.join(os.tmpdir(), 'observatory-bundles-'));
const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [pipelineStack], 'aws:cdk:enable-asset-metadata': true } });
const started = performance.now();
buildObservatory(app, config);
app.synth();
const synthSeconds = (performance.now() - started) / 1000;

/** the biggest inputs of a bundle, by package, from an esbuild metafile of the same entry */
async function composition(name: string): Promise<{ module: string; bytes: number }[]> {
  const result = await build({
    entryPoints: [handlerEntry(name)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    external: EXTERNAL_MODULES,
    mainFields: ['module', 'main'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const byModule = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1]! : input.startsWith('data/') ? 'data/' : input.split('/').slice(0, 3).join('/');
      byModule.set(key, (byModule.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...byModule.entries()].map(([module, bytes]) => ({ module, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, 6);
}

function initMs(dir: string, layers: string[]): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['-e', `const t=performance.now();require(${JSON.stringify(path.join(dir, 'index.js'))});process.stdout.write(String(performance.now()-t))`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_PATH: layers.map((l) => path.join(l, 'nodejs', 'node_modules')).join(path.delimiter) },
    });
    if (r.status !== 0) throw new Error(`loading ${dir} failed: ${r.stderr}`);
    runs.push(Number(r.stdout));
  }
  return Math.min(...runs);
}

const fns = functionArtifacts(outdir, `${pipelineStack}.template.json`);
const layerBytes = new Map<string, number>();
const rows = [];
for (const f of fns) {
  const code = readFileSync(path.join(f.dir, 'index.js'));
  for (const l of f.layers) if (!layerBytes.has(l)) layerBytes.set(l, folderBytes(l));
  const layers = f.layers.reduce((sum, l) => sum + layerBytes.get(l)!, 0);
  rows.push({
    function: f.name,
    bundleBytes: code.length,
    bundleGzipBytes: gzipSync(code, { level: 9 }).length,
    folderBytes: folderBytes(f.dir),
    layerBytes: layers,
    unzippedWithLayersBytes: code.length + layers,
    shareOfLambdaLimit: (code.length + layers) / LAMBDA_UNZIPPED_LIMIT,
    moduleInitMs: Math.round(initMs(f.dir, f.layers)),
    largestInputs: await composition(f.name),
  });
}
rows.sort((a, b) => a.function.localeCompare(b.function));

const report = {
  generated_at: new Date().toISOString(),
  env: envName,
  node: process.version,
  synth_seconds: Math.round(synthSeconds * 10) / 10,
  layer_bytes: [...layerBytes.values()][0] ?? 0,
  functions: rows,
};
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(report, null, 2) + '\n');

console.log(`Lambda bundles (${envName}), built like cdk synth in ${report.synth_seconds} s; DuckDB layer ${mib(report.layer_bytes)} unzipped`);
console.log('function           bundle      gzip       +layer     of 250 MiB  init');
for (const r of rows) {
  console.log(
    `${r.function.padEnd(18)} ${mib(r.bundleBytes).padStart(10)} ${mib(r.bundleGzipBytes).padStart(10)} ${mib(r.unzippedWithLayersBytes).padStart(11)} ${(r.shareOfLambdaLimit * 100).toFixed(1).padStart(8)} %  ${String(r.moduleInitMs).padStart(4)} ms`,
  );
}
console.log(`largest inputs of ${rows[0]!.function}: ${rows[0]!.largestInputs.map((m) => `${m.module} ${(m.bytes / 1024).toFixed(0)} KiB`).join(', ')}`);
console.log(`report: ${path.relative(REPO_ROOT, outFile)}`);
