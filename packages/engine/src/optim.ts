/**
 * The optimiser maths shared by everything that trains on the engine (the train-from-scratch loop,
 * DARTS' supernet training), with PyTorch's update rules:
 * - `clip_grad_norm_`: total 2-norm, coef = max/(norm + 1e-6), applied when < 1;
 * - SGD with momentum and weight decay: g ← g + wd·w; buf ← m·buf + g; w ← w − lr·buf (the buffer
 *   starts at zero, which is PyTorch's first-step `buf = g`); parameters without a gradient in a
 *   step are skipped, like PyTorch's `None` grads;
 * - `ToTensor` + `Normalize`: byte v → (v/255 − mean)/std per channel.
 */
import * as tf from '@tensorflow/tfjs';
import { uniqueVariable, type ParameterInfo } from './module.js';

export type NamedTensors = Array<{ name: string; shape: readonly number[]; values: Float32Array }>;

/** Global 2-norm clipping of `grads` (undefined entries: parameters without a gradient). */
export function clipByGlobalNorm(grads: ReadonlyArray<tf.Tensor | undefined>, maxNorm: number | null): Array<tf.Tensor | undefined> {
  if (maxNorm === null) return [...grads];
  const present = grads.filter((g): g is tf.Tensor => !!g);
  if (present.length === 0) return [...grads];
  const squares = present.map((g) => tf.sum(tf.square(g)));
  const norm = tf.sqrt(squares.length > 1 ? tf.addN(squares) : squares[0]!);
  const coef = tf.minimum(tf.scalar(1), tf.div(maxNorm, tf.add(norm, 1e-6)));
  return grads.map((g) => (g ? tf.mul(g, coef) : g));
}

/** One SGD-with-momentum update of `variable` by `grad`, in place (call inside `tf.tidy`). */
export function sgdUpdate(variable: tf.Variable, buffer: tf.Variable, grad: tf.Tensor, o: { lr: number; momentum: number; weightDecay: number }): void {
  let g = grad;
  if (o.weightDecay) g = tf.add(g, tf.mul(variable, o.weightDecay));
  const next = tf.add(tf.mul(buffer, o.momentum), g);
  buffer.assign(next);
  variable.assign(tf.sub(variable, tf.mul(next, o.lr)));
}

/** SGD with momentum over a parameter list, its buffers checkpointable by parameter path. */
export class SgdMomentum {
  readonly buffers: Map<string, tf.Variable> = new Map();
  constructor(
    readonly params: readonly ParameterInfo[],
    readonly momentum: number,
    readonly weightDecay: number,
    /** Prefix of the buffers' names in `state()` (the trainer's checkpoints use `momentum:`). */
    readonly prefix = 'sgd:',
  ) {
    for (const p of params) this.buffers.set(p.path, uniqueVariable(tf.zerosLike(p.variable), false, 'sgd_momentum'));
  }

  /** One step with `grads` (by variable name); parameters without a gradient are skipped. */
  step(grads: Record<string, tf.Tensor | undefined>, lr: number): void {
    tf.tidy(() => {
      for (const p of this.params) {
        const g = grads[p.variable.name];
        if (g) sgdUpdate(p.variable, this.buffers.get(p.path)!, g, { lr, momentum: this.momentum, weightDecay: this.weightDecay });
      }
    });
  }

  async state(): Promise<NamedTensors> {
    const out: NamedTensors = [];
    for (const [path, b] of this.buffers) out.push({ name: `${this.prefix}${path}`, shape: b.shape, values: (await b.data()) as Float32Array });
    return out;
  }

  restore(get: (name: string) => Float32Array | undefined): void {
    tf.tidy(() => {
      for (const [path, b] of this.buffers) {
        const v = get(`${this.prefix}${path}`);
        if (!v || v.length !== b.size) throw new Error(`checkpoint lacks SGD state ${this.prefix}${path}`);
        b.assign(tf.tensor(v, b.shape, 'float32'));
      }
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
  }
}

/** Per-channel lookup table: byte value → (v/255 − mean)/std, as ToTensor + Normalize (256·c entries). */
export function normalisationTable(mean: readonly number[], std: readonly number[], channels: number): Float32Array {
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const m = mean[c] ?? mean[0] ?? 0;
    const s = std[c] ?? std[0] ?? 1;
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (Math.fround(v / 255) - m) / s;
  }
  return table;
}

/** Raw NHWC bytes → normalised floats through a `normalisationTable`. */
export function normaliseWithTable(pixels: Uint8Array, table: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = table[(i % channels) * 256 + pixels[i]!]!;
  return out;
}

/** Normalise raw pixels as the trainer does (ToTensor + Normalize with the dataset's mean/std). */
export function normalisePixels(pixels: Uint8Array, mean: readonly number[], std: readonly number[], channels: number): Float32Array {
  return normaliseWithTable(pixels, normalisationTable(mean, std, channels), channels);
}
