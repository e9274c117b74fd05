import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// On Lambda the working directory is read-only; DuckDB spills a sort or join larger than its memory
// limit to `temp_directory`, by default `.tmp` in the working directory. The probe runs a 12-million-
// row window sort under a 100 MB limit with /proc as its working directory (no one, root included,
// can create a folder there).

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
const PROBE = path.join(ROOT, 'tests/support/spill-probe.ts');

async function probe(...args: string[]): Promise<{ ok: boolean; n?: number; d?: number; error?: string }> {
  const { stdout } = await run(process.execPath, ['--import', TSX, PROBE, ...args], { cwd: '/proc', maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim()) as { ok: boolean; n?: number; error?: string };
}

describe('Duck.open() spills to its scratch folder', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'observatory-spill-'));
  });
  afterAll(async () => rm(scratch, { recursive: true, force: true }));

  it('fails a sort larger than memory when the spill folder is the unwritable working directory', async () => {
    const r = await probe('default');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/Failed to create directory "\.tmp"/);
  }, 120_000);

  it('completes the same sort, exactly, when the spill folder is under the writable scratch folder', async () => {
    const r = await probe('scratch', scratch);
    expect(r).toEqual({ ok: true, n: 12_000_000, d: 12_000_000 });
  }, 180_000);
});
