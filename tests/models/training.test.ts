import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeIOHandler } from '../../functions/lib/models/io-handler.ts';
import { noiseExamples, noisePanel } from '../../functions/lib/models/noise/features.ts';
import { predictAnomalies, trainNoiseModel, type NoiseTrainingResult } from '../../functions/lib/models/noise/model.ts';
import { weightBytes } from '../../functions/lib/models/nn.ts';
import { sha256HexSync as sha256 } from '../../functions/lib/hash.ts';
import { currentKey, loadCurrent, modelPrefix, registerVersion, type ModelMetadata } from '../../functions/lib/models/registry.ts';
import { trainRiverModel } from '../../functions/lib/models/river/model.ts';
import { tfRuntime, type TfRuntime } from '../../functions/lib/models/runtime.ts';
import { tempLake } from '../support/lake.ts';
import { syntheticHourly, syntheticRiver } from './synthetic.ts';

let rt: TfRuntime;
const panel = noisePanel(syntheticHourly({ sensors: 6, days: 12 }));
const sources = new Map<string, 'road'>();
const options = { epochs: 3, seed: 42 };

async function trainOnce(): Promise<NoiseTrainingResult> {
  const r = await trainNoiseModel(rt, panel, sources, options);
  if ('skipped' in r) throw new Error(r.skipped);
  return r;
}

beforeAll(async () => {
  rt = await tfRuntime();
});

describe('deterministic training', () => {
  it('the wasm backend is the one in use, and it is recorded', () => {
    expect(rt.backend).toBe('wasm');
    expect(rt.description).toMatch(/^wasm \(tfjs 4\.\d+\.\d+, simd\)$/);
  });

  it('trainNoiseModel() twice on the same data gives the same weights and the same scores', async () => {
    const a = await trainOnce();
    const b = await trainOnce();
    try {
      expect(sha256(await weightBytes(b.model))).toBe(sha256(await weightBytes(a.model)));
      expect(b.fit.loss).toEqual(a.fit.loss);
      expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report));
      expect(JSON.stringify(b.preprocessing)).toBe(JSON.stringify(a.preprocessing));
      expect(a.report.overall.n).toBeGreaterThan(1000);
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });

  it('trainRiverModel() twice gives the same weights (early stopping included)', async () => {
    const s = syntheticRiver({ days: 900 });
    const run = async () => {
      const r = await trainRiverModel(rt, s, { target: 'DOWN', upstream: ['UP'], transform: 'log', variable: 'flow', unit: 'm³/s' }, { trainUntil: Date.parse('1992-01-01') }, { steps: 300 });
      if ('skipped' in r) throw new Error(r.skipped);
      return r;
    };
    const a = await run();
    const b = await run();
    try {
      expect(sha256(await weightBytes(b.model))).toBe(sha256(await weightBytes(a.model)));
      expect(b.fit.validationLoss).toEqual(a.fit.validationLoss);
      expect(JSON.stringify(b.report.horizons)).toBe(JSON.stringify(a.report.horizons));
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });
});

/** what train-models records beside a noise model trained here, under version v-test */
function registeredMetadata(trained: NoiseTrainingResult, weightsSha256: string): ModelMetadata {
  return {
    name: 'noise',
    version: 'v-test',
    trained_at: '2026-01-15T12:00:00.000Z',
    training_window: trained.report.train,
    evaluation_window: trained.report.test,
    data: 'lake',
    features: ['f'],
    outputs: ['o'],
    backend: rt.description,
    code_version: 'test',
    architecture: trained.architecture,
    training: { rows: trained.trainRows, epochs: 3, steps: trained.fit.steps, seconds: 0, final_loss: null },
    preprocessing: trained.preprocessing,
    beats_baseline: trained.report.beats_baseline,
    use: trained.report.use,
    best_baseline: trained.report.best_baseline,
    decisions: trained.report.decisions,
    weights_sha256: weightsSha256,
  };
}

describe('the tf.io handler over the object store', () => {
  let lake: Awaited<ReturnType<typeof tempLake>>;
  beforeAll(async () => {
    lake = await tempLake();
  });
  afterAll(async () => lake.cleanup());

  it('saves model.json and weights.bin through the store and loads a model that predicts the same', async () => {
    const trained = await trainOnce();
    try {
      await trained.model.save(storeIOHandler(lake.store, 'models/test/v1/'));
      const modelJson = JSON.parse((await lake.store.get('models/test/v1/model.json')).toString('utf8')) as { weightsManifest: unknown; modelTopology: { config: { layers: { config: { name: string } }[] } } };
      expect(modelJson.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: expect.any(Array) as unknown }]);
      expect(modelJson.modelTopology.config.layers.map((l) => l.config.name)).toEqual(['hidden1', 'output']);
      const weights = await lake.store.get('models/test/v1/weights.bin');
      expect(sha256(weights)).toBe(sha256(await weightBytes(trained.model)));

      const loaded = await rt.tf.loadLayersModel(storeIOHandler(lake.store, 'models/test/v1'));
      const x = noiseExamples(panel, { origins: [200, 250] });
      const before = await predictAnomalies(rt, trained.model, x, trained.preprocessing);
      const after = await predictAnomalies(rt, loaded, x, trained.preprocessing);
      expect(Array.from(after.data)).toEqual(Array.from(before.data));
      loaded.dispose();
    } finally {
      trained.model.dispose();
    }
  });

  it('registerVersion() writes the version then current.json; loadCurrent() reads it back', async () => {
    const trained = await trainOnce();
    const weightsSha = sha256(await weightBytes(trained.model));
    const metadata = registeredMetadata(trained, weightsSha);
    const report = { ...trained.report, model: 'noise', version: 'v-test', evaluated_at: metadata.trained_at, data: 'lake', backend: rt.description };
    const pointer = await registerVersion(lake.store, { model: trained.model, metadata, report, now: lake.now() });
    trained.model.dispose();
    expect(pointer.version).toBe('v-test');
    for (const f of ['model.json', 'weights.bin', 'metadata.json', 'metrics.json']) expect(await lake.store.head(`${modelPrefix('noise', 'v-test')}${f}`)).toBeDefined();
    expect(JSON.parse((await lake.store.get(currentKey('noise'))).toString('utf8'))).toMatchObject({ name: 'noise', version: 'v-test', publish: expect.any(Object) as unknown });
    const loaded = await loadCurrent(lake.store, 'noise');
    expect(loaded?.metadata.weights_sha256).toBe(weightsSha);
    expect(loaded?.metadata.backend).toBe(rt.description);
    if (!loaded) throw new Error('loadCurrent() found no noise model');
    expect(sha256(await weightBytes(loaded.model))).toBe(weightsSha);
    loaded.model.dispose();
    expect(await loadCurrent(lake.store, 'river')).toBeUndefined();
  });

  it('reads metadata.json and current.json back through their schemas: a corrupt one is an error naming the file and the field, never a forecast from half a scaler', async () => {
    const metadataKey = `${modelPrefix('noise', 'v-test')}metadata.json`;
    const metadata = (await lake.store.get(metadataKey)).toString('utf8');
    const current = (await lake.store.get(currentKey('noise'))).toString('utf8');
    const failure = async () => loadCurrent(lake.store, 'noise').then(() => 'read', (e: unknown) => (e as Error).message);
    try {
      await lake.store.put(metadataKey, metadata.slice(0, 40));
      expect(await failure()).toMatch(/^models\/noise\/v-test\/metadata\.json is corrupt: it is not JSON .*; train the model again/);
      const parsed = JSON.parse(metadata) as { preprocessing: Record<string, unknown> & { feature_scaler: { std: unknown } } };
      parsed.preprocessing.feature_scaler.std = 'unit';
      delete parsed.preprocessing['residual_q95'];
      await lake.store.put(metadataKey, JSON.stringify(parsed));
      const message = await failure();
      expect(message).toMatch(/^models\/noise\/v-test\/metadata\.json is corrupt: /);
      expect(message).toMatch(/preprocessing\.feature_scaler\.std: .*expected array/i);
      expect(message).toMatch(/preprocessing\.residual_q95: /);
      await lake.store.put(metadataKey, metadata);
      await lake.store.put(currentKey('noise'), JSON.stringify({ ...(JSON.parse(current) as object), use: 'sometimes' }));
      expect(await failure()).toMatch(/^models\/noise\/current\.json is corrupt: use: .*; train the model again/);
    } finally {
      await lake.store.put(metadataKey, metadata);
      await lake.store.put(currentKey('noise'), current);
    }
    const loaded = await loadCurrent(lake.store, 'noise');
    expect(loaded?.pointer.version).toBe('v-test');
    loaded?.model.dispose();
  });
});
