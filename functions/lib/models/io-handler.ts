import * as tf from '@tensorflow/tfjs';
import type { ObjectStore } from '../ports/object-store.ts';

// A tf.io handler over the object store: `model.save(storeIOHandler(store, prefix))` writes
// <prefix>model.json (topology + weights manifest) and <prefix>weights.bin; `tf.loadLayersModel(
// storeIOHandler(store, prefix))` reads them back. The same code saves to a lake folder and to S3.

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export function storeIOHandler(store: ObjectStore, prefix: string): tf.io.IOHandler {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`${base}${MODEL_JSON}: binary (protobuf) topologies are not supported; save a layers model`);
      }
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      // weights first: a model.json never points at weights that are not there yet
      await store.put(base + WEIGHTS_BIN, weights, { contentType: 'application/octet-stream' });
      const text = JSON.stringify(modelJson);
      await store.put(base + MODEL_JSON, text, { contentType: 'application/json' });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(modelJson.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(modelJson.weightsManifest)),
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = JSON.parse((await store.get(base + MODEL_JSON)).toString('utf8')) as tf.io.ModelJSON;
      const specs: tf.io.WeightsManifestEntry[] = [];
      const parts: Buffer[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) parts.push(await store.get(base + p));
      }
      const bytes = Buffer.concat(parts);
      const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * bytesPerValue(s.dtype), 0);
      if (bytes.byteLength !== expected) {
        throw new Error(`${base}${WEIGHTS_BIN} in ${store.url}: ${bytes.byteLength} bytes, the manifest describes ${expected}`);
      }
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        userDefinedMetadata: modelJson.userDefinedMetadata,
        weightSpecs: specs,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}

function bytesPerValue(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool' || dtype === 'uint8') return 1;
  if (dtype === 'float16' || dtype === 'uint16' || dtype === 'int16') return 2;
  throw new Error(`weights of dtype ${dtype} are not supported`);
}
