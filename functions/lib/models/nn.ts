import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from './runtime.ts';
import { mulberry32 } from '../domain/random.ts';

// Small multilayer perceptrons, trained deterministically: seeded initialisers, named layers (so the
// saved topology does not depend on how many models the process built before), no dropout, and batches
// drawn in a seeded order from our own PRNG. Same data, same backend → same weights.

export type LayersModel = tfTypes.LayersModel;

export interface MlpSpec {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly seed: number;
  /** 'linear' for regression; classifiers also output logits (the loss applies the sigmoid) */
  readonly activation?: 'relu' | 'tanh';
}

export function buildMlp(tf: Tf, spec: MlpSpec): LayersModel {
  const model = tf.sequential({ name: 'mlp' });
  spec.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        name: `hidden${i + 1}`,
        units,
        activation: spec.activation ?? 'relu',
        ...(i === 0 ? { inputShape: [spec.inputs] } : {}),
        kernelInitializer: tf.initializers.heNormal({ seed: spec.seed + i }),
        biasInitializer: 'zeros',
      }),
    );
  });
  model.add(
    tf.layers.dense({
      name: 'output',
      units: spec.outputs,
      ...(spec.hidden.length === 0 ? { inputShape: [spec.inputs] } : {}),
      kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + 1000 }),
      biasInitializer: 'zeros',
    }),
  );
  return model;
}

/** a row-major matrix: `rows × cols` values in one Float32Array */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function matrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float32Array(rows * cols) };
}

export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** seeds the batch order */
  readonly seed: number;
  /** 'huber' (regression, robust to loud events), 'mse', or 'logistic' (binary outcomes, logit outputs) */
  readonly loss: 'huber' | 'mse' | 'logistic';
  /** huber: quadratic within ±delta, linear beyond (in the standardised target's units) */
  readonly huberDelta?: number;
  /** optional per-value weights (same shape as Y): 0 leaves a missing target out of the loss */
  readonly weights?: Matrix;
  /**
   * a held-out set (the end of the training period): its loss is computed after each epoch and the
   * weights of the best epoch are kept (early stopping without randomness)
   */
  readonly validation?: { x: Matrix; y: Matrix; weights?: Matrix };
}

export interface FitReport {
  readonly epochs: number;
  readonly steps: number;
  /** mean training loss of each epoch */
  readonly loss: number[];
  /** validation loss of each epoch, when a validation set was given */
  readonly validationLoss: number[];
  /** the epoch (1-based) whose weights were kept */
  readonly bestEpoch: number;
  readonly seconds: number;
}

/** trains with Adam on mini-batches in a seeded order */
export async function fitMlp(tf: Tf, model: LayersModel, x: Matrix, y: Matrix, options: FitOptions): Promise<FitReport> {
  if (x.rows !== y.rows) throw new RangeError(`fitMlp: ${x.rows} input rows, ${y.rows} target rows`);
  if (x.rows === 0) throw new RangeError('fitMlp: no training rows');
  const started = performance.now();
  const optimizer = tf.train.adam(options.learningRate);
  const random = mulberry32(options.seed);
  const order = Uint32Array.from({ length: x.rows }, (_, i) => i);
  const losses: number[] = [];
  const validationLoss: number[] = [];
  let best: tfTypes.Tensor[] = [];
  let bestLoss = Infinity;
  let bestEpoch = options.epochs;
  let steps = 0;
  const delta = options.huberDelta ?? 1;
  const bx = new Float32Array(options.batchSize * x.cols);
  const by = new Float32Array(options.batchSize * y.cols);
  const bw = new Float32Array(options.batchSize * y.cols);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    let total = tf.scalar(0);
    let batches = 0;
    for (let start = 0; start < x.rows; start += options.batchSize) {
      const n = Math.min(options.batchSize, x.rows - start);
      for (let r = 0; r < n; r++) {
        const i = order[start + r]!;
        bx.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), r * x.cols);
        by.set(y.data.subarray(i * y.cols, (i + 1) * y.cols), r * y.cols);
        if (options.weights) bw.set(options.weights.data.subarray(i * y.cols, (i + 1) * y.cols), r * y.cols);
      }
      const xs = tf.tensor2d(bx.subarray(0, n * x.cols), [n, x.cols]);
      const ys = tf.tensor2d(by.subarray(0, n * y.cols), [n, y.cols]);
      const ws = options.weights ? tf.tensor2d(bw.subarray(0, n * y.cols), [n, y.cols]) : tf.onesLike(ys);
      const cost = optimizer.minimize(() => {
        const out = model.apply(xs, { training: true }) as tfTypes.Tensor;
        const perValue = lossOf(tf, options.loss, out, ys, delta);
        return tf.div<tfTypes.Scalar>(tf.sum(tf.mul(perValue, ws)), tf.maximum(tf.sum(ws), 1));
      }, true);
      const next = tf.add(total, cost!);
      total.dispose();
      cost!.dispose();
      total = next as tfTypes.Scalar;
      tf.dispose([xs, ys, ws]);
      batches++;
      steps++;
    }
    losses.push((await total.data())[0]! / batches);
    total.dispose();
    if (options.validation) {
      const v = await evaluateLoss(tf, model, options.validation, options.loss, delta);
      validationLoss.push(v);
      if (v < bestLoss) {
        bestLoss = v;
        bestEpoch = epoch + 1;
        tf.dispose(best);
        best = model.getWeights().map((w) => w.clone());
      }
    }
  }
  optimizer.dispose();
  if (best.length) {
    model.setWeights(best);
    tf.dispose(best);
  }
  return { epochs: options.epochs, steps, loss: losses, validationLoss, bestEpoch, seconds: (performance.now() - started) / 1000 };
}

async function evaluateLoss(tf: Tf, model: LayersModel, set: { x: Matrix; y: Matrix; weights?: Matrix }, loss: FitOptions['loss'], delta: number): Promise<number> {
  const value = tf.tidy(() => {
    const xs = tf.tensor2d(set.x.data, [set.x.rows, set.x.cols]);
    const ys = tf.tensor2d(set.y.data, [set.y.rows, set.y.cols]);
    const ws = set.weights ? tf.tensor2d(set.weights.data, [set.y.rows, set.y.cols]) : tf.onesLike(ys);
    const out = model.predict(xs, { batchSize: 4096 }) as tfTypes.Tensor;
    return tf.div(tf.sum(tf.mul(lossOf(tf, loss, out, ys, delta), ws)), tf.maximum(tf.sum(ws), 1));
  });
  const v = (await value.data())[0]!;
  value.dispose();
  return v;
}

function lossOf(tf: Tf, loss: FitOptions['loss'], out: tfTypes.Tensor, y: tfTypes.Tensor, delta: number): tfTypes.Tensor {
  if (loss === 'mse') return tf.square(tf.sub(out, y));
  if (loss === 'huber') {
    const a = tf.abs(tf.sub(out, y));
    const q = tf.minimum(a, delta);
    return tf.add(tf.mul(0.5, tf.square(q)), tf.mul(delta, tf.sub(a, q)));
  }
  // logistic loss on logits z: max(z, 0) − z·y + log(1 + e^−|z|), stable for any z
  return tf.add(tf.sub(tf.relu(out), tf.mul(out, y)), tf.log1p(tf.exp(tf.neg(tf.abs(out)))));
}

/**
 * Runs the model over all rows, `batchSize` rows per call (default 16 384). Each call is one batch:
 * tfjs-layers' own batching concatenates the outputs batch after batch (quadratic copying), and its
 * default batch of 32 is ~100× slower than large batches.
 */
export async function predictRows(tf: Tf, model: LayersModel, x: Matrix, options: { batchSize?: number; sigmoid?: boolean } = {}): Promise<Matrix> {
  const outputs = (model.outputs[0]!.shape[1] as number | null) ?? 1;
  const result = matrix(x.rows, outputs);
  const chunk = Math.max(1, options.batchSize ?? 16_384);
  for (let start = 0; start < x.rows; start += chunk) {
    const n = Math.min(chunk, x.rows - start);
    const xs = tf.tensor2d(x.data.subarray(start * x.cols, (start + n) * x.cols), [n, x.cols]);
    const raw = model.predict(xs, { batchSize: n }) as tfTypes.Tensor;
    const out = options.sigmoid ? tf.sigmoid(raw) : raw;
    result.data.set(await out.data(), start * outputs);
    tf.dispose([xs, raw, out]);
  }
  return result;
}

/** per-column mean and standard deviation (1 where a column is constant), finite values only */
export interface Scaler {
  readonly mean: number[];
  readonly std: number[];
}

export function fitScaler(m: Matrix, weights?: Matrix): Scaler {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < m.cols; c++) {
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (let r = 0; r < m.rows; r++) {
      if (weights && weights.data[r * m.cols + c] === 0) continue;
      const v = m.data[r * m.cols + c]!;
      if (!Number.isFinite(v)) continue;
      s += v;
      s2 += v * v;
      n++;
    }
    const mu = n ? s / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, s2 / n - mu * mu)) : 0;
    mean.push(round(mu));
    std.push(round(sd > 1e-6 ? sd : 1));
  }
  return { mean, std };
}

// scalers are stored in JSON: round so that a reloaded scaler is the same to the bit
const round = (v: number) => Math.fround(v);

/** (v − mean) / std in place; non-finite values become 0 (the mean) */
export function applyScaler(m: Matrix, s: Scaler): Matrix {
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const i = r * m.cols + c;
      const v = m.data[i]!;
      m.data[i] = Number.isFinite(v) ? (v - s.mean[c]!) / s.std[c]! : 0;
    }
  }
  return m;
}

/** v · std + mean in place */
export function invertScaler(m: Matrix, s: Scaler): Matrix {
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const i = r * m.cols + c;
      m.data[i] = m.data[i]! * s.std[c]! + s.mean[c]!;
    }
  }
  return m;
}

function shuffle(a: Uint32Array, random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** the model's weights as one byte string (for fingerprints and determinism checks) */
export async function weightBytes(model: LayersModel): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const w of model.getWeights()) {
    const d = (await w.data()) as Float32Array;
    parts.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return Buffer.concat(parts);
}
