import * as tf from '@tensorflow/tfjs';
import { MODELS_PREFIX } from '../lake/layout.ts';
import { ObjectNotFoundError, type ObjectStore } from '../ports/object-store.ts';
import { storeIOHandler } from './io-handler.ts';
import { readSaved } from '../saved-json.ts';
import { currentPointerSchema, metadataSchemaFor, type CurrentPointer, type ModelMetadata } from './registry-schemas.ts';
import type { EvaluationReport } from './report.ts';

// The model registry in the lake:
//   models/<name>/<version>/model.json, weights.bin   the network (through the tf.io handler)
//   models/<name>/<version>/metadata.json             training window, features, preprocessing, backend, code version
//   models/<name>/<version>/metrics.json              the evaluation report (model vs baselines)
//   models/<name>/current.json                        the version the predictions use, and whether they
//                                                     publish its forecast or its best baseline's
// A version is written completely before current.json points at it.

/** bump when a model's features, architecture or training change */
export const MODELS_CODE_VERSION = 'models-1';
export const CODE_VERSION_ENV = 'OBSERVATORY_CODE_VERSION';

export function codeVersion(): string {
  const deployed = process.env[CODE_VERSION_ENV]?.trim();
  return deployed ? `${MODELS_CODE_VERSION}+${deployed}` : MODELS_CODE_VERSION;
}

export type { CurrentPointer, ModelMetadata } from './registry-schemas.ts';

export const modelPrefix = (name: string, version: string) => `${MODELS_PREFIX}/${name}/${version}/`;
export const currentKey = (name: string) => `${MODELS_PREFIX}/${name}/current.json`;

/** a version name: the training time, and a fingerprint of the weights */
export function versionName(trainedAt: Date, weightsSha256: string): string {
  const stamp = trainedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${weightsSha256.slice(0, 8)}`;
}

export interface RegisteredVersion {
  readonly metadata: ModelMetadata;
  readonly report: EvaluationReport;
}

/** writes a version (network, metadata, metrics), then points current.json at it */
export async function registerVersion(
  store: ObjectStore,
  entry: { model?: tf.LayersModel; metadata: ModelMetadata; report: EvaluationReport; now: Date; setCurrent?: boolean },
): Promise<CurrentPointer> {
  const { metadata, report } = entry;
  const prefix = modelPrefix(metadata.name, metadata.version);
  if (entry.model) await entry.model.save(storeIOHandler(store, prefix));
  await store.put(`${prefix}metadata.json`, JSON.stringify(metadata, null, 1), { contentType: 'application/json' });
  await store.put(`${prefix}metrics.json`, JSON.stringify(report, null, 1), { contentType: 'application/json' });
  const pointer: CurrentPointer = {
    name: metadata.name,
    version: metadata.version,
    updated_at: entry.now.toISOString(),
    use: metadata.use,
    baseline: metadata.use === 'baseline' ? metadata.best_baseline : null,
    beats_baseline: metadata.beats_baseline,
    publish: Object.fromEntries(metadata.decisions.map((d) => [d.target, d.use === 'model' ? 'model' : d.best_baseline])),
  };
  if (entry.setCurrent !== false) await store.put(currentKey(metadata.name), JSON.stringify(pointer, null, 1), { contentType: 'application/json' });
  return pointer;
}

const FIX_METADATA = 'train the model again (observatory models train <model>), or point current.json at an intact version';
const FIX_CURRENT = 'train the model again (observatory models train <model>), or write current.json again from models/<model>/<version>/metadata.json';

export function readCurrent(store: ObjectStore, name: string): Promise<CurrentPointer | undefined> {
  return readSaved(store, currentKey(name), currentPointerSchema, FIX_CURRENT.replaceAll('<model>', name));
}

/** a version's metadata, its preprocessing checked against the model's own schema */
export async function readMetadata(store: ObjectStore, name: string, version: string): Promise<ModelMetadata> {
  const key = `${modelPrefix(name, version)}metadata.json`;
  const m = await readSaved(store, key, metadataSchemaFor(name), FIX_METADATA.replaceAll('<model>', name));
  if (!m) throw new Error(`${key} is missing in ${store.url}`);
  return m;
}

/** the evaluation report of a version (written by the registry, read back for the site and the CLI) */
export async function readReport(store: ObjectStore, name: string, version: string): Promise<EvaluationReport | undefined> {
  try {
    return JSON.parse((await store.get(`${modelPrefix(name, version)}metrics.json`)).toString('utf8')) as EvaluationReport;
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw new Error(`${modelPrefix(name, version)}metrics.json in ${store.url}: ${(e as Error).message}`, { cause: e });
  }
}

export interface LoadedModel {
  readonly pointer: CurrentPointer;
  readonly metadata: ModelMetadata;
  readonly model: tf.LayersModel;
}

/** the current version of a model, loaded from the store; undefined when none is registered */
export async function loadCurrent(store: ObjectStore, name: string): Promise<LoadedModel | undefined> {
  const pointer = await readCurrent(store, name);
  if (!pointer) return undefined;
  const metadata = await readMetadata(store, name, pointer.version);
  const model = await tf.loadLayersModel(storeIOHandler(store, modelPrefix(name, pointer.version)));
  return { pointer, metadata, model };
}
