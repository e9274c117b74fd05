import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { REPO_ROOT } from './catalog.ts';

// How every function is built: esbuild on this machine (no Docker), one minified CommonJS file per
// function with everything it imports bundled, except DuckDB's native module, which comes from the
// layer. CommonJS because Lambda puts the layer's nodejs/node_modules on NODE_PATH, which require()
// honours: the bundle finds @duckdb/node-api in /opt without any loader trick.

export const RUNTIME = lambda.Runtime.NODEJS_22_X;
export const ARCHITECTURE = lambda.Architecture.X86_64;

/** modules the bundles import at run time instead of carrying them: provided by the DuckDB layer */
export const EXTERNAL_MODULES = ['@duckdb/node-api'];

export const BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  format: nodejs.OutputFormat.CJS,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // bundled, not taken from the runtime: the SDK version tested is the one deployed
  externalModules: EXTERNAL_MODULES,
  // the stage code is ESM TypeScript; `import … with { type: 'json' }` is bundled as data
  mainFields: ['module', 'main'],
  // ESM code locating files from import.meta.url gets the bundle's own URL, as it would unbundled
  banner: "const __bundleUrl=require('node:url').pathToFileURL(__filename).href;",
  define: { 'import.meta.url': '__bundleUrl' },
  logLevel: nodejs.LogLevel.WARNING,
};

export const HANDLERS_DIR = path.join(REPO_ROOT, 'functions', 'handlers');

/** the handler file of a deployed function: functions/handlers/<name>/handler.ts */
export function handlerEntry(name: string): string {
  const entry = path.join(HANDLERS_DIR, name, 'handler.ts');
  if (!existsSync(entry)) {
    const known = readdirSync(HANDLERS_DIR).filter((f) => existsSync(path.join(HANDLERS_DIR, f, 'handler.ts')));
    throw new Error(`no handler for "${name}": expected functions/handlers/${name}/handler.ts (found handlers: ${known.join(', ')})`);
  }
  return entry;
}
