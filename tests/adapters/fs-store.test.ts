import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

  it('head() of an object whose metadata sidecar is corrupt fails naming the object and the sidecar, instead of dropping its sha256', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fs-store-'));
    try {
      const store = new FsObjectStore(root);
      await store.put('raw/noise/a.json', '[]', { contentType: 'application/json', metadata: { origin: 'x' } });
      const sidecar = path.join(root, '.meta', 'raw', 'noise', 'a.json.json');
      expect(JSON.parse(await readFile(sidecar, 'utf8'))).toMatchObject({ contentType: 'application/json', metadata: { origin: 'x' } });
      await writeFile(sidecar, '{"sha256": "abc", "conte');
      await expect(store.head('raw/noise/a.json')).rejects.toThrow(/metadata sidecar .*a\.json\.json of object "raw\/noise\/a\.json" is corrupt: it is not JSON/);
      await writeFile(sidecar, JSON.stringify({ sha256: 'not-hex', metadata: { origin: 3 } }));
      await expect(store.list('raw/')).rejects.toThrow(/object "raw\/noise\/a\.json" is corrupt: metadata\.origin: .*expected string, received number; sha256: expected a hex sha256/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('head() of an object with no sidecar (put by hand) reports it without recorded metadata', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fs-store-'));
    try {
      const store = new FsObjectStore(root);
      await writeFile(path.join(root, 'by-hand.txt'), 'hello');
      const info = await store.head('by-hand.txt');
      expect(info).toMatchObject({ key: 'by-hand.txt', size: 5, metadata: {}, sha256: undefined });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
