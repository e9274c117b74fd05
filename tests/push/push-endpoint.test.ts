import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../functions/lib/datasets/index.ts';
import { keyHash } from '../../functions/lib/push/networks.ts';
import { MAX_PUSH_BYTES } from '../../functions/lib/push/service.ts';
import { PUSH_PATH, serveSite, type RunningServer } from '../../functions/local/site-server.ts';
import { tempLake } from '../support/lake.ts';

const KEY_A = 'network-a-test-key-0123456789';
const KEY_B = 'network-b-test-key-9876543210';

function entities(sensor: string, start: number, count: number, laeq = 55) {
  return Array.from({ length: count }, (_, i) => ({
    id: `urn:ngsi-ld:NoiseLevelObserved:${sensor}-${start + i}`,
    type: 'NoiseLevelObserved',
    refDevice: sensor,
    dateObservedFrom: new Date(Date.UTC(2025, 5, 2) + (start + i) * 60_000).toISOString(),
    dateObservedTo: new Date(Date.UTC(2025, 5, 2) + (start + i + 1) * 60_000).toISOString(),
    location: { type: 'Point', coordinates: [2.3522, 48.8566] },
    LAeq: laeq,
  }));
}

/** the endpoint's answer body (the fields these tests read) */
interface PushAnswer {
  readonly network?: string;
  readonly error?: string;
  readonly raw_key: string;
  readonly records: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly rejections: readonly { readonly record: string; readonly field: string }[];
}

const answerOf = async (r: Response) => (await r.json()) as PushAnswer;

describe('sensor push endpoint (local server)', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  let server: RunningServer;
  let url: string;
  const post = (body: string, headers: Record<string, string> = {}, method = 'POST') =>
    fetch(url, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json', 'x-api-key': KEY_A, ...headers } });

  beforeAll(async () => {
    lake = await tempLake({ now: new Date('2025-07-01T00:00:00Z') });
    server = await serveSite(lake.store, {
      port: 0,
      push: { ctx: lake, networks: [{ network: 'network-a', key_sha256: keyHash(KEY_A) }, { network: 'network-b', key_sha256: keyHash(KEY_B) }] },
    });
    url = server.url.replace(/\/$/, '') + PUSH_PATH;
  });
  afterAll(async () => {
    await server.close();
    await lake.cleanup();
  });

  it('refuses requests without a known API key, with 401, and stores nothing', async () => {
    expect((await post('[]', { 'x-api-key': '' })).status).toBe(401);
    expect((await post('[]', { 'x-api-key': 'guess' })).status).toBe(401);
    expect((await post('[]', { 'x-api-key': '', authorization: `ApiKey ${KEY_A}x` })).status).toBe(401);
    const ok = await post(JSON.stringify(entities('s-auth', 0, 1)), { 'x-api-key': '', authorization: `ApiKey ${KEY_B}` });
    expect(ok.status).toBe(200);
    expect((await answerOf(ok)).network).toBe('network-b');
  });

  it('answers 405, 413 and 415 to a wrong method, an oversized payload and a wrong content type', async () => {
    expect((await post('', {}, 'GET')).status).toBe(405);
    const big = await post('x'.repeat(MAX_PUSH_BYTES + 10));
    expect(big.status).toBe(413);
    const text = await post('[]', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect((await answerOf(text)).error).toContain('application/ld+json');
  });

  it('tells the sender how many records were accepted and why the others were rejected', async () => {
    const batch = [...entities('s-mixed', 100, 3), { ...entities('s-mixed', 103, 1)[0], LAeq: 190 }, { type: 'NoiseLevelObserved' }];
    const r = await post(JSON.stringify(batch), { 'content-type': 'application/ld+json; charset=utf-8' });
    expect(r.status).toBe(200);
    const body = await answerOf(r);
    expect(body).toMatchObject({ records: 5, accepted: 3, rejected: 2 });
    expect(body.rejections.map((x) => x.record).sort()).toEqual(['3', '4']);
    expect(body.rejections.find((x) => x.record === '3')?.field).toBe('laeq');
  });

  it('answers 400 to a payload that is not JSON, and keeps it in raw/ and the quarantine', async () => {
    const r = await post('{"type": "NoiseLevelObserved", ');
    expect(r.status).toBe(400);
    const body = await answerOf(r);
    expect(body.raw_key).toMatch(/^raw\/noise-fiware\//);
    expect((await lake.store.get(body.raw_key)).toString()).toBe('{"type": "NoiseLevelObserved", ');
  });

  it('answers 422 when no record of a batch was accepted', async () => {
    const r = await post(JSON.stringify(entities('s-bad', 200, 2, 200)));
    expect(r.status).toBe(422);
    expect((await answerOf(r)).accepted).toBe(0);
  });

  it('under a bounded load of concurrent pushes, loses and duplicates nothing', async () => {
    const requests = 240;
    const perRequest = 20;
    const concurrency = 12;
    const deadline = Date.now() + 60_000;
    let next = 0;
    let accepted = 0;
    const statuses: number[] = [];
    const worker = async () => {
      while (next < requests && Date.now() < deadline) {
        const i = next++;
        const r = await post(JSON.stringify(entities(`load-${i % 10}`, 1000 + i * perRequest, perRequest)));
        statuses.push(r.status);
        accepted += (await answerOf(r)).accepted;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    expect(statuses).toHaveLength(requests);
    expect(statuses.filter((s) => s !== 200), lake.logs.join('\n')).toEqual([]);
    expect(accepted).toBe(requests * perRequest);
    await lake.lake.attach(DATASETS);
    const n = await lake.lake.all("SELECT count(*)::INT AS n, count(DISTINCT (sensor_id, ts_from))::INT AS distinct_n FROM noise_readings WHERE sensor_id LIKE 'load-%'");
    expect(n.rows[0]).toEqual({ n: requests * perRequest, distinct_n: requests * perRequest });
  });
});
