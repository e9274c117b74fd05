import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { STAGES } from '../../functions/lib/stages/registry.ts';
import { startFakeSources } from '../../functions/local/fake-sources.ts';
import { functionArtifacts, type FunctionArtifact } from '../../infra/artifacts.ts';
import { REPO_ROOT } from '../../infra/catalog.ts';
import { invokeBundle } from './invoke.ts';
import { defined } from './support.ts';

// `npx cdk synth` as an operator runs it (the CLI, cdk.json, offline), then every function BUNDLE it
// produced, run locally against a filesystem lake, in the order the pipeline runs them.

const STACKS = ['Storage', 'Catalog', 'Site', 'Pipeline'].map((s) => `Observatory-dev-${s}`);
const KEY = 'local-network-key-0123456789';
const OPTIONAL_REQUIRES = ['@aws-sdk/signature-v4-crt', 'encoding'];

function fiwareReadings(sensor: string, from: Date, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `urn:ngsi-ld:NoiseLevelObserved:${sensor}-${i}`,
    type: 'NoiseLevelObserved',
    refDevice: sensor,
    dateObservedFrom: new Date(from.getTime() + i * 3_600_000).toISOString(),
    dateObservedTo: new Date(from.getTime() + (i + 1) * 3_600_000).toISOString(),
    location: { type: 'Point', coordinates: [2.3522, 48.8566] },
    LAeq: 50 + (i % 10),
  }));
}

/** a Météo-France daily file (the real header), gzip: one line per day of one station */
function weatherFile(days: readonly string[], station = '75114001'): Buffer {
  const header = readFileSync(path.join(REPO_ROOT, 'tests/fixtures/heat/meteofrance-Q_RR-T-Vent-header.csv'), 'utf8').trim();
  const values = (day: string): Record<string, string> => ({ NUM_POSTE: station, NOM_USUEL: 'STATION', AAAAMMJJ: day, TN: '18.0', QTN: '1', TX: '30.0', QTX: '1' });
  const lines = days.map((d) => header.split(';').map((c) => values(d)[c] ?? '').join(';'));
  return gzipSync([header, ...lines].join('\n') + '\n');
}

// set up once for every describe of this file
let outdir: string;
let synth: ReturnType<typeof spawnSync>;
let fns: Map<string, FunctionArtifact>;
let lakeDir: string;
let lake: FsObjectStore;
let env: Record<string, string>;

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'observatory-cdk-out-'));
  // without the CloudFormation validation (~10 s of CPU): the same templates are validated in nag.test.ts
  synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--no-validation', '-c', 'env=dev', '-o', outdir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    // bundling 16 functions and the site: 4.5 minutes measured on a 2-core machine under load 18
    timeout: 600_000,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CI: 'true' },
  });
  if (synth.status !== 0) return;
  fns = new Map(functionArtifacts(outdir, 'Observatory-dev-Pipeline.template.json').map((f) => [f.name, f]));
  lakeDir = mkdtempSync(path.join(os.tmpdir(), 'observatory-bundle-lake-'));
  lake = new FsObjectStore(lakeDir);
  env = { LAKE_STORE: pathToFileURL(lakeDir).href };
}, 600_000);

/** the bundle synthesized for a function, or a failure naming the one missing */
const bundle = (name: string): FunctionArtifact => defined(fns.get(name), `a bundle for the function ${name}`);

afterAll(() => {
  for (const dir of [outdir, lakeDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cdk synth (CLI): the templates, the layer and the function bundles', () => {
  it('exits 0 and writes the four templates, the layer and a bundle per function', () => {
    expect(synth.status, String(synth.stderr)).toBe(0);
    for (const s of STACKS) expect(existsSync(path.join(outdir, `${s}.template.json`)), s).toBe(true);
    expect([...fns.keys()].sort()).toEqual([...STAGES.map((s) => s.name), 'ingest-file', 'ingest-push'].sort());
    for (const f of fns.values()) {
      expect(existsSync(path.join(f.dir, 'index.js')), f.name).toBe(true);
      expect(f.layers).toHaveLength(1);
      expect(existsSync(path.join(defined(f.layers[0], `${f.name}'s layer`), 'nodejs', 'node_modules', '@duckdb', 'node-bindings-linux-x64', 'duckdb.node'))).toBe(true);
    }
  });

  it('ships the TF.js wasm binaries with the stages that run the models, and points them there', () => {
    const modelStages = STAGES.filter((s) => [...s.inputs.map((i) => i.dataset), ...s.outputs].includes('models')).map((s) => s.name);
    expect(modelStages.sort()).toEqual(['predict', 'train-models']);
    const template = JSON.parse(readFileSync(path.join(outdir, 'Observatory-dev-Pipeline.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: { Environment?: { Variables?: Record<string, unknown> }; Description?: string } }> };
    for (const name of modelStages) {
      const f = bundle(name);
      expect(existsSync(path.join(f.dir, 'tfjs-wasm', 'tfjs-backend-wasm-simd.wasm')), name).toBe(true);
      const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Description?.startsWith(`Stage ${name}:`));
      expect(fn?.Properties?.Environment?.Variables?.OBSERVATORY_TF_WASM_DIR, name).toBe('/var/task/tfjs-wasm/');
    }
  });

  it('bundles everything but DuckDB, which comes from the layer', () => {
    for (const f of fns.values()) {
      const code = readFileSync(path.join(f.dir, 'index.js'), 'utf8');
      const external = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => defined(m[1], 'a required module name')).filter((m) => !m.startsWith('node:') && !builtinModules.includes(m));
      // optional requires inside try/catch: the SDK's CRT signer, node-fetch's legacy encodings
      expect([...new Set(external)].filter((m) => !OPTIONAL_REQUIRES.includes(m)).sort(), f.name).toEqual(['@duckdb/node-api']);
    }
  });
});

describe('function bundles: the ingest handlers, run locally', () => {
  it('ingest-push: takes a FIWARE batch from a network key, ingest-file curates it from the queue; refuses an unknown key', async () => {
    const fn = bundle('ingest-push');
    const readings = fiwareReadings('bundle-sensor-1', new Date(Date.now() - 2 * 86_400_000), 24);
    const event = (apiKeyId: string) => ({
      httpMethod: 'POST',
      path: '/api/v1/noise',
      headers: { 'Content-Type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify(readings),
      isBase64Encoded: false,
      requestContext: { requestId: 'bundle-request-1', identity: { apiKeyId } },
    });
    const ok = await invokeBundle(fn, event('key-id-1'), { ...env, PUSH_NETWORKS: JSON.stringify({ 'key-id-1': 'demo-network' }) });
    expect(ok.status, ok.stderr).toBe(0);
    const response = ok.result as { statusCode: number; body: string };
    expect(response.statusCode, response.body).toBe(200);
    const body = JSON.parse(response.body) as { raw_key: string };
    expect(body).toMatchObject({ network: 'demo-network', accepted: 24, rejected: 0 });
    expect(ok.stdout).toContain('"ReadingsAccepted":24');
    // the raw file's creation event, through the pushed-raw queue, to ingest-file: the curation
    const created = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'raw' }, object: { key: body.raw_key } } };
    const curated = await invokeBundle(bundle('ingest-file'), { Records: [{ messageId: 'p-1', eventSource: 'aws:sqs', body: JSON.stringify(created) }] }, env);
    expect(curated.status, curated.stderr).toBe(0);
    expect(curated.result).toEqual({ batchItemFailures: [] });
    expect(curated.stdout).toContain('"ReadingsCurated":24');

    const refused = await invokeBundle(fn, event('someone-else'), { ...env, PUSH_NETWORKS: JSON.stringify({ 'key-id-1': 'demo-network' }) });
    expect((refused.result as { statusCode: number }).statusCode).toBe(401);
  });

  it('ingest-push: fails on a missing environment variable, naming it', async () => {
    const run = await invokeBundle(bundle('ingest-push'), { httpMethod: 'POST', body: '[]' }, env);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('environment variable PUSH_NETWORKS is required but is not set');
  });

  it('ingest-file: ingests a CSV series dropped under incoming/, from an SQS batch of S3 events', async () => {
    const key = 'incoming/noise-csv/bundle-csv-sensor/day.csv';
    const csv = gunzipSync(readFileSync(path.join(REPO_ROOT, 'tests/fixtures/series/laeq-1min-11-days.csv.gz'))).toString('utf8').split('\n').slice(0, 1441).join('\n');
    await lake.put(key, csv, { contentType: 'text/csv', metadata: { lon: '2.2945', lat: '48.8584', tz: 'Europe/Paris' } });
    const message = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'raw' }, object: { key } } };
    const run = await invokeBundle(bundle('ingest-file'), { Records: [{ messageId: 'm-1', eventSource: 'aws:sqs', body: JSON.stringify(message) }] }, env);
    expect(run.status, run.stderr).toBe(0);
    expect(run.result).toEqual({ batchItemFailures: [] });
    expect(run.stdout).toContain('"FilesIngested":1');
    expect((await listKeys(lake, 'raw/noise-csv/')).length).toBe(1);
  });

  it('ingest-file: ingests a Météo-France .csv.gz dropped under incoming/meteofrance/ into weather_daily', async () => {
    const key = 'incoming/meteofrance/Q_75_latest-2025-2026_RR-T-Vent.csv.gz';
    await lake.put(key, weatherFile(['20260720', '20260721', '20260722']), { contentType: 'application/gzip' });
    const message = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'raw' }, object: { key } } };
    const run = await invokeBundle(bundle('ingest-file'), { Records: [{ messageId: 'm-2', eventSource: 'aws:sqs', body: JSON.stringify(message) }] }, env);
    expect(run.status, run.stderr).toBe(0);
    expect(run.result).toEqual({ batchItemFailures: [] });
    expect(run.stdout).toContain('"ClimateRecordsCurated":3');
    expect((await listKeys(lake, 'raw/meteofrance/')).map((o) => o.key)).toEqual([expect.stringMatching(/\.csv\.gz$/)]);
    // weather_daily is partitioned by year: the three days are one file of 2026
    expect((await listKeys(lake, 'curated/weather_daily/')).map((o) => o.key.split('/')[2])).toEqual(['dt=2026']);
  });
});

describe('function bundles: every stage, in the order of the pipeline', () => {
  // a process per stage, one after the other: ~45 s under load 10
  it('runs every stage bundle (the one stage handler, named by OBSERVATORY_STAGE), in the order of the registry, the pollers against the fake sources, and publishes the site', { timeout: 300_000 }, async () => {
    const hubeau = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tests/fixtures/flood/observations_tr_K447001001_H.json'), 'utf8')) as { data: object[] };
    const bulletin = { DtHrInfoVigiCru: new Date().toISOString(), ListEntVigiCru: [{ CdEntVigiCru: 'IF5', NivInfoVigiCru: 1 }] };
    const fake = await startFakeSources({
      hubeau: { observations: hubeau.data },
      vigicrues: { bulletins: [{ at: new Date(0), body: JSON.stringify(bulletin) }] },
      meteofrance: { files: [{ name: 'Q_92_latest-2025-2026_RR-T-Vent.csv.gz', bytes: weatherFile(['20260801', '20260802'], '92048001') }] },
    });
    try {
      const sources = { OBSERVATORY_HUBEAU_URL: fake.url, OBSERVATORY_VIGICRUES_URL: fake.url, OBSERVATORY_METEOFRANCE_URL: fake.url };
      for (const stage of STAGES) {
        const run = await invokeBundle(bundle(stage.name), { stage: stage.name, execution: 'local', input: { trigger: 'test' } }, { ...env, ...sources, OBSERVATORY_STAGE: stage.name });
        expect(run.status, `${stage.name}: ${run.stderr.slice(-3000)}`).toBe(0);
        expect(run.result, stage.name).toMatchObject({ stage: stage.name });
      }
    } finally {
      await fake.close();
    }
    expect((await lake.head('site/index.html'))?.size).toBeGreaterThan(1000);
    const site = JSON.parse((await lake.get('site/data/site.json')).toString()) as { sections: { id: string }[] };
    expect(site.sections.map((s) => s.id)).toEqual(expect.arrayContaining(['noise', 'flood']));
    expect((await listKeys(lake, 'site/assets/')).length).toBeGreaterThan(0);
    expect((await listKeys(lake, 'curated/noise_indicators_daily/')).length).toBeGreaterThan(0);
    // the pollers reached the (fake) sources and kept what they received
    expect((await listKeys(lake, 'raw/hubeau/')).length).toBeGreaterThan(0);
    expect((await listKeys(lake, 'curated/flood_vigilance/')).length).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.path.endsWith('/Q_92_latest-2025-2026_RR-T-Vent.csv.gz')).map((r) => r.status)).toEqual([200]);
    expect((await listKeys(lake, 'curated/weather_daily/dt=2026/')).length).toBe(1); // by year
  });
});
