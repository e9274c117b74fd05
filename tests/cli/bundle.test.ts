import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_DIR_ENV, MANIFEST, ROOT, TRACE_ENV } from '../../bin/cli-bundle.mjs';
import { buildCli } from '../../scripts/build-cli.ts';
import { observatory } from '../support/cli.ts';

// The pre-built command line (scripts/build-cli.ts, run by `npm ci`): bin/observatory.cjs runs it only
// while it was built from the sources as they are, and the sources through tsx otherwise.

const version = async () => (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the command line bundle', () => {
  let dir: string;
  let bundle: string;
  const run = (args: string[], at = bundle) => observatory(args, { env: { ...process.env, [BUNDLE_DIR_ENV]: at, [TRACE_ENV]: '1' } });

  // bundles live inside the repository, where their packages resolve from node_modules
  let bundles: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-bundle-'));
    await mkdir(path.join(ROOT, 'dist'), { recursive: true });
    bundles = await mkdtemp(path.join(ROOT, 'dist', 'test-cli-'));
    bundle = (await buildCli(path.join(bundles, 'fresh'))).dir;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(bundles, { recursive: true, force: true });
  });

  it('observatory --version prints the package version and exits 0, before loading the command line', async () => {
    const r = await run(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${await version()}\n`, stderr: 'observatory: the version, from package.json, before loading the command line\n' });
    // not alone (after a global option): the bundled command line answers, with the same version
    const after = await run(['-q', '-V']);
    expect(after).toEqual({ code: 0, stdout: `${await version()}\n`, stderr: `observatory: running the bundle ${path.join(bundle, 'main.mjs')}\n` });
  });

  it('a bundle whose recorded source hash is not that of the sources is not run: the sources are, through tsx', async () => {
    const stale = path.join(bundles, 'stale');
    await cp(bundle, stale, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(stale, MANIFEST), 'utf8')) as { sourcesHash: string; stamps: string[] };
    await writeFile(path.join(stale, MANIFEST), JSON.stringify({ ...manifest, sourcesHash: '0'.repeat(64), stamps: manifest.stamps.map(() => '0:0:0') }));
    const r = await run(['-q', '--version'], stale);
    expect(r).toMatchObject({ code: 0, stdout: `${await version()}\n` });
    expect(r.stderr).toContain('observatory: running the sources through tsx: the sources changed since the bundle was built');
    // the same bytes behind other inode stamps (a fresh checkout): the hash decides, and the bundle runs
    const touched = path.join(bundles, 'touched');
    await cp(bundle, touched, { recursive: true });
    await writeFile(path.join(touched, MANIFEST), JSON.stringify({ ...manifest, stamps: manifest.stamps.map(() => '0:0:0') }));
    expect((await run(['-q', '--version'], touched)).stderr).toContain('running the bundle');
    expect((await run(['-q', '--version'], path.join(dir, 'none'))).stderr).toContain('running the sources through tsx: no bundle in');
  });

  it('worker threads run bundled code: ingest --jobs 2, and a large FIWARE array read on the shard readers', async () => {
    const files = [];
    for (let f = 0; f < 2; f++) {
      // ~400 KiB each: above the size from which one file's array is read in parts
      const batch = Array.from({ length: 1500 }, (_, i) => ({
        id: `e${f}-${i}`,
        type: 'NoiseLevelObserved',
        refDevice: `dev-${i % 3}`,
        dateObservedFrom: new Date(Date.UTC(2025, 5, 2) + (f * 1500 + i) * 60_000).toISOString(),
        dateObservedTo: new Date(Date.UTC(2025, 5, 2) + (f * 1500 + i + 1) * 60_000).toISOString(),
        location: { type: 'Point', coordinates: [2.3522, 48.8566] },
        LAeq: i === 0 ? 'loud' : 40 + (i % 30),
        note: 'x'.repeat(150),
      }));
      const file = path.join(dir, `f${f}.json`);
      files.push(file);
      await writeFile(file, JSON.stringify(batch));
    }
    const jobs = await run(['--lake', path.join(dir, 'lake-jobs'), 'ingest', 'noise-fiware', ...files, '--jobs', '2']);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stderr).toContain('running the bundle');
    expect(jobs.stderr).toContain('with 2 worker threads');
    expect(jobs.stderr).toContain('total: 2 files, 3000 records → 2998 curated + 2 quarantined');
    const one = await run(['--lake', path.join(dir, 'lake-shards'), 'ingest', 'noise-fiware', ...files.slice(0, 1), '--jobs', '1']);
    expect(one.code, one.stderr).toBe(0);
    if (os.availableParallelism() > 1) expect(one.stderr).toContain(`large FIWARE arrays read on ${os.availableParallelism()} threads`);
    expect(one.stderr).toContain('1500 records → 1499 curated, 1 quarantined');
    const q = await run(['--lake', path.join(dir, 'lake-jobs'), 'query', 'SELECT count(*)::INT AS n, count(DISTINCT sensor_id)::INT AS sensors FROM noise_readings', '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 2998, sensors: 3 }]);
  });
});
