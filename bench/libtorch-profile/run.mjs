#!/usr/bin/env node
/**
 * Where the time of one DARTS training step goes on the `libtorch` backend: every kernel of the
 * backend is wrapped with a timer (`registerLibtorchBackend({ profile: true })`, read back with
 * `kernelStats()`), split into calls that ran natively (ATen) and calls that fell back to the
 * pure-JS cpu kernel. Also prints tf.memory(), the device tensors, reads/uploads and RSS after each step.
 *
 *   npm run build && node bench/libtorch-profile/run.mjs [--channels 16] [--cells 8] [--batch 64]
 *       [--threads 2] [--steps 2] [--top 40]
 *
 * The network and the step are the trainer's own (DARTS V2 genotype, `createTrainStep`), as in
 * bench/train-throughput. A benchmark that prints numbers, not a test.
 */
import { dartsTrainStep } from '../lib/darts-train-step.mjs';
import { option as opt } from '../lib/options.mjs';

const channels = Number(opt('channels', '16'));
const cells = Number(opt('cells', '8'));
const batch = Number(opt('batch', '64'));
const threads = Number(opt('threads', '2'));
const steps = Number(opt('steps', '2'));
const top = Number(opt('top', '40'));
const size = Number(opt('size', '32'));

const tf = await import('@tensorflow/tfjs');
const lt = await import('@naslab/backend-libtorch');

// Registered here rather than through the plugin: the profile needs `profile: true`.
lt.registerLibtorchBackend({ threads, profile: true, device: opt('device', 'cpu') });
await tf.setBackend('libtorch');
tf.enableProdMode();

const { step, rng, batches } = await dartsTrainStep({ seed: 'profile', channels, cells, size, batch });
const { x, labels } = batches[0];

const mb = (b) => `${(b / 2 ** 20).toFixed(0)} MB`;
const memLine = () => {
  const m = tf.memory();
  const d = lt.deviceStats();
  return `tensors ${m.numTensors}, tensor bytes ${mb(m.numBytes)}, device tensors ${d.handles} (${mb(d.handleBytes)}, peak ${mb(d.peakHandleBytes)}), reads ${d.reads} (${mb(d.readBytes)}), uploads ${d.uploads} (${mb(d.uploadBytes)}), rss ${mb(process.memoryUsage().rss)}, heap ${mb(process.memoryUsage().heapUsed)}, external ${mb(process.memoryUsage().external + process.memoryUsage().arrayBuffers)}`;
};

console.log(`DARTS V2, C=${channels}, L=${cells}, ${size}×${size}×3, batch ${batch}, ${threads} ATen threads`);
let t = performance.now();
step(x, labels, batch, 0.025, rng);
console.log(`warm-up step: ${(performance.now() - t).toFixed(0)} ms; ${memLine()}`);
lt.resetKernelStats();
let total = 0;
for (let s = 0; s < steps; s++) {
  t = performance.now();
  step(x, labels, batch, 0.025, rng);
  const ms = performance.now() - t;
  total += ms;
  console.log(`step ${s + 1}: ${ms.toFixed(0)} ms (${((1000 * batch) / ms).toFixed(1)} img/s); ${memLine()}`);
}
const stats = Object.entries(lt.kernelStats())
  .map(([name, s]) => ({ name, ...s, ms: s.nativeMs + s.jsMs }))
  .filter((r) => r.native + r.js > 0)
  .sort((a, b) => b.ms - a.ms);
const kernelMs = stats.reduce((a, r) => a + r.ms, 0);
console.log(`\nper step: ${(total / steps).toFixed(0)} ms wall, ${(kernelMs / steps).toFixed(0)} ms inside kernels (rest: autograd bookkeeping, GC, JS glue)`);
console.log('kernel                                   total ms/step   %    native calls  native ms    js calls      js ms');
for (const r of stats.slice(0, top)) {
  console.log(
    `${r.name.padEnd(40)} ${(r.ms / steps).toFixed(1).padStart(10)}  ${((100 * r.ms) / kernelMs).toFixed(1).padStart(5)}  ${String(r.native / steps).padStart(10)}  ${(r.nativeMs / steps).toFixed(1).padStart(9)}  ${String(r.js / steps).padStart(10)}  ${(r.jsMs / steps).toFixed(1).padStart(9)}`,
  );
}
const jsMs = stats.reduce((a, r) => a + r.jsMs, 0);
console.log(`JS-fallback share: ${((100 * jsMs) / kernelMs).toFixed(1)} % of kernel time`);
