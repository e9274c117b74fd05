// The observatory's version: package.json's, the one home of that fact, and the switch that makes the
// entry say what it runs. CommonJS with nothing but node:fs and node:path, so that bin/observatory.cjs
// answers `observatory --version` before anything else loads — Node's ES module loader included, which
// costs ~10 ms more than the process itself; the command line (bundled or through tsx) prints the same
// value from here.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** package.json at the repository's root (read, not imported: a bundle stays valid when package.json changes) */
const PACKAGE_JSON = path.join(__dirname, '..', '..', 'package.json');

/** the version in package.json */
exports.packageVersion = function packageVersion() {
  return JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).version;
};

/** `observatory --version` alone: answered before anything else loads (no bundle check, no command line) */
exports.asksVersionOnly = function asksVersionOnly(args) {
  return args.length === 1 && (args[0] === '--version' || args[0] === '-V');
};

/** set to say on stderr whether the bundle or the sources run, and why */
exports.TRACE_ENV = 'OBSERVATORY_CLI_TRACE';
