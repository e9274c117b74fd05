#!/usr/bin/env node
// Runs the command line: the bundle built at install (dist/cli, no TypeScript to transpile) when it was
// built from the sources as they are now, else the TypeScript sources through tsx, so that no one ever
// runs code older than the tree. `observatory --version` alone is answered here, before anything loads.
import { pathToFileURL } from 'node:url';
import { asksVersionOnly, packageVersion } from '../functions/cli/version.mjs';
import { freshBundle, TRACE_ENV } from './cli-bundle.mjs';

const args = process.argv.slice(2);
const trace = (line) => process.env[TRACE_ENV] && process.stderr.write(`observatory: ${line}\n`);

async function loadMain() {
  const bundle = freshBundle();
  trace(bundle.entry ? `running the bundle ${bundle.entry}` : `running the sources through tsx: ${bundle.stale}`);
  if (bundle.entry) return (await import(pathToFileURL(bundle.entry).href)).main;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../functions/cli/main.ts')).main;
}

if (asksVersionOnly(args)) {
  trace('the version, from package.json, before loading the command line');
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const main = await loadMain();
  process.exitCode = await main(args);
}
