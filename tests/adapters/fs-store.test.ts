import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { objectStoreContract } from '../support/object-store-contract.ts';

objectStoreContract(
  'FsObjectStore',
  async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fs-store-'));
    return { store: new FsObjectStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
  },
  { atomicPutIfAbsent: true, strictKeys: true },
);

describe('FsObjectStore', () => {
  it('localPath() names the file holding the bytes, and the url is a file:// URL of the root', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fs-store-'));
    try {
      const store = new FsObjectStore(root);
      await store.put('curated/noise/dt=2025-01-01/part-0.parquet', 'PAR1');
      expect(await readFile(store.localPath('curated/noise/dt=2025-01-01/part-0.parquet'), 'utf8')).toBe('PAR1');
      expect(store.url).toBe(`file://${path.resolve(root)}`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
