#!/usr/bin/env node
/**
 * Memory over a long training run: runs N steps of the trainer's own step (`createTrainStep`:
 * forward, cross-entropy, backward, clipping, SGD with momentum and weight decay) on one backend
 * and samples tf.memory() and the process's RSS every K steps. Prints the samples and, over the
 * second half of the run (after warm-up, pools and allocator arenas have settled), the growth of
 * tensors, tensor bytes and RSS per 1,000 steps. A flat run shows 0 tensors and ~0 MB.
 *
 *   npm run build && node bench/train-memory/run.mjs [--backend libtorch] [--steps 2000]
 *       [--every 100] [--channels 8] [--cells 3] [--batch 64] [--size 28] [--depth 1] [--threads 2]
 *
 * Defaults are the quick start's network (DARTS V2 genotype at C=8, 3 cells, 28×28×1 input, batch
 * 64), so 2,000 steps take minutes. Each step gets a different batch (8 batches cycled), as a
 * real epoch does. A benchmark that prints numbers, not a test.
 */
import { activateBackend, dartsTrainStep } from '../lib/darts-train-step.mjs';
import { option } from '../lib/options.mjs';

const backend = option('backend', 'libtorch');
const steps = Number(option('steps', '2000'));
const every = Number(option('every', '100'));
const channels = Number(option('channels', '8'));
const cells = Number(option('cells', '3'));
const batch = Number(option('batch', '64'));
const size = Number(option('size', '28'));
const depth = Number(option('depth', '1'));
const threads = Number(option('threads', '2'));

const tf = await import('@tensorflow/tfjs');
const why = await activateBackend(backend, threads);
if (why) throw new Error(`backend ${backend}: ${why}`);
const { step, rng, batches } = await dartsTrainStep({ seed: 'train-memory', channels, cells, size, depth, batch, count: 8 });

const MiB = 2 ** 20;
// On libtorch: the tensors held in ATen (device handles), which tf.memory() does not see apart.
const lt = backend.startsWith('libtorch') ? await import('@naslab/backend-libtorch') : undefined;
const samples = [];
const sample = (s) => {
  const m = tf.memory();
  const d = lt?.deviceStats();
  samples.push({ step: s, tensors: m.numTensors, bytes: m.numBytes, rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, handles: d?.handles ?? 0, cached: d?.cpuCachedBytes ?? 0 });
};
console.log(`${backend}: DARTS V2, C=${channels}, L=${cells}, ${size}×${size}×${depth}, batch ${batch}, ${steps} steps`);
console.log('| step | tensors | device tensors | tensor MB | RSS MB | of which cached for reuse MB | JS heap MB | s/step (since last) |');
console.log('|---|---|---|---|---|---|---|---|');
const started = performance.now();
let last = started;
let loss = 0;
sample(0);
for (let s = 1; s <= steps; s++) {
  const b = batches[s % batches.length];
  loss = step(b.x, b.labels, batch, 0.025, rng).loss;
  if (s % every === 0 || s === steps) {
    sample(s);
    const r = samples.at(-1);
    const now = performance.now();
    const per = (now - last) / 1000 / (s - samples.at(-2).step);
    last = now;
    console.log(`| ${s} | ${r.tensors} | ${lt ? r.handles : '–'} | ${(r.bytes / MiB).toFixed(1)} | ${(r.rss / MiB).toFixed(0)} | ${lt ? (r.cached / MiB).toFixed(0) : '–'} | ${(r.heap / MiB).toFixed(0)} | ${per.toFixed(3)} |`);
  }
}
// Least-squares slope over the second half: robust to the one-off growth of the first steps.
const half = samples.filter((r) => r.step >= steps / 2);
const slope = (key) => {
  const n = half.length;
  const mx = half.reduce((a, r) => a + r.step, 0) / n;
  const my = half.reduce((a, r) => a + r[key], 0) / n;
  const sxy = half.reduce((a, r) => a + (r.step - mx) * (r[key] - my), 0);
  const sxx = half.reduce((a, r) => a + (r.step - mx) ** 2, 0);
  return sxx > 0 ? (sxy / sxx) * 1000 : 0;
};
const first = samples[1] ?? samples[0];
const end = samples.at(-1);
console.log(`\nfinal loss ${loss.toFixed(4)}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
console.log(`from step ${first.step} to ${end.step}: tensors ${first.tensors} → ${end.tensors}${lt ? `, device tensors ${first.handles} → ${end.handles}` : ''}, tensor MB ${(first.bytes / MiB).toFixed(1)} → ${(end.bytes / MiB).toFixed(1)}, RSS MB ${(first.rss / MiB).toFixed(0)} → ${(end.rss / MiB).toFixed(0)}, peak RSS MB ${(Math.max(...samples.map((r) => r.rss)) / MiB).toFixed(0)}`);
console.log(`growth per 1,000 steps over steps ${half[0].step}–${end.step}: tensors ${slope('tensors').toFixed(2)}${lt ? `, device tensors ${slope('handles').toFixed(2)}` : ''}, tensor MB ${(slope('bytes') / MiB).toFixed(3)}, RSS MB ${(slope('rss') / MiB).toFixed(1)}, JS heap MB ${(slope('heap') / MiB).toFixed(1)}`);
