#!/usr/bin/env node
// Runs the command line: the bundle built at install (dist/cli, no TypeScript to transpile) when it was
// built from the sources as they are now, else the TypeScript sources through tsx, so that no one ever
// runs code older than the tree. `observatory --version` alone is answered here, before anything loads:
// this entry is CommonJS so that Node's ES module loader starts only for the command line itself.
'use strict';
const { pathToFileURL } = require('node:url');
const { asksVersionOnly, packageVersion, TRACE_ENV } = require('../functions/cli/version.cjs');

const args = process.argv.slice(2);
const trace = (line) => process.env[TRACE_ENV] && process.stderr.write(`observatory: ${line}\n`);

async function loadMain() {
  const { freshBundle } = await import('./cli-bundle.mjs');
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
  // a failure rejects: Node prints it and exits 1, as it did for the ES module entry's top-level await
  loadMain()
    .then((main) => main(args))
    .then((code) => {
      process.exitCode = code;
    });
}
