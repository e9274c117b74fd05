// The observatory's version: package.json's, the one home of that fact. Plain JavaScript with nothing but
// node:fs, so that bin/observatory.mjs answers `observatory --version` before anything else loads; the
// command line (bundled or through tsx) prints the same value from here.
import { readFileSync } from 'node:fs';

/** package.json at the repository's root (read, not imported: a bundle stays valid when package.json changes) */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/** the version in package.json */
export function packageVersion() {
  return JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).version;
}

/** `observatory --version` alone: answered before anything else loads (no bundle check, no command line) */
export function asksVersionOnly(args) {
  return args.length === 1 && (args[0] === '--version' || args[0] === '-V');
}
