// The pre-built command line: dist/cli, written by scripts/build-cli.ts when `npm ci` runs (the `prepare`
// script), and the check that it was built from the sources as they are now. Plain JavaScript: this is
// what runs before any TypeScript loader is there.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** the repository root */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** a folder holding another bundle than dist/cli (tests build theirs elsewhere) */
export const BUNDLE_DIR_ENV = 'OBSERVATORY_CLI_BUNDLE';
/** set to say on stderr whether the bundle or the sources run, and why (its home: functions/cli/version.cjs) */
export { TRACE_ENV } from '../functions/cli/version.cjs';
export const MANIFEST = 'manifest.json';

export function bundleDir() {
  const configured = process.env[BUNDLE_DIR_ENV];
  return configured ? path.resolve(configured) : path.join(ROOT, 'dist', 'cli');
}

/** one hash over the files (paths relative to the root) and their bytes, in the order given */
export function sourcesHash(files) {
  // node:crypto only when hashing: most calls end at the stat check below
  const h = process.getBuiltinModule('node:crypto').createHash('sha256');
  for (const f of files) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(path.join(ROOT, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

/** what a file's inode says about its bytes: ctime moves with every write and cannot be set back */
export function fileStamp(file) {
  const s = statSync(path.join(ROOT, file), { bigint: true });
  return `${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/**
 * `{ entry }`: the bundle's main module, when every source it was built from is as it was then;
 * `{ stale }`: why it must not run (none built, a source changed or gone). A new source file can only
 * be reached through an import added to one already listed, so that change shows too.
 */
export function freshBundle(dir = bundleDir()) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'));
  } catch {
    return { stale: `no bundle in ${dir} (npm ci builds it; or: npm run build:cli)` };
  }
  const entry = { entry: path.join(dir, manifest.entry) };
  try {
    // the same inodes, untouched since the build: the bytes are those hashed then (a few ms, not ~50)
    if (manifest.stamps?.length === manifest.sources.length && manifest.sources.every((f, i) => fileStamp(f) === manifest.stamps[i])) return entry;
    if (sourcesHash(manifest.sources) === manifest.sourcesHash) return entry; // e.g. a fresh checkout of the same tree
  } catch (e) {
    return { stale: `a source of the bundle cannot be read (${e.code ?? e.message})` };
  }
  return { stale: 'the sources changed since the bundle was built (npm run build:cli)' };
}
