#!/usr/bin/env node
/**
 * The libtorch backend on a GPU, checked where the GPU is (bench/gpu-check/run.sh runs it):
 *
 *   node bench/gpu-check/cuda-check.mjs kernels [--device cuda]   every native kernel vs the cpu backend
 *   node bench/gpu-check/cuda-check.mjs losses [--device cuda] [--steps 10] [--batch 96]
 *       the losses of `steps` DARTS training steps (DARTS V2, C=16, L=8, 32×32×3), one JSON line
 *   node bench/gpu-check/cuda-check.mjs compare A.json B.json   the largest relative loss difference
 *
 * `kernels` exits 1 when a kernel disagrees beyond 1e-4 (relative to the output's magnitude) or a
 * training step reads more than its loss from the device. A check that prints numbers, not a test.
 */
import { readFileSync } from 'node:fs';
import { activateBackend, dartsTrainStep } from '../lib/darts-train-step.mjs';
import { option as opt } from '../lib/options.mjs';

const what = process.argv[2];
const device = opt('device', 'cuda');

if (what === 'compare') {
  const [a, b] = process.argv.slice(3, 5).map((f) => JSON.parse(readFileSync(f, 'utf8').trim().split('\n').pop()));
  const diffs = a.losses.map((l, i) => Math.abs(l - b.losses[i]) / Math.max(1, Math.abs(l)));
  const worst = Math.max(...diffs);
  console.log(JSON.stringify({ a: a.device, b: b.device, losses: [a.losses, b.losses], maxRelativeDifference: worst, agree: worst < 1e-3 }));
  process.exit(worst < 1e-3 ? 0 : 1);
}

const tf = await import('@tensorflow/tfjs');
const lt = await import('@naslab/backend-libtorch');
const why = await activateBackend('libtorch', Number(opt('threads', '4')), { device });
if (why) {
  console.log(JSON.stringify({ device, error: why, devices: lt.cudaDevices() }));
  process.exit(2);
}

if (what === 'losses') {
  const steps = Number(opt('steps', '10'));
  const batch = Number(opt('batch', '96'));
  const { step, rng, batches } = await dartsTrainStep({ seed: 'gpu-check', channels: 16, cells: 8, batch, count: steps });
  const losses = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) losses.push(step(batches[s].x, batches[s].labels, batch, 0.025, rng).loss);
  console.log(JSON.stringify({ device: lt.deviceDescription(), steps, batch, losses, seconds: (performance.now() - t0) / 1000, stats: lt.deviceStats() }));
} else if (what === 'kernels') {
  let seed = 7;
  const rnd = (shape, lo = -1, hi = 1) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return lo + ((hi - lo) * seed) / 2 ** 31;
    }), shape);
  };
  const cases = {
    conv2d: [() => [rnd([8, 17, 17, 16]), rnd([3, 3, 16, 32])], (x, w) => tf.conv2d(x, w, 2, 'same')],
    depthwise: [() => [rnd([8, 16, 16, 16]), rnd([5, 5, 16, 1])], (x, w) => tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', 2)],
    pools: [() => [rnd([8, 15, 15, 8])], (x) => [tf.maxPool(x, 3, 2, 'same'), tf.avgPool(x, 3, 1, 'same')]],
    elementwise: [() => [rnd([64, 33]), rnd([33])], (a, b) => [tf.add(a, b), tf.mul(a, b), tf.div(a, tf.add(tf.abs(b), 1)), tf.relu(a), tf.step(a, 0.2), tf.exp(a), tf.sigmoid(a)]],
    reductions: [() => [rnd([16, 9, 9, 8])], (x) => [tf.sum(x, [0, 1, 2]), tf.mean(x, [1, 2]), tf.max(x, -1), tf.softmax(tf.reshape(x, [16, -1]))]],
    matmul: [() => [rnd([4, 64, 32]), rnd([4, 48, 32])], (a, b) => tf.matMul(a, b, false, true)],
    shape: [() => [rnd([8, 6, 6, 12])], (x) => [tf.concat([x, x], 3), ...tf.split(x, [4, 8], 3), tf.pad(x, [[0, 0], [1, 1], [2, 0], [0, 0]]), tf.transpose(x, [0, 3, 1, 2]), tf.slice(x, [1, 0, 0, 0], [4, 6, 6, 12])]],
    gradients: [() => [rnd([8, 12, 12, 8]), rnd([3, 3, 8, 8], -0.3, 0.3)], (x, w) => tf.grads((a, b) => tf.sum(tf.square(tf.maxPool(tf.relu(tf.conv2d(a, b, 1, 'same')), 2, 2, 'valid'))))([x, w])],
  };
  const results = {};
  let ok = true;
  for (const [name, [make, f]] of Object.entries(cases)) {
    const outs = {};
    for (const b of ['cpu', 'libtorch']) {
      await tf.setBackend(b);
      const s = seed;
      const ins = make();
      seed = s;
      const r = f(...ins);
      outs[b] = (Array.isArray(r) ? r : [r]).map((t) => t.dataSync().slice());
      tf.dispose([...ins, ...(Array.isArray(r) ? r : [r])]);
    }
    seed += 1;
    let worst = 0;
    outs.cpu.forEach((a, i) => {
      let err = 0, scale = 1e-3;
      for (let j = 0; j < a.length; j++) {
        err = Math.max(err, Math.abs(a[j] - outs.libtorch[i][j]));
        scale = Math.max(scale, Math.abs(a[j]));
      }
      worst = Math.max(worst, err / scale);
    });
    results[name] = worst;
    if (!(worst < 1e-4)) ok = false;
  }
  // A training step must read only its loss (and metrics) from the device.
  await tf.setBackend('libtorch');
  const { step, rng, batches } = await dartsTrainStep({ seed: 'gpu-check-reads', channels: 8, cells: 3, batch: 16, count: 3 });
  step(batches[0].x, batches[0].labels, 16, 0.025, rng);
  const r0 = lt.deviceStats().reads;
  step(batches[1].x, batches[1].labels, 16, 0.025, rng);
  const readsPerStep = lt.deviceStats().reads - r0;
  if (readsPerStep > 2) ok = false;
  console.log(JSON.stringify({ device: lt.deviceDescription(), maxRelativeError: results, readsPerStep, kernelStats: lt.kernelStats(), ok }));
  process.exit(ok ? 0 : 1);
} else {
  console.error('usage: cuda-check.mjs kernels|losses|compare …');
  process.exit(2);
}
