import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as authorizer, UNAUTHORIZED } from '../../functions/handlers/ingest-push/authorizer.ts';
import { handler as pushHandler } from '../../functions/handlers/ingest-push/handler.ts';
import { keyHash } from '../../functions/lib/push/networks.ts';
import { MAX_PUSH_BYTES, PUSH_ERRORS } from '../../functions/lib/push/service.ts';
import { PUSH_PATH, serveSite, type RunningServer } from '../../functions/local/site-server.ts';
import { pushGatewayResponses } from '../../infra/constructs/ingest-api.ts';
import { tempLake } from '../support/lake.ts';

// One contract, two deployments: every request below goes to the local server (node:http) and to the
// AWS path (API Gateway as the template defines it — mock 405, the Lambda authorizer, usage-plan key
// matching, gateway responses; tests/infra/push-api.test.ts holds the template to these — then the
// Lambda handler fed a REST proxy event). Both must answer the same status and the same body.

const KEY_A = 'network-a-contract-key-0123456789';
const KEY_B = 'network-b-contract-key-9876543210';
/** API Gateway's own cap on a REST request */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

interface Request {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

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

const json = { 'content-type': 'application/json' };
const post = (body: string, headers: Record<string, string> = { ...json, 'x-api-key': KEY_A }): Request => ({ method: 'POST', headers, body });

/** the cases, in order (the replay case follows the batch it repeats), with the status expected of both */
const CASES: [string, number, Request][] = [
  ['GET', 405, { method: 'GET', headers: {}, body: '' }],
  ['PUT with a valid key', 405, { method: 'PUT', headers: { ...json, 'x-api-key': KEY_A }, body: '[]' }],
  ['DELETE without a key', 405, { method: 'DELETE', headers: {}, body: '' }],
  ['no key', 401, post('[]', json)],
  ['an unknown key in x-api-key', 401, post('[]', { ...json, 'x-api-key': 'guess' })],
  ['an unknown key in Authorization', 401, post('[]', { ...json, authorization: `ApiKey ${KEY_A}x` })],
  ['an Authorization scheme that is not ApiKey or Bearer', 401, post('[]', { ...json, authorization: `Basic ${KEY_A}` })],
  ['network B’s key in Authorization: ApiKey', 200, post(JSON.stringify(entities('c-auth', 0, 2)), { ...json, authorization: `ApiKey ${KEY_B}` })],
  ['network A’s key in Authorization: Bearer', 200, post(JSON.stringify(entities('c-bearer', 0, 1)), { ...json, Authorization: `Bearer ${KEY_A}` })],
  ['a wrong content type', 415, post('[]', { 'content-type': 'text/plain', 'x-api-key': KEY_A })],
  ['no content type', 415, post('[]', { 'x-api-key': KEY_A })],
  ['a payload over MAX_PUSH_BYTES', 413, post('x'.repeat(MAX_PUSH_BYTES + 10))],
  ['an empty body', 400, post('')],
  ['a body that is not JSON', 400, post('{"type": "NoiseLevelObserved", ')],
  ['a JSON body that is no FIWARE entity', 400, post('"just a string"')],
  ['a mixed batch', 200, post(JSON.stringify([...entities('c-mixed', 100, 3), { ...entities('c-mixed', 103, 1)[0], LAeq: 190 }, { type: 'NoiseLevelObserved' }]), { 'content-type': 'application/ld+json; charset=utf-8', 'x-api-key': KEY_A })],
  ['the same mixed batch again (a replay)', 200, post(JSON.stringify([...entities('c-mixed', 100, 3), { ...entities('c-mixed', 103, 1)[0], LAeq: 190 }, { type: 'NoiseLevelObserved' }]), { 'content-type': 'application/ld+json; charset=utf-8', 'x-api-key': KEY_A })],
  ['a batch with no valid record', 422, post(JSON.stringify(entities('c-bad', 200, 2, 200)))],
];

/** API Gateway in front of the Lambda handler, as infra/constructs/ingest-api.ts defines it */
function apiGateway(usagePlanKeys: ReadonlyMap<string, string>) {
  const gateway = (type: string): Answer => {
    const r = pushGatewayResponses().find((x) => x.type.responseType === type)!;
    return { status: r.status, body: { error: r.error } };
  };
  let requests = 0;
  return async (req: Request): Promise<Answer> => {
    // the ANY method's mock integration
    if (req.method !== 'POST') return { status: 405, body: { error: PUSH_ERRORS.method } };
    let key: string;
    try {
      key = (await authorizer({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-3:123456789012:api/dev/POST/api/v1/noise', headers: req.headers })).usageIdentifierKey;
    } catch (e) {
      return gateway((e as Error).message === UNAUTHORIZED ? 'UNAUTHORIZED' : 'AUTHORIZER_FAILURE');
    }
    const apiKeyId = usagePlanKeys.get(key);
    if (!apiKeyId) return gateway('INVALID_API_KEY');
    if (Buffer.byteLength(req.body) > API_GATEWAY_MAX_BYTES) return gateway('REQUEST_TOO_LARGE');
    const result = await pushHandler({
      resource: PUSH_PATH,
      path: PUSH_PATH,
      httpMethod: req.method,
      headers: req.headers,
      body: req.body === '' ? null : req.body,
      isBase64Encoded: false,
      requestContext: { requestId: `apigw-${++requests}`, identity: { apiKeyId } },
    } as Parameters<typeof pushHandler>[0]);
    return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
  };
}

describe('the push contract: local server and API Gateway + Lambda answer alike', () => {
  let local: Awaited<ReturnType<typeof tempLake>>;
  let server: RunningServer;
  let awsLake: string;
  let viaAws: (r: Request) => Promise<Answer>;
  const saved = { ...process.env };

  beforeAll(async () => {
    local = await tempLake({ now: new Date() });
    server = await serveSite(local.store, {
      port: 0,
      push: { ctx: local, networks: [{ network: 'network-a', key_sha256: keyHash(KEY_A) }, { network: 'network-b', key_sha256: keyHash(KEY_B) }] },
    });
    awsLake = await mkdtemp(path.join(os.tmpdir(), 'observatory-push-aws-'));
    // the function's environment as infra/ writes it: key id → network (PUSH_NETWORKS), the lake
    Object.assign(process.env, {
      LAKE_STORE: pathToFileURL(awsLake).href,
      PUSH_NETWORKS: JSON.stringify({ 'key-id-a': 'network-a', 'key-id-b': 'network-b' }),
      METRICS_NAMESPACE: 'observatory/test',
      AWS_REGION: 'eu-west-3',
    });
    viaAws = apiGateway(new Map([[KEY_A, 'key-id-a'], [KEY_B, 'key-id-b']]));
  });
  afterAll(async () => {
    process.env = saved;
    await server?.close();
    await local?.cleanup();
    await rm(awsLake, { recursive: true, force: true });
  });

  // a Buffer body: fetch adds no content type of its own (a string body would be sent as text/plain)
  const viaLocal = async (req: Request): Promise<Answer> => {
    const url = server.url.replace(/\/$/, '') + PUSH_PATH;
    const r = await fetch(url, { method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.from(req.body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  const answers: { name: string; local: Answer; aws: Answer }[] = [];

  it.each(CASES)('%s: both answer %i, with the same body', async (name, status, req) => {
    const [l, a] = [await viaLocal(req), await viaAws(req)];
    answers.push({ name, local: l, aws: a });
    expect(l.status, 'local server').toBe(status);
    expect(a.status, 'API Gateway + Lambda').toBe(status);
    expect(a.body).toEqual(l.body);
  });

  it('said what each refusal means, and counted records the same way', () => {
    const by = (name: string) => answers.find((x) => x.name === name)!.aws.body;
    expect(by('GET').error).toBe('use POST');
    expect(by('no key').error).toMatch(/x-api-key.*Authorization: ApiKey/);
    expect(by('a mixed batch')).toMatchObject({ network: 'network-a', records: 5, accepted: 3, rejected: 2, replay: false });
    expect(by('the same mixed batch again (a replay)')).toMatchObject({ replay: true });
    expect(by('network B’s key in Authorization: ApiKey')).toMatchObject({ network: 'network-b', accepted: 2 });
    expect(by('a batch with no valid record')).toMatchObject({ accepted: 0, error: 'no record was accepted' });
  });

  it('kept the bytes of the body that is not JSON in raw/ on both sides', async () => {
    const key = answers.find((x) => x.name === 'a body that is not JSON')!.aws.body.raw_key as string;
    expect(key).toMatch(/^raw\/noise-fiware\//);
    expect((await local.store.get(key)).toString()).toBe('{"type": "NoiseLevelObserved", ');
    expect(await readFile(path.join(awsLake, key), 'utf8')).toBe('{"type": "NoiseLevelObserved", ');
  });
});
