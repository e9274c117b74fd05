import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ARCHITECTURE, RUNTIME } from '../bundling.ts';
import { REPO_ROOT } from '../catalog.ts';

// DuckDB's Node API and its native binary (linux x86-64, glibc) as a Lambda layer, assembled at synth
// time from this repository's node_modules: nodejs/node_modules/@duckdb/{node-api,node-bindings,
// node-bindings-linux-x64} and their dependencies. The binary is ~68 MB unzipped: far below the 250 MB
// a function and its layers may hold, and uploaded through the CDK asset bucket, not inline.

/** the packages the layer starts from; their (non-optional) dependencies follow */
export const DUCKDB_LAYER_ROOTS = ['@duckdb/node-api', '@duckdb/node-bindings-linux-x64'];

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));

function packageDir(name: string, from: string): string {
  const r = createRequire(path.join(from, 'package.json'));
  try {
    return path.dirname(r.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`DuckDB layer: package ${name} is not installed (npm ci); the layer is built from node_modules`);
  }
}

/** the packages the layer holds, with their folders: the roots and their dependencies, transitively */
export function layerPackages(): { name: string; version: string; dir: string }[] {
  const seen = new Map<string, { name: string; version: string; dir: string }>();
  const visit = (name: string, from: string) => {
    if (seen.has(name)) return;
    const dir = packageDir(name, from);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    seen.set(name, { name, version: pkg.version, dir });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir);
  };
  for (const root of DUCKDB_LAYER_ROOTS) visit(root, REPO_ROOT);
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Assembles the layer folder once per set of package versions (a cache in the OS temp folder), and
 * returns it. The folder is complete or absent: it is built aside and renamed into place.
 */
export function assembleDuckDbLayer(cacheRoot = path.join(os.tmpdir(), 'observatory-layers')): string {
  const packages = layerPackages();
  const tag = packages.map((p) => `${p.name.replace('/', '+')}@${p.version}`).join(',');
  const id = `duckdb-${Buffer.from(tag).toString('base64url').slice(0, 48)}`;
  const dir = path.join(cacheRoot, id);
  if (existsSync(path.join(dir, 'layer.json'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  for (const p of packages) {
    cpSync(p.dir, path.join(tmp, 'nodejs', 'node_modules', ...p.name.split('/')), {
      recursive: true,
      dereference: true,
      // nested node_modules would duplicate what the layer holds at the top
      filter: (src) => !path.relative(p.dir, src).split(path.sep).includes('node_modules'),
    });
  }
  writeFileSync(path.join(tmp, 'layer.json'), JSON.stringify({ packages: packages.map(({ name, version }) => ({ name, version })) }, null, 1));
  mkdirSync(cacheRoot, { recursive: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // another synth got there first
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(dir, 'layer.json'))) throw e;
  }
  return dir;
}

export class DuckDbLayer extends Construct {
  readonly layer: lambda.LayerVersion;
  readonly folder: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.folder = assembleDuckDbLayer();
    const version = (requireFromRepo('@duckdb/node-api/package.json') as PackageJson).version;
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(this.folder),
      compatibleRuntimes: [RUNTIME],
      compatibleArchitectures: [ARCHITECTURE],
      description: `DuckDB ${version} (@duckdb/node-api + linux-x64 glibc binary) for the observatory stages`,
      license: 'MIT',
    });
  }
}
