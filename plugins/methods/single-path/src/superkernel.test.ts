import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { choiceOf, decisionsOf, LAYER_CHOICES, layerLatency, type LayerChoice } from '@naslab/space-mbconv';
import { beforeAll, describe, expect, it } from 'vitest';
import { indicator, latencyCoefficients, layerLatencyTensor, Superkernel } from './superkernel.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Force the hard decisions through the thresholds: t = −∞ keeps a part, t = +∞ drops it. */
function force(sk: Superkernel, d: { d5x5: number; d50c: number; d100c: number }): void {
  sk.t5x5.assign(tf.scalar(d.d5x5 ? -1e3 : 1e3));
  sk.t50c.assign(tf.scalar(d.d50c ? -1e3 : 1e3));
  sk.t100c.assign(tf.scalar(d.d100c ? -1e3 : 1e3));
}

/** The candidate's own kernel, written out: the 3×3 centre and/or the first half of the channels. */
function explicitKernel(w: Float32Array, channels: number, choice: LayerChoice): Float32Array {
  const out = new Float32Array(w.length);
  if (choice === 'skip') return out;
  const k3 = choice.startsWith('k3');
  const e3 = choice.endsWith('e3');
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++)
      for (let c = 0; c < channels; c++) {
        const i = (y * 5 + x) * channels + c;
        const inCentre = y >= 1 && y <= 3 && x >= 1 && x <= 3;
        if ((!k3 || inCentre) && (!e3 || c < channels / 2)) out[i] = w[i]!;
      }
  return out;
}

const CORNERS = [0, 1, 2, 3, 4, 5, 6, 7].map((m) => ({ d5x5: m & 1, d50c: (m >> 1) & 1, d100c: (m >> 2) & 1 }));

describe('superkernel', () => {
  it('its effective kernel is the explicit candidate kernel for every decision combination (skippable and not)', () => {
    for (const skippable of [true, false]) {
      const sk = new Superkernel(new Rng('sk'), 6, skippable ? 1 : 2, skippable);
      const w = sk.weight.dataSync() as Float32Array;
      for (const d of CORNERS) {
        force(sk, d);
        // Where the layer has no skip decision, d50c is 1 whatever its threshold.
        const expected = choiceOf(skippable ? d : { ...d, d50c: 1 });
        const hard = sk.hardDecisions();
        expect(choiceOf(hard)).toBe(expected);
        const kernel = tf.tidy(() => sk.kernelAndDecisions().kernel.dataSync() as Float32Array);
        // (+ 0: a masked-out negative weight is −0.)
        expect(Array.from(kernel, (v) => v + 0)).toEqual(Array.from(explicitKernel(w, 6, expected)));
      }
      sk.disposeMasks();
      sk.dispose();
    }
  });

  it('the 3×3 decision convolves like a 3×3 depthwise kernel (its centre), padding included', () => {
    const sk = new Superkernel(new Rng('conv'), 4, 2, false);
    force(sk, decisionsOf('k3e6'));
    const x = tf.randomUniform([2, 7, 7, 4], -1, 1, 'float32', 3) as tf.Tensor4D;
    const got = sk.forward(x, { training: false }).arraySync() as number[][][][];
    const centre = tf.slice(sk.weight, [1, 1, 0, 0], [3, 3, 4, 1]) as tf.Tensor4D;
    const want = tf.depthwiseConv2d(x, centre, 2, 1).arraySync() as number[][][][];
    expect(got.flat(3).length).toBe(want.flat(3).length);
    got.flat(3).forEach((v, i) => expect(v).toBeCloseTo(want.flat(3)[i]!, 5));
    sk.disposeMasks();
    sk.dispose();
  });

  it('the indicator is a hard step forward and the sigmoid gradient backward', () => {
    const x = tf.tensor1d([-2, -0.1, 0, 0.5, 3]);
    expect(Array.from(indicator(x).dataSync())).toEqual([0, 0, 1, 1, 1]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(indicator(v)))(x).dataSync();
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    [-2, -0.1, 0, 0.5, 3].forEach((v, i) => expect(g[i]).toBeCloseTo(s(v) * (1 - s(v)), 6));
  });

  it('the straight-through gradient of the latency reaches every threshold with the reference value', () => {
    const runtimes = [2.0, 3.0, 2.5, 4.0, 0.7];
    const coefficients = latencyCoefficients(runtimes);
    const sk = new Superkernel(new Rng('ste'), 8, 1, true);
    // Thresholds near the norms, so that σ' is not negligible.
    sk.t5x5.assign(tf.scalar(0.3));
    sk.t50c.assign(tf.scalar(0.2));
    sk.t100c.assign(tf.scalar(0.4));
    const grads = tf.variableGrads(() => {
      const { decisions } = sk.kernelAndDecisions();
      return layerLatencyTensor(coefficients, decisions);
    }, [sk.t5x5, sk.t50c, sk.t100c]).grads;
    // Expected: −∂R/∂d · σ'(norm − t), with ∂R/∂d from the reference's formula at the hard decisions.
    const w = sk.weight.arraySync() as number[][][][];
    const sq = (pred: (y: number, x: number, c: number) => boolean) => {
      let s = 0;
      for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 8; c++) if (pred(y, x, c)) s += w[y]![x]![c]![0]! ** 2;
      return Math.sqrt(s);
    };
    const ring = (y: number, x: number) => !(y >= 1 && y <= 3 && x >= 1 && x <= 3);
    const n5 = sq((y, x) => ring(y, x));
    const d5 = n5 - 0.3 >= 0 ? 1 : 0;
    // The channel norms see the ring through d5x5: n(d5) = √(centre² + d5² · ring²).
    const centre50 = sq((y, x, c) => !ring(y, x) && c < 4);
    const ring50 = sq((y, x, c) => ring(y, x) && c < 4);
    const centre100 = sq((y, x, c) => !ring(y, x) && c >= 4);
    const ring100 = sq((y, x, c) => ring(y, x) && c >= 4);
    const n50 = Math.sqrt(centre50 ** 2 + d5 ** 2 * ring50 ** 2);
    const n100 = Math.sqrt(centre100 ** 2 + d5 ** 2 * ring100 ** 2);
    const d50 = n50 - 0.2 >= 0 ? 1 : 0;
    const d100 = n100 - 0.4 >= 0 ? 1 : 0;
    const ds = (v: number) => Math.exp(-v) / (1 + Math.exp(-v)) ** 2;
    const [, r3, r50, r100] = runtimes as [number, number, number, number];
    const ratio = r3 / r100;
    const rch = d50 * (r50 + d100 * (r100 - r50));
    const dRd5 = rch * (1 - ratio);
    const dRd50 = (r50 + d100 * (r100 - r50)) * (ratio + (1 - ratio) * d5);
    const dRd100 = d50 * (r100 - r50) * (ratio + (1 - ratio) * d5);
    const s50 = ds(n50 - 0.2);
    const s100 = ds(n100 - 0.4);
    const viaNorms = dRd50 * s50 * ((d5 * ring50 ** 2) / n50) + dRd100 * s100 * ((d5 * ring100 ** 2) / n100);
    expect(grads[sk.t5x5.name]!.dataSync()[0]).toBeCloseTo(-(dRd5 + viaNorms) * ds(n5 - 0.3), 5);
    expect(grads[sk.t50c.name]!.dataSync()[0]).toBeCloseTo(-dRd50 * s50, 5);
    expect(grads[sk.t100c.name]!.dataSync()[0]).toBeCloseTo(-dRd100 * s100, 5);
    for (const t of [sk.t5x5, sk.t50c, sk.t100c]) expect(Math.abs(grads[t.name]!.dataSync()[0]!)).toBeGreaterThan(1e-4);
    sk.disposeMasks();
    sk.dispose();
  });

  it('the classification loss reaches the thresholds too (through the effective kernel)', () => {
    const sk = new Superkernel(new Rng('ce'), 4, 1, true);
    sk.t5x5.assign(tf.scalar(0.5));
    const x = tf.randomUniform([1, 5, 5, 4], -1, 1, 'float32', 9) as tf.Tensor4D;
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(sk.forward(x, { training: true }))) as tf.Scalar, [sk.t5x5, sk.t50c, sk.t100c, sk.weight]);
    for (const t of [sk.t5x5, sk.t50c, sk.t100c]) expect(Math.abs(grads[t.name]!.dataSync()[0]!)).toBeGreaterThan(0);
    sk.disposeMasks();
    sk.dispose();
  });

  it("the differentiable latency is the space's formula at every 0/1 corner and at dropout-scaled values", () => {
    const runtimes = [1.3, 2.9, 2.2, 4.7, 0.7];
    const c = latencyCoefficients(runtimes);
    const at = (d5x5: number, d50c: number, d100c: number) =>
      tf.tidy(() => layerLatencyTensor(c, { d5x5: tf.scalar(d5x5), d50c: tf.scalar(d50c), d100c: tf.scalar(d100c) }).dataSync()[0]!);
    for (const choice of LAYER_CHOICES) {
      const d = decisionsOf(choice);
      expect(at(d.d5x5, d.d50c, d.d100c)).toBeCloseTo(layerLatency(runtimes, d), 5);
    }
    // Under the warm-up's dropout a kept decision is 1/0.6: the formula is multilinear, so still exact.
    for (const d of [{ d5x5: 1 / 0.6, d50c: 1 / 0.6, d100c: 0 }, { d5x5: 0.25, d50c: 1 / 0.6, d100c: 1 / 0.6 }]) {
      expect(at(d.d5x5, d.d50c, d.d100c)).toBeCloseTo(layerLatency(runtimes, d), 5);
    }
  });
});
