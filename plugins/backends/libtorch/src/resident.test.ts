// The data path a CUDA device uses, run on the CPU: every tensor a native kernel touches stays on
// the device (JS data uploaded once, every output a handle, reads keep the device copy), and
// native kernels take even the smallest tensors. Results must match the cpu backend, and a
// training step must move only its batch in and its loss out.
import { existsSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { deviceStats, kernelStats, registerLibtorchBackend } from './backend.js';
import { probeNative } from './native.js';
import { handleOf } from './storage.js';

tf.enableProdMode();

const probe = probeNative();
const libtorchInstalled = existsSync('/usr/include/ATen/ATen.h') || !!process.env.LIBTORCH_DIR;

let seed = 777;
function rand(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}
function rnd(shape: number[], lo = -1, hi = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rand()), shape);
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let err = 0, scale = 1e-3;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return err / scale;
}

/** Builds the inputs with `make` (same random numbers on both backends) and compares `f` on cpu and libtorch. */
async function agree(make: () => tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<void> {
  const outs: Record<string, Float32Array[]> = {};
  for (const b of ['cpu', 'libtorch']) {
    await tf.setBackend(b);
    const s = seed;
    const ins = make();
    seed = s;
    const r = f(...ins);
    const list = Array.isArray(r) ? r : [r];
    outs[b] = list.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose([...ins, ...list]);
  }
  seed += 1;
  expect(outs.libtorch.length).toBe(outs.cpu.length);
  outs.cpu.forEach((a, i) => {
    expect(outs.libtorch[i].length).toBe(a.length);
    expect(maxRelErr(a, outs.libtorch[i]), `output ${i}`).toBeLessThan(1e-5);
  });
}

if (!probe.available) {
  describe('device-resident data path', () => {
    it('is skipped only where libtorch is not installed', () => {
      expect(libtorchInstalled, `libtorch is installed but the addon is unavailable: ${probe.reason}`).toBe(false);
    });
  });
} else {
  describe('device-resident data path (the CUDA path, on the CPU)', () => {
    beforeAll(() => {
      registerLibtorchBackend({ threads: 2, resident: true });
    });

    it('every native kernel agrees with the cpu backend, small tensors included', async () => {
      await agree(() => [rnd([2, 9, 9, 3]), rnd([3, 3, 3, 4])], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'));
      await agree(() => [rnd([2, 8, 8, 3]), rnd([3, 3, 3, 2])], (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'));
      await agree(() => [rnd([2, 7, 7, 3])], (x) => [tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'), tf.avgPool(x as tf.Tensor4D, 3, 1, 'same')]);
      await agree(() => [rnd([4, 5]), rnd([5])], (a, b) => [tf.add(a, b), tf.sub(a, b), tf.mul(a, b), tf.div(a, tf.add(tf.abs(b), 1)), tf.squaredDifference(a, b), tf.maximum(a, b), tf.minimum(a, b)]);
      await agree(() => [rnd([3, 4])], (x) => [tf.relu(x), tf.step(x, 0.5), tf.exp(x), tf.log(tf.add(tf.abs(x), 1)), tf.sqrt(tf.abs(x)), tf.square(x), tf.neg(x), tf.relu6(tf.mul(x, 8)), tf.sigmoid(x), tf.tanh(x), tf.abs(x)]);
      await agree(() => [rnd([3, 4, 5])], (x) => [tf.sum(x, [0, 2]), tf.mean(x, 1), tf.max(x, -1), tf.min(x, 0, true), tf.softmax(x)]);
      await agree(() => [rnd([2, 3, 4]), rnd([2, 5, 4])], (a, b) => tf.matMul(a, b, false, true));
      await agree(() => [rnd([2, 3, 4]), rnd([2, 3, 2])], (a, b) => [tf.concat([a, b], 2), tf.slice(a, [0, 1, 1], [2, 2, 2]), tf.slice(a, [1, 0, 0], [1, 3, 4])]);
      await agree(() => [rnd([4, 3, 6])], (x) => [...tf.split(x, [2, 4], 2), ...tf.split(x, 2, 0), ...tf.unstack(x, 1), ...tf.unstack(x, 0)]);
      await agree(() => [rnd([2, 3, 3, 2])], (x) => [tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]], 0.5), tf.tile(x, [1, 2, 1, 3]), tf.transpose(x, [3, 1, 0, 2]), tf.addN([x, x, tf.neg(x)]), tf.stack([x, x], 1)]);
      await agree(() => [rnd([4, 6, 6, 2])], (x) => [tf.spaceToBatchND(x, [2, 2], [[0, 0], [0, 0]]), tf.batchToSpaceND(tf.spaceToBatchND(x, [2, 2], [[1, 1], [1, 1]]), [2, 2], [[1, 1], [1, 1]])]);
      await agree(() => [rnd([2, 4, 4, 3]), rnd([3]), rnd([3], 0.5, 1.5)], (x, m, v) => tf.batchNorm(x, m, v, tf.ones([3]), tf.zeros([3]), 1e-3));
      const st = kernelStats();
      for (const k of ['Conv2D', 'DepthwiseConv2dNative', 'MaxPool', 'AvgPool', 'Add', 'Step', 'Sum', 'Softmax', 'BatchMatMul', 'Concat', 'Slice', 'SplitV', 'PadV2', 'Tile', 'Transpose', 'AddN', 'Pack', 'Unpack', 'SpaceToBatchND', 'BatchToSpaceND', 'FusedBatchNorm']) {
        expect(st[k]?.native ?? 0, k).toBeGreaterThan(0);
      }
    });

    it('a training step uploads only its batch, reads only its loss, and frees what it made', async () => {
      const losses: Record<string, number[]> = {};
      for (const b of ['cpu', 'libtorch']) {
        await tf.setBackend(b);
        seed = 4242;
        const vars = [rnd([3, 3, 4, 8], -0.3, 0.3), rnd([3, 3, 8, 1], -0.3, 0.3), rnd([8, 5], -0.3, 0.3)].map((t) => tf.variable(t));
        const batches = Array.from({ length: 6 }, () => ({ x: Float32Array.from({ length: 8 * 10 * 10 * 4 }, () => rand() * 2 - 1), y: Array.from({ length: 8 }, (_, i) => i % 5) }));
        const labelsOf = (y: number[]) => tf.oneHot(tf.tensor1d(y, 'int32'), 5);
        const step = (batch: (typeof batches)[number]) =>
          tf.tidy(() => {
            const x = tf.tensor4d(batch.x, [8, 10, 10, 4]);
            const { value, grads } = tf.variableGrads(() => {
              let h = tf.relu(tf.conv2d(x, vars[0] as unknown as tf.Tensor4D, 1, 'same'));
              h = tf.maxPool(tf.depthwiseConv2d(h, vars[1] as unknown as tf.Tensor4D, 1, 'same'), 2, 2, 'valid');
              const m = tf.moments(h, [0, 1, 2]);
              h = tf.batchNorm(h, m.mean, m.variance, tf.zeros([8]), tf.ones([8]), 1e-5) as tf.Tensor4D;
              return tf.losses.softmaxCrossEntropy(labelsOf(batch.y), tf.matMul(tf.mean(h, [1, 2]), vars[2] as unknown as tf.Tensor2D));
            }, vars);
            for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)));
            return value;
          });
        losses[b] = [];
        const counts: Array<{ uploadBytes: number; reads: number }> = [];
        let handles = 0;
        for (const [i, batch] of batches.entries()) {
          const before = deviceStats();
          const loss = step(batch);
          losses[b].push(loss.dataSync()[0]);
          loss.dispose();
          const after = deviceStats();
          counts.push({ uploadBytes: after.uploadBytes - before.uploadBytes, reads: after.reads - before.reads });
          if (i === 1) handles = after.handles;
          if (i > 1 && b === 'libtorch') expect(after.handles, `device tensors after step ${i}`).toBe(handles);
        }
        if (b === 'libtorch') {
          // The weights stay device tensors from step to step. What crosses: the batch in (x, and
          // the one-hot labels a JS kernel makes), what tfjs builds in JS (scalars, BN's zeros and
          // ones, the ones(x.shape) of tf.mean's gradient), the loss out. No JS kernel ever reads
          // device data: each such read would wait for the GPU.
          for (const v of vars) expect(handleOf(tf.backend() as never, v), `${v.name} on the device`).toBeDefined();
          const batchBytes = (8 * 10 * 10 * 4 + 8 * 5) * 4;
          for (const c of counts.slice(1)) {
            expect(c.reads, 'reads per step').toBe(1);
            expect(c.uploadBytes, 'bytes uploaded per step').toBe(counts[1].uploadBytes);
            expect(c.uploadBytes, 'bytes uploaded per step').toBeGreaterThanOrEqual(batchBytes);
            expect(c.uploadBytes, 'bytes uploaded per step').toBeLessThan(3 * batchBytes);
          }
        }
        tf.dispose(vars);
      }
      for (let i = 0; i < losses.cpu.length; i++) expect(Math.abs(losses.libtorch[i] - losses.cpu[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses.cpu[i])));
    });
  });
}
