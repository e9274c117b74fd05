import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { runPipeline } from '../../functions/lib/stages/pipeline.ts';
import { feedDemo } from '../../functions/local/demo-feed.ts';
import { tempLake } from '../support/lake.ts';
import { report } from '../support/report.ts';

// The demo site the browser tests read (site-browser, site-lighthouse): a small demo lake built by the
// real pipeline, once for the code it was built from. It is kept in the system's temporary folder under
// a hash of every file that can change it (functions/, web/, config/, data/, package-lock.json, this
// file): a test file whose code has not changed since the last build copies it (hard links: the lake
// folder replaces objects by renaming, so a copy's writes never reach the build) instead of running the
// pipeline again (minutes on the shared 2-core machine). Two test files starting together build it once:
// the first takes a lock, the other waits for the build.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const INPUTS = ['functions', 'web', 'config', 'data', 'package-lock.json', 'tests/web/demo-site.ts'];
/** after the demo clock (2026-06-30): readings later than the clock would be in the future */
export const DEMO_NOW = new Date('2026-07-01T12:00:00Z');
/**
 * the site's public URL, as OBSERVATORY_SITE_URL gives it (on AWS the distribution's domain): feeds,
 * canonical and hreflang links are absolute from it, whichever address the tests serve the site at
 */
export const DEMO_SITE_URL = 'https://observatoire.example/';
const BUILD_MINUTES = 15;
/** a build of other code not used for this long is removed when a new one is made (about 100 MB each) */
const UNUSED_HOURS = 6;

type Lake = Awaited<ReturnType<typeof tempLake>>;

async function files(p: string): Promise<string[]> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return [];
  if (!s.isDirectory()) return [p];
  const entries = await readdir(p, { withFileTypes: true });
  const nested = await Promise.all(entries.filter((e) => e.name !== 'node_modules' && e.name !== 'dist').map((e) => files(path.join(p, e.name))));
  return nested.flat().sort();
}

/** a hash of the code and configuration the demo site is built from */
async function codeHash(): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await Promise.all(INPUTS.map((i) => files(path.join(ROOT, i))))).flat()) h.update(path.relative(ROOT, f)).update('\0').update(await readFile(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** the demo lake as feedDemo and the pipeline leave it, in `dir` */
async function buildDemo(dir: string): Promise<void> {
  const t0 = performance.now();
  const lake = await tempLake({ now: DEMO_NOW, store: new FsObjectStore(dir) });
  const before = process.env.OBSERVATORY_SITE_URL;
  process.env.OBSERVATORY_SITE_URL = DEMO_SITE_URL;
  try {
    // 11 days: the fewest with which the noise network trains (8 of history, 3 held out), so that the
    // pages show noise-night forecasts as `npm start` does; hourly readings keep the build as light as 3 days of 15-minute ones
    await feedDemo(lake, { days: 11, sensorsPerCommune: 1, intervalMinutes: 60 });
    await runPipeline(lake);
  } finally {
    if (before === undefined) delete process.env.OBSERVATORY_SITE_URL;
    else process.env.OBSERVATORY_SITE_URL = before;
    await lake.cleanup();
  }
  report(`demo site built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const exists = (p: string) => stat(p).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the builds of other code (other versions, other worktrees) not used for UNUSED_HOURS */
async function pruneUnused(base: string, keep: string): Promise<void> {
  for (const e of await readdir(base, { withFileTypes: true })) {
    const dir = path.join(base, e.name);
    if (!e.isDirectory() || dir === keep || !/^[0-9a-f]{16}$/.test(e.name)) continue;
    const used = await stat(path.join(dir, 'READY')).then((s) => s.mtimeMs, () => undefined);
    if (used !== undefined && Date.now() - used > UNUSED_HOURS * 3_600_000) await rm(dir, { recursive: true, force: true });
  }
}

/** the built demo lake for this code: built here under a lock, or waited for while another file builds it */
async function builtDemo(): Promise<string> {
  const base = path.join(os.tmpdir(), 'observatory-demo-site');
  await mkdir(base, { recursive: true });
  const dir = path.join(base, await codeHash());
  const lock = `${dir}.lock`;
  for (;;) {
    if (await exists(path.join(dir, 'READY'))) {
      const now = new Date();
      await utimes(path.join(dir, 'READY'), now, now);
      return dir;
    }
    const locked = await mkdir(lock).then(() => true, () => false);
    if (locked) {
      try {
        const building = `${dir}.building`;
        await rm(building, { recursive: true, force: true });
        await mkdir(building);
        await buildDemo(building);
        await writeFile(path.join(building, 'READY'), new Date().toISOString());
        await rename(building, dir);
        await pruneUnused(base, dir);
        return dir;
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
    // a lock left by a build that died: taken over after the longest build
    const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (since > BUILD_MINUTES * 60_000) await rm(lock, { recursive: true, force: true });
    await sleep(2000);
  }
}

/** `from`'s files linked into `to` (which exists) */
async function linkTree(from: string, to: string): Promise<void> {
  for (const e of await readdir(from, { withFileTypes: true })) {
    const [a, b] = [path.join(from, e.name), path.join(to, e.name)];
    if (e.isDirectory()) {
      await mkdir(b);
      await linkTree(a, b);
    } else await link(a, b);
  }
}

/**
 * a lake of its own holding the demo site (a copy of the build for this code), with its DuckDB engine,
 * every declared dataset attached (as the pipeline leaves them) and the demo's clock; `cleanup()` removes the copy
 */
export async function demoLake(): Promise<Lake> {
  const built = await builtDemo();
  const copy = await mkdtemp(path.join(os.tmpdir(), 'observatory-demo-copy-'));
  await linkTree(built, copy);
  const lake = await tempLake({ now: DEMO_NOW, store: new FsObjectStore(copy) });
  await lake.lake.attach(DATASETS);
  return {
    ...lake,
    dir: copy,
    async cleanup() {
      await lake.cleanup();
      await rm(copy, { recursive: true, force: true });
    },
  };
}
