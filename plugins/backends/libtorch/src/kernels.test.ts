// Every native kernel against the pure-JS cpu kernel on random inputs (max-abs-error bound), plus
// an end-to-end gradient check. Without the addon, the file asserts that probe() explains why,
// and fails in CI when libtorch is installed (so a broken build cannot pass as "skipped").
import { existsSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BatchNorm, ReLU } from '@naslab/engine';

import { deviceStats, kernelStats, registerLibtorchBackend, setThreads } from './backend.js';
import { loadAddon, probeNative } from './native.js';

tf.enableProdMode();

const probe = probeNative();
const libtorchInstalled = existsSync('/usr/include/ATen/ATen.h') || !!process.env.LIBTORCH_DIR;

type Input = { shape: number[]; data: Float32Array };

// Deterministic pseudo-random numbers (mulberry32).
let seed = 12345;
function rand(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function rnd(shape: number[], lo = -1, hi = 1): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rand();
  return { shape, data };
}

interface Compared {
  err: number;
  scale: number;
}

/**
 * Runs one kernel on `cpu` and on `libtorch` with the same inputs and attrs; returns the max abs
 * error and the output's magnitude. Asserts that the libtorch run went native (or stayed in JS).
 */
async function compare(
  kernel: string,
  inputs: Record<string, Input> | Input[],
  attrs: Record<string, unknown> = {},
  expectNative = true,
): Promise<Compared> {
  const outs: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const b of ['cpu', 'libtorch']) {
    await tf.setBackend(b);
    const ins = Array.isArray(inputs)
      ? inputs.map((v) => tf.tensor(v.data, v.shape))
      : Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    const before = kernelStats()[kernel]?.native ?? 0;
    if (b === 'libtorch') {
      // A first run whose output is disposed unread goes back to the buffer pool, poisoned with
      // NaN, and is reused by the second run: catches kernels that do not overwrite all outputs.
      const first = tf.engine().runKernel(kernel, ins as any, attrs as any) as tf.Tensor | tf.Tensor[];
      tf.dispose(first);
    }
    const out = tf.engine().runKernel(kernel, ins as any, attrs as any) as tf.Tensor;
    outs[b] = { shape: out.shape, data: out.dataSync() as Float32Array };
    if (b === 'libtorch') {
      const after = kernelStats()[kernel]?.native ?? 0;
      expect(after - before, `${kernel} ran ${expectNative ? 'in JS' : 'natively'}`).toBe(expectNative ? 2 : 0);
    }
    tf.dispose([out, ...(Object.values(ins) as tf.Tensor[])]);
  }
  expect(outs.libtorch.shape).toEqual(outs.cpu.shape);
  let err = 0;
  let scale = 0;
  const a = outs.cpu.data, b = outs.libtorch.data;
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= err)) err = Number.isNaN(d) && Number.isNaN(a[i]) && Number.isNaN(b[i]) ? err : Math.max(err, Number.isNaN(d) ? Infinity : d);
    if (!Number.isNaN(a[i])) scale = Math.max(scale, Math.abs(a[i]));
  }
  return { err, scale };
}

async function expectClose(kernel: string, inputs: Record<string, Input> | Input[], attrs: Record<string, unknown> = {}, tol = 1e-5, expectNative = true) {
  const { err, scale } = await compare(kernel, inputs, attrs, expectNative);
  expect(err, `${kernel}: max abs error ${err} (output magnitude ${scale})`).toBeLessThanOrEqual(tol * Math.max(1, scale));
}

/**
 * tfjs' cpu depthwise backprop kernels ignore dilations (wrong for d > 1), so for d > 1 check the
 * adjoint identities with the cpu forward kernel (which handles dilation):
 * <dy, conv(x, w)> = <backpropInput(dy, w), x> = <backpropFilter(x, dy), w>.
 */
async function expectAdjoint(kernel: 'DepthwiseConv2dNativeBackpropInput' | 'DepthwiseConv2dNativeBackpropFilter', x: Input, filter: Input, dy: Input, attrs: Record<string, unknown>) {
  const t = (v: Input) => tf.tensor(v.data, v.shape);
  await tf.setBackend('cpu');
  const lhs = tf.tidy(() => tf.sum(tf.mul(t(dy), tf.engine().runKernel('DepthwiseConv2dNative', { x: t(x), filter: t(filter) }, attrs as any) as tf.Tensor)).dataSync()[0]);
  await tf.setBackend('libtorch');
  const before = kernelStats()[kernel]?.native ?? 0;
  const rhs = tf.tidy(() => {
    const g =
      kernel === 'DepthwiseConv2dNativeBackpropInput'
        ? tf.mul(t(x), tf.engine().runKernel(kernel, { dy: t(dy), filter: t(filter) }, { ...attrs, inputShape: x.shape } as any) as tf.Tensor)
        : tf.mul(t(filter), tf.engine().runKernel(kernel, { x: t(x), dy: t(dy) }, { ...attrs, filterShape: filter.shape } as any) as tf.Tensor);
    return tf.sum(g).dataSync()[0];
  });
  expect(kernelStats()[kernel].native).toBe(before + 1);
  expect(Math.abs(lhs - rhs), `${kernel} adjoint: ${lhs} vs ${rhs}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(lhs)));
}

if (!probe.available) {
  describe('libtorch backend unavailable', () => {
    it('probe() says exactly why and how to fix it', () => {
      expect(probe.reason).toMatch(/^libtorch backend unavailable: .{10,}/);
      expect(probe.fix).toMatch(/libtorch-dev/);
      expect(probe.fix).toMatch(/LIBTORCH_DIR/);
      expect(probe.fix).toMatch(/npm rebuild @naslab\/backend-libtorch/);
      expect(() => registerLibtorchBackend()).toThrow(/libtorch backend unavailable/);
    });
    it('is not skipped in CI where libtorch is installed', () => {
      if (process.env.CI && libtorchInstalled) {
        throw new Error(`libtorch is installed here (CI) but the addon is unavailable: ${probe.reason}`);
      }
    });
  });
} else {
  describe('libtorch native kernels vs the cpu backend', () => {
    beforeAll(() => {
      registerLibtorchBackend({ threads: 2 });
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('loads libtorch and sets threads', () => {
      const addon = loadAddon()!;
      expect(addon.info().mkldnn).toBe(true);
      setThreads(1);
      expect(addon.getNumThreads()).toBe(1);
      setThreads(2);
      expect(addon.getNumThreads()).toBe(2);
    });

    describe('Conv2D', () => {
      const w = rnd([3, 3, 16, 32]);
      const x = rnd([8, 16, 16, 16]);
      it.each([
        ['same, stride 1', { strides: [1, 1], pad: 'same', dilations: [1, 1] }],
        ['same, stride 2 (asymmetric padding)', { strides: [2, 2], pad: 'same', dilations: [1, 1] }],
        ['valid, stride 2', { strides: [2, 2], pad: 'valid', dilations: [1, 1] }],
        ['same, dilation 2', { strides: [1, 1], pad: 'same', dilations: [2, 2] }],
        ['explicit padding', { strides: [1, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]], dilations: [1, 1] }],
      ])('%s', async (_, attrs) => {
        await expectClose('Conv2D', { x, filter: w }, { dataFormat: 'NHWC', ...attrs });
      });
      it('1×1', async () => {
        await expectClose('Conv2D', { x, filter: rnd([1, 1, 16, 32]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 });
      });
      it('small outputs stay in JS', async () => {
        await expectClose('Conv2D', { x: rnd([1, 4, 4, 3]), filter: rnd([3, 3, 3, 4]) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 }, 1e-5, false);
      });
    });

    describe('Conv2DBackpropInput / Conv2DBackpropFilter', () => {
      const w = rnd([3, 3, 16, 32]);
      const x = rnd([4, 16, 16, 16]);
      it.each([
        ['same, stride 1', 1, 'same', [4, 16, 16, 32]],
        ['same, stride 2', 2, 'same', [4, 8, 8, 32]],
        ['valid, stride 1', 1, 'valid', [4, 14, 14, 32]],
        ['valid, stride 2', 2, 'valid', [4, 7, 7, 32]],
      ] as const)('%s', async (_, s, pad, dyShape) => {
        const dy = rnd([...dyShape]);
        await expectClose('Conv2DBackpropInput', { dy, filter: w }, { inputShape: x.shape, strides: [s, s], pad, dataFormat: 'NHWC' });
        await expectClose('Conv2DBackpropFilter', { x, dy }, { filterShape: w.shape, strides: [s, s], pad, dataFormat: 'NHWC' }, 2e-5);
      });
    });

    describe('DepthwiseConv2dNative and its backprops', () => {
      const x = rnd([8, 16, 16, 16]);
      it.each([
        ['3×3 same', [3, 3, 16, 1], 1, 1, 'same'],
        ['3×3 same dilation 2', [3, 3, 16, 1], 1, 2, 'same'],
        ['5×5 same dilation 2', [5, 5, 16, 1], 1, 2, 'same'],
        ['3×3 same stride 2', [3, 3, 16, 1], 2, 1, 'same'],
        ['5×5 valid', [5, 5, 16, 1], 1, 1, 'valid'],
        ['3×3 multiplier 2', [3, 3, 16, 2], 1, 1, 'same'],
      ] as const)('%s', async (_, fShape, s, d, pad) => {
        const filter = rnd([...fShape]);
        const attrs = { strides: [s, s], dilations: [d, d], pad };
        await expectClose('DepthwiseConv2dNative', { x, filter }, attrs);
        // dy has the forward output's shape
        await tf.setBackend('cpu');
        const y = tf.depthwiseConv2d(tf.tensor4d(x.data, x.shape as any), tf.tensor4d(filter.data, filter.shape as any), s, pad, 'NHWC', d);
        const dy = rnd(y.shape);
        y.dispose();
        if (d === 1) {
          await expectClose('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape });
          await expectClose('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape }, 2e-5);
        }
        // Both ways for d = 1 (checks the check); the only way for d > 1.
        await expectAdjoint('DepthwiseConv2dNativeBackpropInput', x, filter, dy, attrs);
        await expectAdjoint('DepthwiseConv2dNativeBackpropFilter', x, filter, dy, attrs);
      });
    });

    describe('pooling and pooling gradients', () => {
      const x = rnd([8, 16, 16, 16]);
      it.each([
        ['3×3 same stride 1', 3, 1, 'same'],
        ['3×3 same stride 2 (asymmetric)', 3, 2, 'same'],
        ['2×2 valid stride 2', 2, 2, 'valid'],
        ['3×3 valid stride 2', 3, 2, 'valid'],
        ['1×1 valid stride 2 (subsample)', 1, 2, 'valid'],
      ] as const)('%s', async (_, k, s, pad) => {
        const attrs = { filterSize: [k, k], strides: [s, s], pad };
        await expectClose('MaxPool', { x }, attrs);
        await expectClose('AvgPool', { x }, attrs);
        await tf.setBackend('cpu');
        const xt = tf.tensor4d(x.data, x.shape as any);
        const y = tf.maxPool(xt, k, s, pad);
        const output = { shape: y.shape, data: y.dataSync() as Float32Array };
        const dy = rnd(y.shape);
        tf.dispose([xt, y]);
        await expectClose('MaxPoolGrad', { dy, input: x, output }, attrs);
        await expectClose('AvgPoolGrad', { dy, input: x }, attrs);
      });
    });

    describe('BatchMatMul', () => {
      it.each([
        ['plain', [4, 64, 128], [4, 128, 32], false, false],
        ['transposeA', [4, 128, 64], [4, 128, 32], true, false],
        ['transposeB', [4, 64, 128], [4, 32, 128], false, true],
        ['both, broadcast batch', [1, 128, 64], [4, 32, 128], true, true],
        ['rank 2 (dense layer)', [64, 256], [256, 10], false, false],
      ] as const)('%s', async (_, as, bs, transposeA, transposeB) => {
        await expectClose('BatchMatMul', { a: rnd([...as]), b: rnd([...bs]) }, { transposeA, transposeB });
      });
    });

    describe('shape ops', () => {
      const x = rnd([8, 16, 16, 16]);
      it('Concat on channels and on batch', async () => {
        await expectClose('Concat', [x, rnd([8, 16, 16, 8]), rnd([8, 16, 16, 16])], { axis: 3 }, 0);
        await expectClose('Concat', [x, rnd([2, 16, 16, 16])], { axis: 0 }, 0);
        await expectClose('Concat', [x, rnd([8, 16, 16, 16])], { axis: -1 }, 0);
      });
      it('Slice (non-contiguous native, contiguous stays a JS subarray)', async () => {
        await expectClose('Slice', { x }, { begin: [0, 0, 0, 4], size: [8, 16, 16, 8] }, 0);
        await expectClose('Slice', { x }, { begin: [0, 2, 3, 0], size: [-1, 12, 12, -1] }, 0);
        await expectClose('Slice', { x }, { begin: [2, 0, 0, 0], size: [4, 16, 16, 16] }, 0, false);
      });
      it('PadV2', async () => {
        await expectClose('PadV2', { x }, { paddings: [[0, 0], [1, 1], [2, 0], [0, 0]], constantValue: 0 }, 0);
        await expectClose('PadV2', { x }, { paddings: [[1, 0], [0, 1], [1, 1], [0, 3]], constantValue: 1.5 }, 0);
      });
      it('Tile', async () => {
        await expectClose('Tile', { x: rnd([8, 16, 16, 1]) }, { reps: [1, 1, 1, 16] }, 0);
        await expectClose('Tile', { x: rnd([2, 16, 3, 5]) }, { reps: [2, 1, 3, 2] }, 0);
      });
      it('Pack / Unpack (tf.stack / tf.unstack)', async () => {
        await expectClose('Pack', [x, rnd([8, 16, 16, 16]), rnd([8, 16, 16, 16])], { axis: 0 }, 0);
        await expectClose('Pack', [x, rnd([8, 16, 16, 16])], { axis: 4 }, 0);
        await expectClose('Pack', [x, rnd([8, 16, 16, 16])], { axis: -2 }, 0);
        for (const axis of [1, 3, -1]) {
          const outs: Record<string, Float32Array[]> = {};
          for (const b of ['cpu', 'libtorch']) {
            await tf.setBackend(b);
            const t = tf.tensor(x.data, x.shape);
            const before = kernelStats().Unpack?.native ?? 0;
            const parts = tf.engine().runKernel('Unpack', { value: t }, { axis }) as tf.Tensor[];
            if (b === 'libtorch') expect(kernelStats().Unpack.native).toBe(before + 1);
            outs[b] = parts.map((p) => p.dataSync() as Float32Array);
            tf.dispose([t, ...parts]);
          }
          expect(outs.libtorch).toEqual(outs.cpu);
        }
      });
      it('AddN', async () => {
        await expectClose('AddN', [x, rnd([8, 16, 16, 16]), rnd([8, 16, 16, 16]), rnd([8, 16, 16, 16])], {}, 1e-6);
        await expectClose('AddN', [x, rnd([8, 16, 16, 16])], {}, 1e-6);
      });
      it('SpaceToBatchND / BatchToSpaceND (dilated convs in the engine)', async () => {
        await expectClose('SpaceToBatchND', { x }, { blockShape: [2, 2], paddings: [[2, 2], [2, 2]] }, 0);
        await expectClose('SpaceToBatchND', { x: rnd([8, 15, 15, 16]) }, { blockShape: [2, 2], paddings: [[2, 3], [2, 3]] }, 0);
        await expectClose('BatchToSpaceND', { x: rnd([32, 10, 10, 16]) }, { blockShape: [2, 2], crops: [[0, 0], [0, 0]] }, 0);
        await expectClose('BatchToSpaceND', { x: rnd([32, 10, 10, 16]) }, { blockShape: [2, 2], crops: [[0, 1], [1, 2]] }, 0);
      });
      it('Transpose', async () => {
        await expectClose('Transpose', { x }, { perm: [0, 3, 1, 2] }, 0);
        await expectClose('Transpose', { x: rnd([64, 100]) }, { perm: [1, 0] }, 0);
      });
    });

    describe('elementwise (with broadcasting) and unary', () => {
      const a = rnd([8, 16, 16, 16]);
      it.each(['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum'])('%s', async (k) => {
        const pos = (v: Input) => (k === 'RealDiv' ? { shape: v.shape, data: v.data.map((e) => 0.5 + Math.abs(e)) } : v);
        await expectClose(k, { a, b: pos(rnd([8, 16, 16, 16])) }, {}, 1e-6);
        await expectClose(k, { a, b: pos(rnd([16])) }, {}, 1e-6);
        await expectClose(k, { a: pos(rnd([8, 1, 1, 16])), b: a }, {}, 1e-6);
        await expectClose(k, { a, b: pos(rnd([8, 16, 1, 1])) }, {}, 1e-6);
        await expectClose(k, { a: rnd([10]), b: rnd([10]) }, {}, 1e-6, false);
      });
      it.each(['Relu', 'Exp', 'Neg', 'Square', 'Relu6', 'Sigmoid', 'Tanh', 'Abs'])('%s', async (k) => {
        await expectClose(k, { x: rnd([8, 16, 16, 16], -8, 8) }, {}, 2e-6);
      });
      it.each(['Log', 'Sqrt', 'Rsqrt'])('%s (positive inputs)', async (k) => {
        await expectClose(k, { x: rnd([8, 16, 16, 16], 0.01, 4) }, {}, 2e-6);
      });
      it('Step (the Relu gradient mask), with alpha and NaN', async () => {
        const x = rnd([8, 16, 16, 16]);
        x.data[3] = 0;
        x.data[5] = Number.NaN;
        await expectClose('Step', { x }, { alpha: 0 }, 0);
        await expectClose('Step', { x }, { alpha: 0.25 }, 0);
      });
    });

    describe('reductions, softmax, batch norm', () => {
      const x = rnd([8, 16, 16, 16]);
      it.each(['Sum', 'Mean', 'Max', 'Min'])('%s', async (k) => {
        const ax = k === 'Max' ? 'reductionIndices' : 'axis';
        await expectClose(k, { x }, { [ax]: [0, 1, 2], keepDims: false }, 1e-5);
        await expectClose(k, { x }, { [ax]: [0, 1, 2], keepDims: true }, 1e-5);
        await expectClose(k, { x }, { [ax]: -1, keepDims: false }, 1e-5);
        await expectClose(k, { x }, { [ax]: [1, 2], keepDims: true }, 1e-5);
        await expectClose(k, { x }, { [ax]: null, keepDims: false }, 1e-5);
      });
      it('Softmax', async () => {
        await expectClose('Softmax', { logits: rnd([256, 100], -10, 10) }, { dim: -1 }, 1e-6);
      });
      it('FusedBatchNorm', async () => {
        const c = (lo = -1, hi = 1) => rnd([16], lo, hi);
        await expectClose('FusedBatchNorm', { x, mean: c(), variance: c(0.1, 2), offset: c(), scale: c() }, { varianceEpsilon: 1e-5 }, 1e-5);
        await expectClose('FusedBatchNorm', { x, mean: c(), variance: c(0.1, 2) }, { varianceEpsilon: 1e-3 }, 1e-5);
      });
    });

    it('gradients of a small conv net agree with the cpu backend', async () => {
      const xs = rnd([16, 16, 16, 8]);
      const params = { w1: rnd([3, 3, 8, 16], -0.3, 0.3), dw: rnd([3, 3, 16, 1], -0.3, 0.3), w2: rnd([1, 1, 16, 16], -0.3, 0.3), fc: rnd([16, 10], -0.3, 0.3) };
      const grads: Record<string, Float32Array[]> = {};
      for (const b of ['cpu', 'libtorch']) {
        await tf.setBackend(b);
        const x = tf.tensor4d(xs.data, xs.shape as any);
        const ps = Object.values(params).map((p) => tf.tensor(p.data, p.shape));
        const loss = (w1: tf.Tensor, dw: tf.Tensor, w2: tf.Tensor, fc: tf.Tensor) => {
          let h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'));
          h = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, 'same');
          h = tf.maxPool(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same'), 3, 2, 'same');
          h = tf.avgPool(tf.relu(h), 3, 1, 'same');
          const m = tf.moments(h, [0, 1, 2]);
          h = tf.batchNorm(h, m.mean, m.variance, tf.zeros([16]), tf.ones([16])) as tf.Tensor4D;
          const logits = tf.matMul(tf.mean(h, [1, 2]), fc as tf.Tensor2D);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10), logits);
        };
        const g = tf.grads(loss as (...a: tf.Tensor[]) => tf.Scalar)(ps);
        grads[b] = g.map((t) => t.dataSync() as Float32Array);
        tf.dispose([x, ...ps, ...g]);
      }
      for (let i = 0; i < grads.cpu.length; i++) {
        const a = grads.cpu[i], c = grads.libtorch[i];
        let err = 0, scale = 0;
        for (let j = 0; j < a.length; j++) {
          err = Math.max(err, Math.abs(a[j] - c[j]));
          scale = Math.max(scale, Math.abs(a[j]));
        }
        expect(err, `grad ${i}: max abs err ${err}, magnitude ${scale}`).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3));
      }
      const st = kernelStats();
      for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'DepthwiseConv2dNative', 'MaxPoolGrad', 'AvgPoolGrad']) {
        expect(st[k].native, k).toBeGreaterThan(0);
      }
    });

    it.each([true, false])("the engine's BatchNorm (affine %s) and ReLU use the fused kernels and agree with the cpu maths", async (affine) => {
      const xs = rnd([8, 12, 12, 16], -2, 3);
      const ws = rnd([8, 12, 12, 16]);
      // Tiny gradients (denormal range) where y <= 0 must still give exact zeros.
      for (let i = 0; i < ws.data.length; i += 7) ws.data[i] *= 1e-39;
      const res: Record<string, Float32Array[]> = {};
      for (const b of ['cpu', 'libtorch']) {
        await tf.setBackend(b);
        const before = { ...kernelStats() };
        const bn = new BatchNorm(16, { affine });
        const act = new ReLU();
        const x = tf.variable(tf.tensor4d(xs.data, xs.shape as any), true, `fused_x_${b}_${affine}`);
        const w = tf.tensor4d(ws.data, ws.shape as any);
        const vars = [x, ...(affine ? [bn.gamma!, bn.beta!] : [])];
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(act.forward(bn.forward(x, { training: true })), w)) as tf.Scalar, vars);
        res[b] = [value, ...vars.map((v) => grads[v.name]), bn.runningMean, bn.runningVar].map((t) => Float32Array.from(t.dataSync()));
        if (b === 'libtorch') {
          const st = kernelStats();
          for (const k of ['NaslabBatchNormTraining', 'NaslabBatchNormTrainingGrad', 'NaslabReluGrad']) {
            expect(st[k].native - (before[k]?.native ?? 0), k).toBe(1);
          }
        }
        tf.dispose([value, ...Object.values(grads), x, w]);
        bn.dispose();
      }
      for (let i = 0; i < res.cpu.length; i++) {
        const a = res.cpu[i], c = res.libtorch[i];
        let err = 0, scale = 0;
        for (let j = 0; j < a.length; j++) {
          err = Math.max(err, Math.abs(a[j] - c[j]));
          scale = Math.max(scale, Math.abs(a[j]));
        }
        expect(err, `output ${i}: max abs err ${err}, magnitude ${scale}`).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3));
      }
    });

    it('training steps through the fused kernels leave no tensor behind', async () => {
      await tf.setBackend('libtorch');
      const bn = new BatchNorm(16);
      const x = tf.randomNormal([8, 12, 12, 16]);
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(new ReLU().forward(bn.forward(x, { training: true }))) as tf.Scalar, [bn.gamma!, bn.beta!]);
          bn.gamma!.assign(tf.sub(bn.gamma!, tf.mul(grads[bn.gamma!.name], 1e-3)));
          return value;
        }).dispose();
      step();
      const tensors = tf.memory().numTensors;
      for (let i = 0; i < 30; i++) step();
      expect(tf.memory().numTensors).toBe(tensors);
      tf.dispose(x);
      bn.dispose();
    });

    it('SplitV (the gradient of a channel concat) runs natively; along the batch axis it stays a JS view', async () => {
      const x = rnd([8, 16, 16, 24]);
      for (const [attrs, native] of [
        [{ numOrSizeSplits: [8, 16], axis: 3 }, true],
        [{ numOrSizeSplits: 3, axis: -1 }, true],
        [{ numOrSizeSplits: [4, 4], axis: 0 }, false],
      ] as const) {
        const outs: Record<string, Float32Array[]> = {};
        for (const b of ['cpu', 'libtorch']) {
          await tf.setBackend(b);
          const t = tf.tensor(x.data, x.shape);
          const before = kernelStats().SplitV?.native ?? 0;
          const parts = tf.engine().runKernel('SplitV', { x: t }, attrs as any) as tf.Tensor[];
          if (b === 'libtorch') expect(kernelStats().SplitV.native - before).toBe(native ? 1 : 0);
          outs[b] = parts.map((p) => Float32Array.from(p.dataSync()));
          tf.dispose([t, ...parts]);
        }
        expect(outs.libtorch).toEqual(outs.cpu);
      }
    });

    it('keeps native outputs in ATen until read, frees them on dispose, and reads them once', async () => {
      await tf.setBackend('libtorch');
      const x = tf.randomNormal([64, 64, 4]);
      const expected = Float32Array.from(x.dataSync(), (v) => Math.max(0, v));
      const h0 = deviceStats().handles;
      const y = tf.relu(x);
      expect(deviceStats().handles).toBe(h0 + 1);
      const reads0 = deviceStats().reads;
      expect(y.dataSync()).toEqual(expected);
      expect(y.dataSync()).toEqual(expected);
      expect(deviceStats().reads).toBe(reads0 + 1);
      // On the CPU the read copy replaces the device copy: one copy of the data at any time.
      expect(deviceStats().handles).toBe(h0);
      // A native kernel on the read tensor views its JS array (no upload on the CPU).
      const uploads0 = deviceStats().uploads;
      const z = tf.neg(y);
      expect(deviceStats().uploads).toBe(uploads0);
      expect(deviceStats().handles).toBe(h0 + 1);
      tf.dispose([y, z]);
      expect(deviceStats().handles).toBe(h0);
      x.dispose();
    });

    it('refuses a released handle, also after its slot is reused', () => {
      const addon = loadAddon()!;
      const h = addon.upload(Float32Array.from([1, 2, 3]));
      expect(Array.from(addon.read(h))).toEqual([1, 2, 3]);
      addon.release(h);
      expect(() => addon.read(h)).toThrow(/not a live tensor handle/);
      const again = addon.upload(Float32Array.from([4, 5]));
      expect(again).not.toBe(h);
      expect(() => addon.read(h)).toThrow(/not a live tensor handle/);
      expect(() => addon.unary(0, h, null, 3)).toThrow(/not a live tensor handle/);
      expect(Array.from(addon.read(again))).toEqual([4, 5]);
      addon.release(again);
      addon.release(again); // twice: nothing happens
    });

    it('a contiguous slice of device data is a view that outlives its source', async () => {
      await tf.setBackend('libtorch');
      const x = tf.randomNormal([64, 64, 4]);
      const w = tf.relu(x);
      const h0 = deviceStats().handles;
      const before = kernelStats().Slice?.native ?? 0;
      const view = tf.slice(w, [8, 0, 0], [32, 64, 4]);
      expect(kernelStats().Slice.native - before).toBe(1);
      expect(deviceStats().handles).toBe(h0 + 1);
      const bytes = deviceStats().handleBytes;
      const expected = Float32Array.from((await tf.relu(x).data()) as Float32Array).subarray(8 * 64 * 4, 40 * 64 * 4);
      w.dispose();
      expect(deviceStats().handleBytes).toBeLessThan(bytes);
      tf.dispose(tf.mul(x, 3)); // reuses freed memory; the view keeps its storage alive
      expect(view.dataSync()).toEqual(expected);
      tf.dispose([x, view]);
    });

    it('a synchronous loop of native kernels does not grow memory', async () => {
      await tf.setBackend('libtorch');
      const x = tf.randomNormal([32, 32, 32, 16]) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 16, 16]) as tf.Tensor4D;
      const step = () => tf.tidy(() => tf.sum(tf.relu(tf.conv2d(x, w, 1, 'same'))).dataSync());
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      for (let i = 0; i < 20; i++) step();
      const tensors = tf.memory().numTensors;
      const handles = deviceStats().handles;
      gc();
      const rss0 = process.memoryUsage().rss;
      for (let i = 0; i < 200; i++) step();
      gc();
      const grown = process.memoryUsage().rss - rss0;
      expect(tf.memory().numTensors).toBe(tensors);
      expect(deviceStats().handles).toBe(handles);
      // 200 iterations produce 400 outputs of 2 MB: a leak of ATen- or JS-side outputs would show
      // hundreds of MiB.
      expect(grown, `rss grew by ${(grown / 2 ** 20).toFixed(0)} MiB`).toBeLessThan(64 * 2 ** 20);
      tf.dispose([x, w]);
    });
  });
}
