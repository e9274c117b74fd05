// The files still allowed non-null assertions (`x!`): eslint-non-null-legacy.json maps each to the sha256 of
// its content when it was listed. eslint.config.js exempts a file only while its content is unchanged, so a
// touched file is held to `no-non-null-assertion` like a new one (issue 21). The list only shrinks:
//   node scripts/lint-legacy.mjs --prune   drops the entries whose file changed or is gone
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const LEGACY_LIST = `${ROOT}eslint-non-null-legacy.json`;

/** @param {string} file a path from the repository's root */
export function contentHash(file) {
  return createHash('sha256').update(readFileSync(ROOT + file)).digest('hex');
}

/** @returns {Record<string, string>} file → sha256 of its content when listed */
export function readLegacy() {
  return JSON.parse(readFileSync(LEGACY_LIST, 'utf8'));
}

/** The listed files whose content is still the listed one: the only ones exempt from the rule. */
export function untouchedLegacy(legacy = readLegacy()) {
  return Object.entries(legacy)
    .filter(([file, hash]) => existsSync(ROOT + file) && contentHash(file) === hash)
    .map(([file]) => file);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--prune')) {
  const legacy = readLegacy();
  const kept = new Set(untouchedLegacy(legacy));
  const pruned = Object.fromEntries(Object.entries(legacy).filter(([file]) => kept.has(file)));
  writeFileSync(LEGACY_LIST, JSON.stringify(pruned, null, 1) + '\n');
  console.log(`${Object.keys(legacy).length - kept.size} entries dropped, ${kept.size} kept`);
}
