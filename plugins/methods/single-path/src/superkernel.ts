/**
 * The superkernel of Single-Path NAS (dstamoulis/single-path-nas, `nas-search/superkernel.py`
 * `DepthwiseConv2DMasked`): one 5×5 depthwise kernel at the largest expansion (6) per searchable
 * layer. Its centre 3×3 is the 3×3 candidate and its first half of channels the expansion-3
 * candidate; three indicator decisions on weight-norm thresholds pick the candidate:
 *
 *   d5x5  = 1(‖w ⊙ ring‖ − t5x5 ≥ 0)                  w_k   = w ⊙ centre + d5x5 · w ⊙ ring
 *   d100c = 1(‖w_k ⊙ channels 50–100 %‖ − t100c ≥ 0)
 *   d50c  = 1(‖w_k ⊙ channels 0–50 %‖ − t50c ≥ 0)     (layers that may be skipped; else 1)
 *   kernel = d50c · (w_k ⊙ first half + d100c · w_k ⊙ second half)
 *
 * The indicator is a hard step forward and the sigmoid's gradient backward (the reference's
 * straight-through `stop_gradient(1[x≥0] − σ(x)) + σ(x)`), so the thresholds and the kernel
 * weights both receive gradients. Imports TensorFlow.js.
 */
import * as tf from '@tensorflow/tfjs';
import { kaimingUniform, Module, type ForwardContext } from '@naslab/engine';
import { layerLatency, type Decisions } from '@naslab/space-mbconv';
import type { Rng } from '@naslab/core';

/** 1[x ≥ 0] forward, σ'(x) backward (the reference's `Indicator`). */
export const indicator: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: unknown[]) => {
  const input = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([input]);
  return {
    value: tf.cast(tf.greaterEqual(input, 0), 'float32'),
    gradFunc: (dy, saved) => {
      const s = tf.sigmoid(saved[0]!);
      return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** The three decisions of one forward pass, as scalar tensors (hard 0/1, or 0 / 1/keep under dropout). */
export interface DecisionTensors {
  readonly d5x5: tf.Scalar;
  readonly d50c: tf.Scalar;
  readonly d100c: tf.Scalar;
}

function constantMask(channels: number, fill: (y: number, x: number, c: number) => boolean): tf.Tensor4D {
  const values = new Float32Array(25 * channels);
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < channels; c++) values[(y * 5 + x) * channels + c] = fill(y, x, c) ? 1 : 0;
  return tf.tensor4d(values, [5, 5, channels, 1]);
}

/**
 * A searchable layer's depthwise convolution: the 5×5 superkernel with its thresholds. `skippable`
 * layers (stride 1, a fifth runtime entry in the reference) get the d50c decision; the others
 * always keep their first half of channels.
 */
export class Superkernel extends Module {
  readonly weight: tf.Variable;
  readonly t5x5: tf.Variable;
  readonly t50c: tf.Variable;
  readonly t100c: tf.Variable;
  /** Channels in the expansion-3 half (the reference's `c50 = round(C/2)`). */
  readonly c50: number;
  private readonly centre: tf.Tensor4D;
  private readonly ring: tf.Tensor4D;
  private readonly firstHalf: tf.Tensor4D;
  private readonly secondHalf: tf.Tensor4D;
  /** Keep probability of the decisions' dropout (the reference: 0.6 in warm-up, then none). */
  decisionKeep = 1;
  /** The decisions of the last forward pass (read by the latency term inside the same tape). */
  last?: DecisionTensors;

  constructor(
    rng: Rng,
    readonly channels: number,
    readonly stride: number,
    readonly skippable: boolean,
  ) {
    super();
    this.weight = this.param('weight', kaimingUniform(rng, [5, 5, channels, 1], 25));
    this.t5x5 = this.param('t5x5', tf.zeros([]));
    this.t50c = this.param('t50c', tf.zeros([]));
    this.t100c = this.param('t100c', tf.zeros([]));
    this.c50 = Math.round(channels / 2);
    const inCentre = (y: number, x: number) => y >= 1 && y <= 3 && x >= 1 && x <= 3;
    this.centre = constantMask(channels, (y, x) => inCentre(y, x));
    this.ring = constantMask(channels, (y, x) => !inCentre(y, x));
    this.firstHalf = constantMask(channels, (_y, _x, c) => c < this.c50);
    this.secondHalf = constantMask(channels, (_y, _x, c) => c >= this.c50);
  }

  /** Which decisions the layer has: d50c only where it may be skipped (stride 1 and a skip entry). */
  get hasSkipDecision(): boolean {
    return this.skippable && this.stride === 1;
  }

  /** An indicator, dropped out with the keep probability (TF 1.x `tf.nn.dropout`: 0 or x / keep). */
  private decide(x: tf.Tensor, rng: Rng | undefined): tf.Scalar {
    const d = indicator(x) as tf.Scalar;
    if (this.decisionKeep >= 1 || !rng) return d;
    return tf.mul(d, rng.uniform() < this.decisionKeep ? 1 / this.decisionKeep : 0) as tf.Scalar;
  }

  /** The effective kernel and the decisions (the reference's `build`, evaluated per step); dropout only with a stream. */
  kernelAndDecisions(rng?: Rng): { kernel: tf.Tensor4D; decisions: DecisionTensors } {
    const w = this.weight as tf.Tensor4D;
    const k3 = tf.mul(w, this.centre);
    const k5 = tf.mul(w, this.ring);
    const d5x5 = this.decide(tf.sub(tf.norm(k5), this.t5x5), rng);
    const outside = tf.add(k3, tf.mul(k5, d5x5));
    const k50 = tf.mul(outside, this.firstHalf);
    const k100 = tf.mul(outside, this.secondHalf);
    const d100c = this.decide(tf.sub(tf.norm(k100), this.t100c), rng);
    const d50c = this.hasSkipDecision ? this.decide(tf.sub(tf.norm(k50), this.t50c), rng) : (tf.scalar(1) as tf.Scalar);
    const kernel = tf.mul(d50c, tf.add(k50, tf.mul(d100c, k100))) as tf.Tensor4D;
    return { kernel, decisions: { d5x5, d50c, d100c } };
  }

  forward(input: tf.Tensor, ctx: ForwardContext): tf.Tensor4D {
    const dropout = ctx.training && this.decisionKeep < 1;
    if (dropout && !ctx.rng) throw new Error("superkernel: the decisions' dropout needs the training step's random stream");
    const { kernel, decisions } = this.kernelAndDecisions(dropout ? ctx.rng : undefined);
    this.last = decisions;
    const y = tf.depthwiseConv2d(input as tf.Tensor4D, kernel, this.stride, 2);
    if (ctx.flops) {
      const [, oh, ow] = y.shape;
      ctx.flops.macs += oh * ow * 25 * this.channels;
    }
    return y;
  }

  /** The hard decisions of the current weights and thresholds (no dropout): what the search derives. */
  hardDecisions(): Decisions {
    return tf.tidy(() => {
      const { decisions } = this.kernelAndDecisions();
      return { d5x5: decisions.d5x5.dataSync()[0]!, d50c: decisions.d50c.dataSync()[0]!, d100c: decisions.d100c.dataSync()[0]! };
    });
  }

  /** The constant masks (not variables: a network's `dispose` leaves them). */
  disposeMasks(): void {
    tf.dispose([this.centre, this.ring, this.firstHalf, this.secondHalf]);
  }
}

/**
 * The latency term of one layer as a differentiable function of its decisions. The space's
 * `layerLatency` (the reference's formula) is multilinear in (d5x5, d50c, d100c), so its values
 * at the eight 0/1 corners determine it everywhere: R(d) = Σ_S c_S Π_{i∈S} d_i with
 * c_S = Σ_{T⊆S} (−1)^{|S∖T|} R(corner T). The coefficients come from the space's model; nothing of
 * the formula is restated here.
 */
export function latencyCoefficients(runtimes: readonly number[]): Float64Array {
  const corner = (mask: number): number => layerLatency(runtimes, { d5x5: mask & 1, d50c: (mask >> 1) & 1, d100c: (mask >> 2) & 1 });
  const c = new Float64Array(8);
  for (let s = 0; s < 8; s++) {
    let sum = 0;
    for (let t = s; ; t = (t - 1) & s) {
      const sign = (popcount(s) - popcount(t)) % 2 === 0 ? 1 : -1;
      sum += sign * corner(t);
      if (t === 0) break;
    }
    c[s] = sum;
  }
  return c;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}

/** Σ_S c_S Π_{i∈S} d_i over the decisions (bit 0: d5x5, bit 1: d50c, bit 2: d100c). */
export function layerLatencyTensor(coefficients: Float64Array, d: DecisionTensors): tf.Scalar {
  const vars = [d.d5x5, d.d50c, d.d100c];
  const terms: tf.Tensor[] = [];
  for (let s = 0; s < 8; s++) {
    const c = coefficients[s]!;
    if (c === 0) continue;
    let term: tf.Tensor = tf.scalar(c);
    for (let i = 0; i < 3; i++) if (s & (1 << i)) term = tf.mul(term, vars[i]!);
    terms.push(term);
  }
  return (terms.length === 0 ? tf.scalar(0) : terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
}
