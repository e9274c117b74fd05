import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { fiwareOptionsOf, keyHash, parsePushNetworks } from '../../functions/lib/push/networks.ts';
import { handlePush } from '../../functions/lib/push/service.ts';
import { tempLake } from '../support/lake.ts';

const KEY = 'cesva-network-test-key-0123456789';
const hash = keyHash(KEY);

describe('push network configuration: tz, interval_s, interval_anchor', () => {
  it('accepts the optional fields, and names the path of a wrong one', () => {
    const [n] = parsePushNetworks(JSON.stringify([{ network: 'cesva', key_sha256: hash, tz: 'Europe/Paris', interval_s: 1, interval_anchor: 'end' }]), 'networks.json');
    expect(fiwareOptionsOf(n!)).toEqual({ tz: 'Europe/Paris', interval: { seconds: 1, anchor: 'end' } });
    expect(fiwareOptionsOf({ network: 'plain', key_sha256: hash })).toEqual({});
    expect(() => parsePushNetworks(JSON.stringify([{ network: 'x1', key_sha256: hash, tz: 'Europe/Pariss' }]), 'networks.json')).toThrow('networks.json: 0.tz: an IANA time zone');
    expect(() => parsePushNetworks(JSON.stringify([{ network: 'x1', key_sha256: hash, interval_s: 0 }]), 'networks.json')).toThrow('0.interval_s');
    expect(() => parsePushNetworks(JSON.stringify([{ network: 'x1', key_sha256: hash, interval_anchor: 'start' }]), 'networks.json')).toThrow('0.interval_anchor: interval_anchor needs interval_s');
  });

  describe('handlePush() with a configured network', () => {
    let lake: Awaited<ReturnType<typeof tempLake>>;
    beforeAll(async () => {
      lake = await tempLake({ now: new Date('2025-07-01T00:00:00Z') });
    });
    afterAll(() => lake.cleanup());

    it('reads naive single instants of a network with tz and interval_s; the same payload from a network without them is quarantined', async () => {
      const entity = { id: 'n1', type: 'NoiseLevelObserved', refDevice: 'cesva-ta120-7', location: { type: 'Point', coordinates: [2.3522, 48.8566] }, dateObserved: '2025-06-30T12:00:00', LAeq: { value: 63.1 } };
      const body = Buffer.from(JSON.stringify([entity]));
      const request = { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body, requestId: 'r1' };
      const plain = await handlePush(lake, [{ network: 'cesva', key_sha256: hash }], request);
      expect(plain.status).toBe(422);
      expect(String((plain.body.rejections as { reason: string }[])[0]!.reason)).toContain('no UTC offset');
      const configured = await handlePush(lake, [{ network: 'cesva', key_sha256: hash, tz: 'Europe/Paris', interval_s: 60 }], { ...request, body: Buffer.from(JSON.stringify([{ ...entity, id: 'n2' }])), requestId: 'r2' });
      expect(configured).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0 } });
      await lake.lake.attach(DATASETS);
      const rows = (await lake.lake.all("SELECT strftime(ts_from, '%H:%M') AS f, strftime(ts_to, '%H:%M') AS t FROM noise_readings")).rows;
      expect(rows).toEqual([{ f: '09:59', t: '10:00' }]);
    });
  });
});
