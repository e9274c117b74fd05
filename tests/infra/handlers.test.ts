import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/lib/adapters/fs-store.ts';
import { EnvError, envSchemas, optionalEnv, requiredEnv } from '../../functions/lib/env.ts';
import { listKeys } from '../../functions/lib/ports/object-store.ts';
import { STAGES } from '../../functions/lib/stages/registry.ts';
import { bucketOfKey } from '../../functions/handlers/shared/buckets.ts';
import { RoutedObjectStore } from '../../functions/handlers/shared/routed-store.ts';
import { apiKeyIdOf, proxyResult, pushRequestFromEvent } from '../../functions/handlers/ingest-push/push-request.ts';
import { IncomingFileError, incomingFileInput, incomingKeysFromEvent, isClimateFileInput, isSqsBatch } from '../../functions/handlers/ingest-file/file-request.ts';
import { HANDLERS_DIR } from '../../infra/bundling.ts';
import { areaPrefix, bucketGrants, climateIngestWrites, compactPrefixes, ingestAccess, pushAccess, stageAccess, type LakeAccess } from '../../infra/lake-access.ts';
import { defined, twiceTheDatasets } from './support.ts';
import { DATASETS } from '../../functions/lib/datasets/index.ts';

describe('requiredEnv()', () => {
  it('returns a set variable, parsed', () => {
    expect(requiredEnv('X', z.string(), { X: 'a' })).toBe('a');
    expect(requiredEnv('N', envSchemas.positiveInt, { N: '42' })).toBe(42);
    expect(requiredEnv('M', envSchemas.jsonStringMap, { M: '{"k1":"net"}' })).toEqual({ k1: 'net' });
  });

  it('fails naming the variable when it is missing or empty', () => {
    expect(() => requiredEnv('LAKE_BUCKET', z.string(), {})).toThrow(new EnvError('LAKE_BUCKET', 'environment variable LAKE_BUCKET is required but is not set'));
    expect(() => requiredEnv('LAKE_BUCKET', z.string(), { LAKE_BUCKET: '  ' })).toThrow('LAKE_BUCKET is required');
  });

  it('fails naming the variable, what was expected and what was found, when it does not parse', () => {
    expect(() => requiredEnv('RAW_BUCKET', envSchemas.bucketName, { RAW_BUCKET: 'Not_A_Bucket' })).toThrow(
      'environment variable RAW_BUCKET: expected an S3 bucket name (found "Not_A_Bucket")',
    );
    expect(() => requiredEnv('PUSH_NETWORKS', envSchemas.jsonStringMap, { PUSH_NETWORKS: '{oops' })).toThrow('PUSH_NETWORKS: expected JSON');
  });

  it('optionalEnv() falls back only when the variable is absent', () => {
    expect(optionalEnv('LAKE_STORE', envSchemas.lakeStore, 's3', {})).toBe('s3');
    expect(optionalEnv('LAKE_STORE', envSchemas.lakeStore, 's3', { LAKE_STORE: 'file:///tmp/lake' })).toBe('file:///tmp/lake');
    expect(() => optionalEnv('LAKE_STORE', envSchemas.lakeStore, 's3', { LAKE_STORE: 'lake' })).toThrow('LAKE_STORE: expected file:///<absolute path> or s3');
  });
});

describe('pushRequestFromEvent()', () => {
  const event = {
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'secret-key' },
    body: '[{"id":"a"}]',
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', identity: { apiKeyId: 'key-id-1' } },
  };

  it('turns an API Gateway proxy event into the push service’s request, headers in lower case', () => {
    const r = pushRequestFromEvent(event);
    expect(r).toMatchObject({ method: 'POST', requestId: 'req-1', headers: { 'content-type': 'application/json', 'x-api-key': 'secret-key' } });
    expect(Buffer.from(r.body).toString()).toBe('[{"id":"a"}]');
    expect(apiKeyIdOf(event)).toBe('key-id-1');
  });

  it('decodes base64 bodies and reads function-URL (payload 2.0) methods', () => {
    const r = pushRequestFromEvent({ body: Buffer.from('{"x":1}').toString('base64'), isBase64Encoded: true, requestContext: { http: { method: 'put' } } });
    expect(Buffer.from(r.body).toString()).toBe('{"x":1}');
    expect(r.method).toBe('PUT');
    expect(r.requestId).toBe('unknown-request');
  });

  it('reads an empty or missing body as no bytes', () => {
    expect(pushRequestFromEvent({ body: null }).body).toHaveLength(0);
    expect(apiKeyIdOf({})).toBeUndefined();
  });

  it('answers in the proxy shape, never cached', () => {
    expect(proxyResult({ status: 413, body: { error: 'too big' } })).toEqual({
      statusCode: 413,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"error":"too big"}',
    });
  });
});

describe('incoming files', () => {
  const eventBridge = (key: string) => ({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'raw' }, object: { key } } });

  it('reads the keys of EventBridge events, S3 notifications (URL-encoded) and {keys}', () => {
    expect(incomingKeysFromEvent(eventBridge('incoming/noise-fiware/a.json'))).toEqual([['incoming/noise-fiware/a.json']]);
    expect(incomingKeysFromEvent({ Records: [{ eventSource: 'aws:s3', s3: { object: { key: 'incoming/noise-csv/s%C3%A9/my+file.csv' } } }] })).toEqual([
      ['incoming/noise-csv/s%C3%A9/my+file.csv', 'incoming/noise-csv/sé/my file.csv'],
    ]);
    expect(incomingKeysFromEvent({ keys: ['incoming/noise-fiware/b.json'] })).toEqual([['incoming/noise-fiware/b.json']]);
    expect(() => incomingKeysFromEvent({ hello: 1 })).toThrow('unrecognised event (keys: hello)');
  });

  it('recognises SQS batches', () => {
    expect(isSqsBatch({ Records: [{ eventSource: 'aws:sqs', messageId: 'm', body: '{}' }] })).toBe(true);
    expect(isSqsBatch({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
    expect(isSqsBatch(eventBridge('x'))).toBe(false);
  });

  it('makes a FIWARE file an ingest input named after its key', () => {
    expect(incomingFileInput('incoming/noise-fiware/2025/batch.json')).toEqual({ sourceKind: 'noise-fiware', origin: 'incoming/noise-fiware/2025/batch.json' });
  });

  it('takes a CSV series’ sensor from the key and its location, zone and interval from the object metadata', () => {
    expect(incomingFileInput('incoming/noise-csv/sensor-12/day.csv', { lon: '2.35', lat: '48.85', tz: 'Europe/Paris', 'interval-seconds': '60' })).toEqual({
      sourceKind: 'noise-csv',
      origin: 'incoming/noise-csv/sensor-12/day.csv',
      csv: { sensorId: 'sensor-12', lon: 2.35, lat: 48.85, tz: 'Europe/Paris', intervalSeconds: 60 },
    });
  });

  it('makes a flood or heat source’s file (meteofrance, hubeau, vigicrues) a climate ingest input named after its key', () => {
    const meteofrance = incomingFileInput('incoming/meteofrance/Q_75_latest-2025-2026_RR-T-Vent.csv.gz');
    expect(meteofrance).toEqual({ sourceKind: 'meteofrance', origin: 'incoming/meteofrance/Q_75_latest-2025-2026_RR-T-Vent.csv.gz' });
    expect(isClimateFileInput(meteofrance)).toBe(true);
    expect(incomingFileInput('incoming/hubeau/2026/obs.json')).toEqual({ sourceKind: 'hubeau', origin: 'incoming/hubeau/2026/obs.json' });
    expect(incomingFileInput('incoming/vigicrues/InfoVigiCru.geojson')).toEqual({ sourceKind: 'vigicrues', origin: 'incoming/vigicrues/InfoVigiCru.geojson' });
    expect(isClimateFileInput(incomingFileInput('incoming/noise-fiware/a.json'))).toBe(false);
  });

  it('refuses misplaced files with the reason', () => {
    expect(() => incomingFileInput('incoming/weather/x.json')).toThrow(IncomingFileError);
    expect(() => incomingFileInput('incoming/weather/x.json')).toThrow('unknown source kind "weather": expected one of noise-fiware, noise-csv, hubeau, vigicrues, meteofrance');
    expect(() => incomingFileInput('incoming/meteofrance')).toThrow('expected incoming/<source kind>/<file>');
    expect(() => incomingFileInput('incoming/noise-csv/day.csv')).toThrow('incoming/noise-csv/<sensor id>/<file>.csv');
    expect(() => incomingFileInput('incoming/noise-csv/s/day.csv', { lat: '123' })).toThrow('metadata lat');
  });
});

describe('the lake over several buckets', () => {
  it('routes raw/ and incoming/ to the raw bucket, site/ to the site bucket root, the rest to the lake', () => {
    expect(bucketOfKey('raw/noise-fiware/ab/abc.json')).toEqual({ bucket: 'raw', key: 'raw/noise-fiware/ab/abc.json' });
    expect(bucketOfKey('incoming/noise-csv/s/x.csv')).toEqual({ bucket: 'raw', key: 'incoming/noise-csv/s/x.csv' });
    expect(bucketOfKey('site/data/summary.json')).toEqual({ bucket: 'site', key: 'data/summary.json' });
    expect(bucketOfKey('curated/sensors/sensors.parquet')).toEqual({ bucket: 'lake', key: 'curated/sensors/sensors.parquet' });
    expect(bucketOfKey('lake.json')).toEqual({ bucket: 'lake', key: 'lake.json' });
  });

  it('reads and writes each key in its store, and lists with the stages’ keys', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'observatory-routed-'));
    const raw = new FsObjectStore(path.join(dir, 'raw'));
    const site = new FsObjectStore(path.join(dir, 'site'));
    const lake = new FsObjectStore(path.join(dir, 'lake'));
    const store = new RoutedObjectStore(
      [
        { prefix: 'raw/', targetPrefix: 'raw/', store: () => raw },
        { prefix: 'site/', targetPrefix: '', store: () => site },
      ],
      () => lake,
    );
    await store.put('site/data/summary.json', '{}');
    await store.put('raw/k/a.json', 'bytes');
    expect((await store.putIfAbsent('raw/k/a.json', 'other')).created).toBe(false);
    await store.put('curated/x/a.parquet', 'p');
    expect(existsSync(path.join(dir, 'site', 'data', 'summary.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'raw', 'raw', 'k', 'a.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'lake', 'curated', 'x', 'a.parquet'))).toBe(true);
    expect((await listKeys(store, 'site/data/')).map((o) => o.key)).toEqual(['site/data/summary.json']);
    expect((await store.head('site/data/summary.json'))?.key).toBe('site/data/summary.json');
    expect((await store.get('raw/k/a.json')).toString()).toBe('bytes');
    await expect(store.list('')).rejects.toThrow('would span several buckets');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('lake access derived from the stage list and the declarations', () => {
  it('maps inputs and outputs to prefixes, and refuses a name that is neither a dataset nor an area', () => {
    expect(areaPrefix('noise_readings')).toBe('curated/noise_readings/');
    expect(areaPrefix('site')).toBe('site/');
    expect(areaPrefix('staging/sensor-sightings')).toBe('staging/sensor-sightings/');
    expect(() => areaPrefix('noise_reading')).toThrow('"noise_reading" is neither a declared dataset');
  });

  it('gives each stage its inputs to read, its outputs and state file to write', () => {
    const s = stageAccess(defined(STAGES.find((x) => x.name === 'noise-indicators'), 'the noise-indicators stage'));
    expect(s.writes).toEqual([
      'curated/noise_indicators_hourly/',
      'curated/noise_indicators_daily/',
      'curated/noise_indicators_commune_daily/',
      'curated/noise_indicators_arrondissement_daily/',
      'curated/noise_quality_daily/',
      'curated/noise_indicators_monthly/',
      'curated/noise_indicators_yearly/',
      'changes/noise_indicators_hourly/',
      'changes/noise_indicators_daily/',
      'changes/noise_indicators_commune_daily/',
      'changes/noise_indicators_arrondissement_daily/',
      'changes/noise_quality_daily/',
      'changes/noise_indicators_monthly/',
      'changes/noise_indicators_yearly/',
      'state/noise-indicators.json',
    ]);
    // the readings and their change log (it reads what changed), the sensors, the stored daily and
    // monthly rows of the months and years it rebuilds, and the stored night floors of the drift check
    // (windows of what changed: their change logs too)
    expect(s.reads).toEqual([
      'curated/noise_readings/',
      'curated/sensors/',
      'curated/noise_indicators_daily/',
      'curated/noise_indicators_monthly/',
      'curated/noise_quality_daily/',
      'changes/noise_readings/',
      'changes/noise_indicators_daily/',
      'changes/noise_indicators_monthly/',
      'changes/noise_quality_daily/',
      'lake.json',
      'state/noise-indicators.json',
    ]);
  });

  it('lets the file ingest write what the poller of each climate source writes, and the push ingest none of it', () => {
    expect(climateIngestWrites().sort()).toEqual(
      [
        'raw/hubeau/',
        'raw/hubeau-daily/',
        'raw/vigicrues/',
        'raw/meteofrance/',
        'raw/meteofrance-forecast/',
        'curated/river_observations/',
        'curated/river_stations/',
        'curated/river_daily/',
        'curated/flood_vigilance/',
        'curated/weather_daily/',
        'curated/weather_forecasts/',
        'quarantine/',
      ].sort(),
    );
    expect(ingestAccess({ incoming: true }).writes).toEqual(
      expect.arrayContaining(['raw/', 'curated/noise_readings/', 'curated/weather_daily/', 'curated/river_observations/', 'curated/river_stations/', 'curated/flood_vigilance/']),
    );
    // raw/ covers raw/meteofrance/ and the others: one grant
    expect(ingestAccess({ incoming: true }).writes.filter((w) => w.startsWith('raw/'))).toEqual(['raw/']);
    expect(ingestAccess({ incoming: false }).writes).not.toContain('curated/weather_daily/');
  });
});

describe('lake access as bucket patterns', () => {
  it('turns access into per-bucket object patterns', () => {
    const grants = bucketGrants(ingestAccess({ incoming: true }));
    expect(grants.map((g) => g.bucket).sort()).toEqual(['lake', 'raw']);
    const raw = defined(grants.find((g) => g.bucket === 'raw'), 'the raw bucket grant');
    expect(raw.objects.write).toEqual(['raw/*']);
    expect(raw.objects.read.sort()).toEqual(['incoming/*', 'raw/*']);
    expect(bucketGrants(stageAccess(defined(STAGES.find((x) => x.name === 'publish-site'), 'the publish-site stage'))).find((g) => g.bucket === 'site')?.objects.write).toEqual(['*']);
  });

  it('writes each family of dataset prefixes granted whole once: river_* for the three river datasets, noise_indicators_* for the six', () => {
    // written by hand from the declarations: river_daily, river_observations, river_stations are every river_ dataset
    expect(compactPrefixes(['curated/river_daily/', 'curated/river_observations/', 'curated/river_stations/', 'lake.json'])).toEqual(['curated/river_*', 'lake.json']);
    // two of three: each stays, nothing undeclared-for is reached
    expect(compactPrefixes(['curated/river_daily/', 'curated/river_stations/'])).toEqual(['curated/river_daily/', 'curated/river_stations/']);
    // the noise_ datasets: the six indicator tables, noise_readings and noise_quality_daily — without
    // all of them the family is noise_indicators_
    const indicators = ['hourly', 'daily', 'commune_daily', 'arrondissement_daily', 'monthly', 'yearly'].map((x) => `changes/noise_indicators_${x}/`);
    expect(compactPrefixes(indicators)).toEqual(['changes/noise_indicators_*']);
    expect(compactPrefixes([...indicators, 'changes/noise_readings/'])).toEqual(['changes/noise_indicators_*', 'changes/noise_readings/']);
    expect(compactPrefixes([...indicators, 'changes/noise_readings/', 'changes/noise_quality_daily/'])).toEqual(['changes/noise_*']);
    // a top-level dataset and an area pass unchanged
    expect(compactPrefixes(['quarantine/', 'raw/', 'state/sensors.json'])).toEqual(['quarantine/', 'raw/', 'state/sensors.json']);
  });

  it('reaches exactly the declared datasets of each function’s access once compacted, today and with twice the datasets', () => {
    /** the declared dataset directories a list of patterns reaches, as IAM matches them (a trailing * is a prefix) */
    const reached = (patterns: readonly string[], dirs: readonly string[]) =>
      dirs.filter((dir) => patterns.some((p) => (p.endsWith('*') ? dir.startsWith(p.slice(0, -1)) : p.endsWith('/') ? dir.startsWith(p) : dir === p)));
    for (const { datasets, stages } of [{ datasets: DATASETS, stages: STAGES }, twiceTheDatasets()]) {
      const dirs = datasets.flatMap((d) => [`${d.prefix}/`, `changes/${d.name}/`]);
      const accesses: [string, LakeAccess][] = [
        ...stages.map((st) => [st.name, stageAccess(st, datasets)] as [string, LakeAccess]),
        ['ingest-file', ingestAccess({ incoming: true }, stages, datasets)],
        ['ingest-push', pushAccess()],
      ];
      for (const [name, access] of accesses) {
        for (const kind of ['reads', 'writes', 'deletes'] as const) {
          expect(reached(compactPrefixes(access[kind], datasets), dirs), `${name} ${kind} (${datasets.length} datasets)`).toEqual(reached(access[kind], dirs));
        }
      }
    }
  });

  it('runs every stage through the one stage handler, and has no handler folder per stage', () => {
    expect(existsSync(path.join(HANDLERS_DIR, 'stage', 'handler.ts'))).toBe(true);
    for (const s of STAGES) expect(existsSync(path.join(HANDLERS_DIR, s.name)), `functions/handlers/${s.name}/`).toBe(false);
  });
});
