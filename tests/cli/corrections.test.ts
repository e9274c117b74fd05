import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observatory } from '../support/cli.ts';

// Issue 22 "Done when": re-ingesting the same bytes with the same options changes nothing; with other
// options it is a correction, refused (exit 2, nothing changed) without --replace and applied with it,
// the summary naming what moved. And bad options are usage errors naming the option.

let dir: string;
let lake: string;
let file: string;

const SAINT_DENIS = ['--lon', '2.36', '--lat', '48.93']; // 93066
const MONTREUIL = ['--lon', '2.44', '--lat', '48.86']; // 93048

async function readings(): Promise<{ sensor_id: string; commune_insee: string; n: number }[]> {
  const r = await observatory(['--lake', lake, 'query', '--format', 'json', 'SELECT sensor_id, commune_insee, count(*)::INTEGER AS n FROM noise_readings GROUP BY ALL ORDER BY 1']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { sensor_id: string; commune_insee: string; n: number }[];
}

/** every file under the lake with its bytes, to show that nothing changed */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(lake, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(entry.parentPath, entry.name);
    out.set(path.relative(lake, p), (await readFile(p)).toString('base64'));
  }
  return out;
}

describe('re-ingesting the same bytes', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-corrections-'));
    lake = path.join(dir, 'lake');
    file = path.join(dir, 'repro.csv');
    await writeFile(file, 'timestamp,LAeq\n2025-06-02T10:00:00Z,61.2\n2025-06-02T10:01:00Z,62.4\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('with the same options changes nothing', async () => {
    const first = await observatory(['--lake', lake, 'ingest', 'noise-csv', file, '--sensor', 'REPRO-A', ...SAINT_DENIS]);
    expect(first.code, first.stderr).toBe(0);
    expect(await readings()).toEqual([{ sensor_id: 'REPRO-A', commune_insee: '93066', n: 2 }]);
    const before = await snapshot();
    const again = await observatory(['--lake', lake, 'ingest', 'noise-csv', file, '--sensor', 'REPRO-A', ...SAINT_DENIS]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already received: replay, nothing new/);
    const after = await snapshot();
    // the curated files and the raw file are the same bytes (change-log records may be added)
    for (const [k, v] of before) if (!k.includes('_changes') && !k.includes('staging/')) expect(after.get(k), k).toBe(v);
    expect(await readings()).toEqual([{ sensor_id: 'REPRO-A', commune_insee: '93066', n: 2 }]);
  });

  it('with other options and no --replace exits 2, names the earlier options and the flag, and changes nothing', async () => {
    const before = await snapshot();
    const r = await observatory(['--lake', lake, 'ingest', 'noise-csv', file, '--sensor', 'REPRO-B', ...MONTREUIL]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/repro\.csv: these bytes were received on .* with other options: .*"sensorId":"REPRO-A"/);
    expect(r.stderr).toMatch(/now .*"sensorId":"REPRO-B"/);
    expect(r.stderr).toMatch(/--replace/);
    const after = await snapshot();
    for (const [k, v] of before) if (!k.includes('_changes') && !k.startsWith('state')) expect(after.get(k), k).toBe(v);
    expect(await readings()).toEqual([{ sensor_id: 'REPRO-A', commune_insee: '93066', n: 2 }]);
  });

  it('with --replace applies the correction, says what moved, and keeps both receipts in the raw metadata', async () => {
    const r = await observatory(['--lake', lake, 'ingest', 'noise-csv', file, '--sensor', 'REPRO-B', ...MONTREUIL, '--replace', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/repro\.csv: correction: 2 readings of REPRO-A \(93066\) moved to REPRO-B \(93048\)/);
    const [summary] = JSON.parse(r.stdout) as { records: number; curated: number; quarantined: number; correction: string }[];
    expect(summary!.records).toBe(summary!.curated + summary!.quarantined);
    expect(summary!.curated).toBe(2);
    expect(await readings()).toEqual([{ sensor_id: 'REPRO-B', commune_insee: '93048', n: 2 }]);
    // the folder store keeps an object's metadata in a sidecar under .meta/
    const metaDir = path.join(lake, '.meta', 'raw', 'noise-csv');
    const meta = (await readdir(metaDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(meta).toHaveLength(1);
    const metadata = (JSON.parse(await readFile(path.join(meta[0]!.parentPath, meta[0]!.name), 'utf8')) as { metadata: Record<string, string> }).metadata;
    const receipts = JSON.parse(metadata['receipts']!) as { at: string; options: { sensorId: string } }[];
    expect(receipts.map((x) => x.options.sensorId)).toEqual(['REPRO-A', 'REPRO-B']);
    expect((JSON.parse(metadata['parse-options']!) as { sensorId: string }).sensorId).toBe('REPRO-B');
    // the correction is now the file's options: the same command again is a replay
    const again = await observatory(['--lake', lake, 'ingest', 'noise-csv', file, '--sensor', 'REPRO-B', ...MONTREUIL]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/replay, nothing new/);
  });
});

describe('ingest options are validated', () => {
  it.each([
    [['--sensor', 'X', '--lon', '200', '--lat', '48.9'], /--lon: expected a longitude from -180 to 180 degrees \(WGS84\), found 200/],
    [['--sensor', 'X', '--lon', '2.3', '--lat', '95'], /--lat: expected a latitude from -90 to 90 degrees \(WGS84\), found 95/],
    [['--sensor', 'X', '--tz', 'Europe/Pariss'], /--tz: expected a time zone of the IANA list .*found "Europe\/Pariss"/],
    [['--sensor', 'X', '--tz', '+01:00'], /--tz: expected a time zone of the IANA list/],
    [['--sensor', 'X', '--interval', '0'], /--interval must be a positive length/],
  ])('%j is a usage error naming the option (exit 2)', async (args, message) => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'observatory-options-'));
    try {
      const f = path.join(d, 'x.csv');
      await writeFile(f, 'timestamp,LAeq\n2025-06-02T10:00:00Z,61.2\n');
      const r = await observatory(['--lake', path.join(d, 'lake'), 'ingest', 'noise-csv', f, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      // nothing was stored
      await expect(readdir(path.join(d, 'lake', 'raw'))).rejects.toThrow();
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('a date that does not exist is a usage error', async () => {
    const r = await observatory(['--lake', path.join(os.tmpdir(), 'observatory-no-lake'), 'quarantine', 'list', '--since', '2025-02-30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--since: expected a real date YYYY-MM-DD or an ISO time, found "2025-02-30"/);
  });
});
