#!/usr/bin/env node
// Benchmark (not a test): per-kernel milliseconds of the `libtorch` tfjs backend vs the pure-JS
// `cpu` backend, for DARTS-like shapes (batch 64, 32×32, C = 16), plus one training step of a
// small conv net. Needs `npm run build -w @naslab/backend-libtorch` and the native addon.
//
//   node bench/libtorch-kernels.mjs [--threads N] [--batch 64] [--no-cpu] [--only Conv2D,...] [--no-train]
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import { kernelStats, probeLibtorch, registerLibtorchBackend, defaultThreads, resetKernelStats } from '@naslab/backend-libtorch';

const { values: opt } = parseArgs({
  options: {
    threads: { type: 'string' },
    batch: { type: 'string', default: '64' },
    'no-cpu': { type: 'boolean', default: false },
    'no-train': { type: 'boolean', default: false },
    only: { type: 'string' },
    'min-ms': { type: 'string', default: '400' },
  },
});

tf.enableProdMode();
const probe = await probeLibtorch();
if (!probe.available) {
  console.error(`${probe.reason}\nfix: ${probe.fix}`);
  process.exit(1);
}
const threads = opt.threads ? Number(opt.threads) : defaultThreads();
registerLibtorchBackend({ threads, profile: true });
const B = Number(opt.batch);
const minMs = Number(opt['min-ms']);
const only = opt.only ? new Set(opt.only.split(',')) : undefined;

const cases = [
  ['Conv2D', '3×3 16→16 same', { x: [B, 32, 32, 16], filter: [3, 3, 16, 16] }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 }],
  ['Conv2D', '1×1 16→16', { x: [B, 32, 32, 16], filter: [1, 1, 16, 16] }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 }],
  ['Conv2D', 'stem 3×3 3→48', { x: [B, 32, 32, 3], filter: [3, 3, 3, 48] }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 }],
  ['Conv2DBackpropInput', '3×3 16→16 same', { dy: [B, 32, 32, 16], filter: [3, 3, 16, 16] }, { inputShape: [B, 32, 32, 16], strides: 1, pad: 'same', dataFormat: 'NHWC' }],
  ['Conv2DBackpropFilter', '3×3 16→16 same', { x: [B, 32, 32, 16], dy: [B, 32, 32, 16] }, { filterShape: [3, 3, 16, 16], strides: 1, pad: 'same', dataFormat: 'NHWC' }],
  ['Conv2DBackpropFilter', '1×1 16→16', { x: [B, 32, 32, 16], dy: [B, 32, 32, 16] }, { filterShape: [1, 1, 16, 16], strides: 1, pad: 'valid', dataFormat: 'NHWC' }],
  ['DepthwiseConv2dNative', '3×3', { x: [B, 32, 32, 16], filter: [3, 3, 16, 1] }, { strides: 1, pad: 'same', dilations: 1 }],
  ['DepthwiseConv2dNative', '5×5', { x: [B, 32, 32, 16], filter: [5, 5, 16, 1] }, { strides: 1, pad: 'same', dilations: 1 }],
  ['DepthwiseConv2dNative', '3×3 dilation 2', { x: [B, 32, 32, 16], filter: [3, 3, 16, 1] }, { strides: 1, pad: 'same', dilations: 2 }],
  ['DepthwiseConv2dNativeBackpropInput', '3×3', { dy: [B, 32, 32, 16], filter: [3, 3, 16, 1] }, { inputShape: [B, 32, 32, 16], strides: 1, pad: 'same', dilations: 1 }],
  ['DepthwiseConv2dNativeBackpropFilter', '3×3', { x: [B, 32, 32, 16], dy: [B, 32, 32, 16] }, { filterShape: [3, 3, 16, 1], strides: 1, pad: 'same', dilations: 1 }],
  ['DepthwiseConv2dNativeBackpropFilter', '3×3 dilation 2', { x: [B, 32, 32, 16], dy: [B, 32, 32, 16] }, { filterShape: [3, 3, 16, 1], strides: 1, pad: 'same', dilations: 2 }],
  ['MaxPool', '3×3 s1 same', { x: [B, 32, 32, 16] }, { filterSize: 3, strides: 1, pad: 'same' }],
  ['AvgPool', '3×3 s1 same', { x: [B, 32, 32, 16] }, { filterSize: 3, strides: 1, pad: 'same' }],
  ['MaxPoolGrad', '3×3 s1 same', { dy: [B, 32, 32, 16], input: [B, 32, 32, 16], output: [B, 32, 32, 16] }, { filterSize: 3, strides: 1, pad: 'same' }],
  ['AvgPoolGrad', '3×3 s1 same', { dy: [B, 32, 32, 16], input: [B, 32, 32, 16] }, { filterSize: 3, strides: 1, pad: 'same' }],
  ['Add', 'same shape', { a: [B, 32, 32, 16], b: [B, 32, 32, 16] }, {}],
  ['Multiply', 'broadcast [C]', { a: [B, 32, 32, 16], b: [16] }, {}],
  ['Sub', 'broadcast [1,1,1,C]', { a: [B, 32, 32, 16], b: [1, 1, 1, 16] }, {}],
  ['RealDiv', 'same shape', { a: [B, 32, 32, 16], b: [B, 32, 32, 16] }, {}],
  ['Relu', '', { x: [B, 32, 32, 16] }, {}],
  ['Step', '(Relu grad mask)', { x: [B, 32, 32, 16] }, { alpha: 0 }],
  ['Sum', 'over N,H,W', { x: [B, 32, 32, 16] }, { axis: [0, 1, 2], keepDims: true }],
  ['Mean', 'over N,H,W', { x: [B, 32, 32, 16] }, { axis: [0, 1, 2], keepDims: true }],
  ['FusedBatchNorm', '', { x: [B, 32, 32, 16], mean: [16], variance: [16], offset: [16], scale: [16] }, { varianceEpsilon: 1e-5 }],
  ['Concat', '4 × C16 on channels', [[B, 32, 32, 16], [B, 32, 32, 16], [B, 32, 32, 16], [B, 32, 32, 16]], { axis: 3 }],
  ['Slice', 'channels 16 of 64', { x: [B, 32, 32, 64] }, { begin: [0, 0, 0, 16], size: [B, 32, 32, 16] }],
  ['PadV2', '1 px H,W', { x: [B, 32, 32, 16] }, { paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], constantValue: 0 }],
  ['Tile', 'C 1→16', { x: [B, 32, 32, 1] }, { reps: [1, 1, 1, 16] }],
  ['Transpose', 'NHWC→NCHW', { x: [B, 32, 32, 16] }, { perm: [0, 3, 1, 2] }],
  ['BatchMatMul', 'dense 256→10', { a: [B, 256], b: [256, 10] }, { transposeA: false, transposeB: false }],
  ['BatchMatMul', '[8,256,256]²', { a: [8, 256, 256], b: [8, 256, 256] }, { transposeA: false, transposeB: false }],
  ['Softmax', '[B,10] (stays in JS)', { logits: [B, 10] }, { dim: -1 }],
];

function makeInputs(spec) {
  const mk = (shape) => tf.randomUniform(shape, 0.1, 1);
  return Array.isArray(spec) ? spec.map(mk) : Object.fromEntries(Object.entries(spec).map(([k, s]) => [k, mk(s)]));
}

function timeKernel(backend, name, spec, attrs) {
  tf.setBackend(backend);
  const inputs = makeInputs(spec);
  const run = () => {
    const out = tf.engine().runKernel(name, inputs, attrs);
    const o = Array.isArray(out) ? out : [out];
    tf.dispose(o);
  };
  const tw = performance.now();
  run(); // warm-up
  if (performance.now() - tw > 4 * minMs) {
    tf.dispose(Object.values(inputs));
    return performance.now() - tw; // slow enough that the warm-up call is the measurement
  }
  const times = [];
  const t0 = performance.now();
  // At least one timed call; more while under minMs (the cpu backend's backprops take seconds).
  while (times.length < 1 || (performance.now() - t0 < minMs && times.length < 50)) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  tf.dispose(Object.values(inputs));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const fmt = (ms) => (ms == null ? '—' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
console.log(`libtorch ${probe.torchVersion}, ${threads} ATen thread(s), batch ${B}; median ms per call`);
console.log(['kernel', 'case', 'cpu (JS)', 'libtorch', 'speed-up', 'path'].join(' | '));
const rows = [];
for (const [name, label, spec, attrs] of cases) {
  if (only && !only.has(name)) continue;
  const before = kernelStats()[name]?.native ?? 0;
  const lt = timeKernel('libtorch', name, spec, attrs);
  const native = (kernelStats()[name]?.native ?? 0) > before;
  const cpu = opt['no-cpu'] ? undefined : timeKernel('cpu', name, spec, attrs);
  const row = [name, label, fmt(cpu), fmt(lt), cpu ? `${(cpu / lt).toFixed(1)}×` : '—', native ? 'native' : 'JS'];
  rows.push(row);
  console.log(row.join(' | '));
}

if (!opt['no-train']) {
  // A small DARTS-flavoured conv net: stem, two ReLU-sepconv-BN blocks with a skip, a reduction
  // (stride-2 conv + max pool), global average pool, dense. One SGD step = forward + backward + update.
  const C = 16;
  const init = (shape) => tf.variable(tf.randomNormal(shape, 0, 0.1));
  const makeNet = () => {
    const p = {
      stem: init([3, 3, 3, C]),
      dw1: init([3, 3, C, 1]), pw1: init([1, 1, C, C]), g1: tf.variable(tf.ones([C])), b1: tf.variable(tf.zeros([C])),
      dw2: init([5, 5, C, 1]), pw2: init([1, 1, C, C]), g2: tf.variable(tf.ones([C])), b2: tf.variable(tf.zeros([C])),
      red: init([3, 3, C, 2 * C]),
      fc: init([2 * C, 10]),
    };
    const bn = (h, g, b) => {
      const m = tf.moments(h, [0, 1, 2]);
      return tf.batchNorm(h, m.mean, m.variance, b, g, 1e-5);
    };
    const sep = (h, dw, pw, g, b) => bn(tf.conv2d(tf.depthwiseConv2d(tf.relu(h), dw, 1, 'same'), pw, 1, 'same'), g, b);
    const forward = (x) => {
      let h = tf.conv2d(x, p.stem, 1, 'same');
      h = tf.add(h, sep(h, p.dw1, p.pw1, p.g1, p.b1));
      h = tf.add(h, sep(h, p.dw2, p.pw2, p.g2, p.b2));
      h = tf.add(tf.avgPool(h, 3, 1, 'same'), tf.maxPool(h, 3, 1, 'same'));
      h = tf.maxPool(tf.relu(tf.conv2d(h, p.red, 2, 'same')), 3, 2, 'same');
      return tf.matMul(tf.mean(h, [1, 2]), p.fc);
    };
    return { p, forward };
  };
  const x0 = tf.randomUniform([B, 32, 32, 3]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32'), 10);
  const xs = x0.dataSync().slice();
  const ys = labels.dataSync().slice();
  tf.dispose([x0, labels]);
  const trainStep = async (backend, steps) => {
    await tf.setBackend(backend);
    const net = makeNet();
    const opt = tf.train.sgd(0.01);
    const x = tf.tensor4d(xs, [B, 32, 32, 3]);
    const y = tf.tensor2d(ys, [B, 10]);
    const step = () => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)), true);
      loss.dataSync();
      loss.dispose();
    };
    step(); // warm-up
    resetKernelStats();
    const t = performance.now();
    for (let i = 0; i < steps; i++) step();
    const ms = (performance.now() - t) / steps;
    tf.dispose([x, y, ...Object.values(net.p)]);
    opt.dispose();
    return ms;
  };
  const lt = await trainStep('libtorch', 5);
  const top = Object.entries(kernelStats())
    .map(([k, v]) => [k, v.native / 5, v.js / 5, (v.nativeMs + v.jsMs) / 5])
    .filter((r) => r[3] > 0)
    .sort((a, b) => b[3] - a[3])
    .slice(0, 12);
  console.log(`libtorch train step, top kernels (calls native/JS per step, ms per step):`);
  for (const [k, n, j, ms] of top) console.log(`  ${k.padEnd(36)} ${String(n).padStart(3)}/${String(j).padEnd(3)} ${ms.toFixed(1).padStart(7)} ms`);
  const cpu = opt['no-cpu'] ? undefined : await trainStep('cpu', 1);
  console.log(
    `train step (small conv net, batch ${B}, 32×32×3): cpu ${cpu ? fmt(cpu) + ' ms' : '—'}, libtorch ${fmt(lt)} ms` +
      (cpu ? ` (${(cpu / lt).toFixed(1)}×); ${((B * 1000) / lt).toFixed(0)} vs ${((B * 1000) / cpu).toFixed(1)} img/s` : `; ${((B * 1000) / lt).toFixed(0)} img/s`),
  );
}
