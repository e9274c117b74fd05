import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { CountingObjectStore } from '../../functions/lib/ports/counting-store.ts';
import { keyHash } from '../../functions/lib/push/networks.ts';
import { acceptPushes } from '../../functions/lib/push/queued.ts';
import { RegistryCache } from '../../functions/lib/push/registry-cache.ts';
import { handlePush } from '../../functions/lib/push/service.ts';
import { ingestSensorRegistry, REGISTRY_KEY } from '../../functions/lib/stages/sensor-registry.ts';
import { tempLake } from '../support/lake.ts';

// A warm push function reads the sensor registry once per TTL, not once per push; a registry change
// reaches its answers once the TTL has passed (docs/deploy.md).

const KEY = 'registry-cache-test-key-0123456789';
const NETWORKS = [{ network: 'demo-network', key_sha256: keyHash(KEY) }];
const TTL_MS = 60_000;

/** one reading of `device` with no position: it is placed by the registry, or rejected without it */
const positionless = (device: string, minute: number) =>
  Buffer.from(
    JSON.stringify([
      { id: `n-${device}-${minute}`, type: 'NoiseLevelObserved', refDevice: device, dateObservedFrom: `2026-01-15T10:${String(minute).padStart(2, '0')}:00Z`, dateObservedTo: `2026-01-15T10:${String(minute).padStart(2, '0')}:30Z`, LAeq: 58 },
    ]),
  );

const registryOf = (device: string) =>
  Buffer.from(JSON.stringify([{ id: device, type: 'Device', location: { type: 'geo:json', value: { type: 'Point', coordinates: [2.3522, 48.8566] } } }]));

describe('the sensor registry in a warm push function', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  let dir: string;
  const countingStore = async () => new CountingObjectStore(new FsObjectStore((dir = await mkdtemp(path.join(os.tmpdir(), 'observatory-registry-cache-')))));
  afterEach(async () => {
    await lake.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('is read once for a run of pushes, and a change is seen after the TTL, not before', async () => {
    const counting = await countingStore();
    lake = await tempLake({ now: new Date('2026-01-15T12:00:00Z'), store: counting });
    let now = 1_000_000;
    const accept = acceptPushes(new RegistryCache(TTL_MS, () => now));
    let requests = 0;
    const push = (device: string) =>
      handlePush(lake, NETWORKS, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: positionless(device, requests % 60), requestId: `r${requests++}` }, accept);
    const registryReads = () => counting.keysRead.filter((k) => k === REGISTRY_KEY).length;

    // (registering reads the stored registry too: the counts below are the pushes')
    await ingestSensorRegistry(lake, { bytes: registryOf('dev-a'), origin: 'devices-1.json' });
    let base = registryReads();
    const first = [];
    for (let i = 0; i < 12; i++) first.push(await push('dev-a'));
    expect(first.map((a) => a.body.accepted)).toEqual(Array(12).fill(1));
    expect(registryReads() - base).toBe(1);

    // dev-b registered: within the TTL the held registry still answers (dev-b has no position there)
    await ingestSensorRegistry(lake, { bytes: registryOf('dev-b'), origin: 'devices-2.json' });
    base = registryReads() - 1;
    now += TTL_MS - 1;
    const stale = await push('dev-b');
    expect(stale.status).toBe(422);
    expect(String((stale.body.rejections as { reason: string }[])[0]?.reason)).toContain('unknown position for sensor dev-b');
    expect(registryReads() - base).toBe(1);

    // once the TTL has passed the registry is read again, and dev-b is placed
    now += 1;
    const fresh = await push('dev-b');
    expect(fresh).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0 } });
    expect(registryReads() - base).toBe(2);
  });

  it('holds the absence of a registry for the TTL too', async () => {
    const counting = await countingStore();
    lake = await tempLake({ store: counting });
    let now = 0;
    const cache = new RegistryCache(TTL_MS, () => now);
    expect(await cache.registry(counting)).toEqual([]);
    expect(await cache.registry(counting)).toEqual([]);
    expect(counting.keysRead).toEqual([REGISTRY_KEY]);
    now = TTL_MS;
    expect(await cache.registry(counting)).toEqual([]);
    expect(counting.keysRead).toEqual([REGISTRY_KEY, REGISTRY_KEY]);
  });
});
