import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../ports/logger.ts';

// The TensorFlow.js runtime: one backend per process, picked once and recorded with every model.
// Order (OBSERVATORY_TF_BACKEND=auto, the default): @tensorflow/tfjs-node when it is installed (native
// libtensorflow; an optional pick, not a dependency: its install downloads a binary), else the wasm
// backend (SIMD, loaded from node_modules — nothing is downloaded), else tfjs's pure-JS 'cpu' backend.
// OBSERVATORY_TF_BACKEND=wasm|cpu|tensorflow forces one (and fails when it cannot be had).

export type Tf = typeof tf;
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ENV = 'OBSERVATORY_TF_BACKEND';
/** a folder holding the tfjs-backend-wasm .wasm files, for bundles shipped without node_modules (Lambda) */
export const WASM_DIR_ENV = 'OBSERVATORY_TF_WASM_DIR';
const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface TfRuntime {
  readonly tf: Tf;
  readonly backend: BackendName;
  /** e.g. "wasm (tfjs 4.22.0, simd)" — stored in each model's metadata */
  readonly description: string;
}

let runtime: Promise<TfRuntime> | undefined;

/** the process's TensorFlow.js, with its backend set; later calls return the same runtime */
export function tfRuntime(options: { backend?: BackendName | 'auto'; logger?: Logger } = {}): Promise<TfRuntime> {
  runtime ??= pick(options.backend ?? backendFromEnv(), options.logger).catch((e: unknown) => {
    runtime = undefined;
    throw e;
  });
  return runtime;
}

function backendFromEnv(): BackendName | 'auto' {
  const v = process.env[BACKEND_ENV]?.trim();
  if (!v || v === 'auto') return 'auto';
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`${BACKEND_ENV}: expected auto, ${BACKENDS.join(', ')}; found "${v}"`);
}

async function pick(wanted: BackendName | 'auto', logger?: Logger): Promise<TfRuntime> {
  // production mode: no debug checks, and no console banner from the cpu backend
  tf.enableProdMode();
  const order = wanted === 'auto' ? BACKENDS : [wanted];
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (await activate(name)) {
        const description = await describe(name);
        const skipped = failures.length ? ` (${failures.join('; ')})` : '';
        logger?.info(`models: TensorFlow.js backend ${description}${skipped}`);
        return { tf, backend: name, description };
      }
      failures.push(name === 'tensorflow' ? '@tensorflow/tfjs-node is not installed' : `${name}: not available`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be set (${failures.join('; ')})`);
}

async function activate(name: BackendName): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  if (name === 'tensorflow') {
    // a variable specifier: the package is optional and has no types here
    const specifier = '@tensorflow/tfjs-node';
    try {
      await import(specifier);
    } catch {
      return false;
    }
    return tf.setBackend('tensorflow');
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDirectory());
  }
  return tf.setBackend(name);
}

/** the folder holding the backend's .wasm binaries: $OBSERVATORY_TF_WASM_DIR, else inside node_modules (a path: nothing is fetched) */
export function wasmDirectory(): string {
  const configured = process.env[WASM_DIR_ENV]?.trim();
  if (configured) return configured.endsWith(path.sep) ? configured : configured + path.sep;
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function describe(name: BackendName): Promise<string> {
  const extras: string[] = [`tfjs ${tf.version.tfjs}`];
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    extras.push(simd ? 'simd' : 'no simd');
  }
  return `${name} (${extras.join(', ')})`;
}

/** switches the process to another backend (benchmarks); returns the previous one */
export async function useBackend(name: BackendName): Promise<BackendName> {
  const previous = tf.getBackend() as BackendName;
  if (!(await activate(name))) throw new Error(`backend ${name} is not available`);
  runtime = describe(name).then((description) => ({ tf, backend: name, description }));
  return previous;
}
