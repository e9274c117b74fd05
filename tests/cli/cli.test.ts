import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observatory } from '../support/cli.ts';

const entities = [
  { id: 'n1', type: 'NoiseLevelObserved', refDevice: 'dev-a', dateObservedFrom: '2025-06-02T10:00:00Z', dateObservedTo: '2025-06-02T10:15:00Z', location: { type: 'Point', coordinates: [2.3522, 48.8566] }, LAeq: 62.5 },
  { id: 'n2', type: 'NoiseLevelObserved', refDevice: 'dev-a', dateObservedFrom: '2025-06-02T10:15:00Z', dateObservedTo: '2025-06-02T10:30:00Z', location: { type: 'Point', coordinates: [2.3522, 48.8566] }, LAeq: 'loud' },
];

// set up once for every describe of this file
let dir: string;
let lake: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-cli-'));
  lake = path.join(dir, 'lake');
  await writeFile(path.join(dir, 'batch.json'), JSON.stringify(entities));
  await writeFile(path.join(dir, 'broken.json'), '[{"id": ');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('observatory CLI: help and usage errors', () => {
  it('prints help for every command and exits 0', async () => {
    for (const args of [['--help'], ['ingest', '--help'], ['run', '--help'], ['query', '--help'], ['serve', '--help'], ['start', '--help'], ['dictionary', '--help']]) {
      const r = await observatory(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: observatory/);
    }
  });

  it('exits 2 with a one-line message on a usage error', async () => {
    const r = await observatory(['--lake', lake, 'ingest', 'noise-fax', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('noise-fax');
    expect(r.stdout).toBe('');
    const jobs = await observatory(['--lake', lake, 'ingest', 'noise-fiware', 'x.json', '--jobs', '0']);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('--jobs must be a whole number ≥ 1, got "0"');
  });
});

describe('observatory ingest: exit codes and summaries', () => {
  it('ingest: exit 0 with records in quarantine, the summary on stderr and nothing on stdout', async () => {
    const r = await observatory(['--lake', lake, 'ingest', 'noise-fiware', path.join(dir, 'batch.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/2 records → 1 curated, 1 quarantined/);
  });

  it('ingest: exit 1 naming the file when an input cannot be read at all, which is still kept in raw/', async () => {
    const r = await observatory(['--lake', lake, 'ingest', 'noise-fiware', path.join(dir, 'broken.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('broken.json');
    const q = await observatory(['--lake', lake, 'query', "SELECT count(*) AS n FROM quarantine WHERE record = 'file'", '--format', 'json']);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 1 }]);
    const missing = await observatory(['--lake', lake, 'ingest', 'noise-fiware', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json');
  });
});

describe('observatory ingest in parallel: worker threads and large arrays', () => {
  it('ingest --jobs 2: worker threads curate exactly what one process does, summaries in file order', async () => {
    // five files, one of them unreadable and one missing, overlapping readings between two of them
    const files: string[] = [];
    for (let f = 0; f < 3; f++) {
      const batch = Array.from({ length: 300 }, (_, i) => ({
        ...entities[0],
        id: `e${f}-${i}`,
        refDevice: `dev-${i % 7}`,
        dateObservedFrom: new Date(Date.UTC(2025, 5, 2) + (f === 2 ? i : f * 300 + i) * 60_000).toISOString(),
        dateObservedTo: new Date(Date.UTC(2025, 5, 2) + ((f === 2 ? i : f * 300 + i) + 1) * 60_000).toISOString(),
        LAeq: i % 50 === 0 ? 'loud' : 40 + (i % 30) + f / 10,
      }));
      const file = path.join(dir, `jobs-${f}.json`);
      files.push(file);
      await writeFile(file, JSON.stringify(batch));
    }
    files.splice(1, 0, path.join(dir, 'broken.json'));
    files.push(path.join(dir, 'nope.json'));
    const run = async (name: string, extra: string[]) => {
      const at = path.join(dir, name);
      const r = await observatory(['--lake', at, 'ingest', 'noise-fiware', ...files, '--format', 'json', ...extra]);
      const rows = await observatory(['--lake', at, 'query', 'SELECT sensor_id, ts_from, laeq, raw_key, record FROM noise_readings ORDER BY ALL', '--format', 'json']);
      const quarantined = await observatory(['--lake', at, 'query', 'SELECT raw_key, record, field FROM quarantine ORDER BY ALL', '--format', 'json']);
      return { r, rows: JSON.parse(rows.stdout) as unknown[], quarantined: JSON.parse(quarantined.stdout) as unknown[] };
    };
    const one = await run('lake-jobs-1', ['--jobs', '1']);
    const two = await run('lake-jobs-2', ['--jobs', '2']);
    expect(two.r.stderr).toContain('with 2 worker threads');
    expect(one.r.stderr).not.toContain('worker threads');
    for (const { r } of [one, two]) {
      expect(r.code).toBe(1); // the broken and the missing file
      expect(r.stderr).toContain('nope.json');
      const summaries = JSON.parse(r.stdout) as { origin: string; curated: number; quarantined: number; unreadable: string | null }[];
      expect(summaries.map((s) => s.origin)).toEqual(['jobs-0.json', 'broken.json', 'jobs-1.json', 'jobs-2.json']);
      expect(summaries.map((s) => [s.curated, s.quarantined, s.unreadable !== null])).toEqual([[294, 6, false], [0, 0, true], [294, 6, false], [294, 6, false]]);
    }
    // jobs-2 repeats the readings of jobs-0: the view keeps one per sensor and period
    expect(two.rows).toHaveLength(588);
    expect(two.rows).toEqual(one.rows);
    expect(two.quarantined).toEqual(one.quarantined);
    expect(two.quarantined).toHaveLength(19);
  });

  it('ingest, one file at a time: a large FIWARE array is read in parts on the other cores too', async () => {
    const big = path.join(dir, 'big.json');
    const batch = Array.from({ length: 2000 }, (_, i) => ({
      ...entities[0],
      id: `big-${i}`,
      refDevice: `dev-${i % 5}`,
      dateObservedFrom: new Date(Date.UTC(2025, 5, 3) + i * 60_000).toISOString(),
      dateObservedTo: new Date(Date.UTC(2025, 5, 3) + (i + 1) * 60_000).toISOString(),
      LAeq: i === 1999 ? 'loud' : 50 + (i % 20),
    }));
    await writeFile(big, JSON.stringify(batch));
    const at = path.join(dir, 'lake-big');
    const r = await observatory(['--lake', at, 'ingest', 'noise-fiware', big, '--jobs', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    if (os.availableParallelism() > 1) expect(r.stderr).toContain(`large FIWARE arrays read on ${os.availableParallelism()} threads`);
    else expect(r.stderr).not.toContain('read on');
    expect((JSON.parse(r.stdout) as { curated: number; quarantined: number }[]).map((s) => [s.curated, s.quarantined])).toEqual([[1999, 1]]);
    const rows = await observatory(['--lake', at, 'query', 'SELECT count(*)::INT AS n, max(record)::INT AS last, sum(laeq)::DOUBLE AS s FROM noise_readings', '--format', 'json']);
    const laeq = batch.slice(0, 1999).reduce((a, e) => a + (e.LAeq as number), 0);
    expect(JSON.parse(rows.stdout)).toEqual([{ n: 1999, last: 1998, s: laeq }]);
  });
});

describe('observatory query', () => {
  it('query --format csv: a header line, dot decimals, no trailing blank line', async () => {
    const r = await observatory(['--lake', lake, 'query', 'SELECT sensor_id, laeq, ts_from FROM noise_readings', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('sensor_id,laeq,ts_from\ndev-a,62.5,2025-06-02T10:00:00.000Z\n');
  });

  it('query --format json: one array of row objects with numbers as numbers', async () => {
    const r = await observatory(['--lake', lake, 'query', 'SELECT laeq, count(*) AS n, 1.5::DECIMAL(4,1) AS d FROM noise_readings GROUP BY laeq', '--format', 'json']);
    expect(JSON.parse(r.stdout)).toEqual([{ laeq: 62.5, n: 1, d: 1.5 }]);
  });

  it('query refuses to write and exits 2', async () => {
    for (const sql of ["COPY (SELECT 1) TO '/tmp/observatory-should-not-exist.csv'", 'CREATE TABLE t AS SELECT 1', 'DROP VIEW noise_readings']) {
      const r = await observatory(['--lake', lake, 'query', sql]);
      expect(r.code, sql).toBe(2);
      expect(r.stderr).toMatch(/read-only|only SELECT/);
    }
  });

  it('query on a dataset with no rows yet returns an empty result, not an error', async () => {
    const r = await observatory(['--lake', lake, 'query', 'SELECT * FROM noise_indicators_yearly', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
