#!/usr/bin/env node
// Runs the command line: the bundle built at install (dist/cli, no TypeScript to transpile) when it was
// built from the sources as they are now, else the TypeScript sources through tsx, so that no one ever
// runs code older than the tree.
import { pathToFileURL } from 'node:url';
import { freshBundle, TRACE_ENV } from './cli-bundle.mjs';

const bundle = freshBundle();
if (process.env[TRACE_ENV]) {
  process.stderr.write(bundle.entry ? `observatory: running the bundle ${bundle.entry}\n` : `observatory: running the sources through tsx: ${bundle.stale}\n`);
}
let main;
if (bundle.entry) {
  ({ main } = await import(pathToFileURL(bundle.entry).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../functions/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
