#!/usr/bin/env node
/**
 * Images per second of `@naslab/dataset-image-folder` (decode into its cache, then train-mode
 * batches: RandomResizedCrop 224, flip, ColorJitter, from the cache on worker threads) against
 * the training throughput of the 224-px DARTS network (DARTS V2, 8 cells, 36 channels,
 * ImageNet stem) on the libtorch backend. The pipeline should be ≥ 3× the training.
 *
 *   npm run build && node bench/image-pipeline/run.mjs [--images 300] [--workers 2]
 *       [--batch 8] [--epochs 2] [--steps 3] [--threads 2] [--backend libtorch] [--keep]
 *
 * The image folder is generated with sharp in a temporary folder (JPEGs of varied sizes and
 * aspect ratios, 4 classes, 80 % train / 20 % test). A benchmark that prints numbers, not a test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activateBackend, dartsTrainStep } from '../lib/darts-train-step.mjs';
import { flag, option as opt } from '../lib/options.mjs';

const args = process.argv.slice(2);
if (args[0] === '--child') await trainChild(args[1], Number(args[2]), Number(args[3]), Number(args[4]));
else await main();

async function main() {
  const images = Number(opt('images', '300'));
  const workers = Number(opt('workers', '2'));
  const batch = Number(opt('batch', '8'));
  const epochs = Number(opt('epochs', '2'));
  const steps = Number(opt('steps', '3'));
  const threads = Number(opt('threads', '2'));
  const backend = opt('backend', 'libtorch');
  const dir = mkdtempSync(join(tmpdir(), 'naslab-image-pipeline-'));
  try {
    process.stderr.write(`… writing ${images} JPEGs to ${dir}\n`);
    const t0 = performance.now();
    const sizes = await writeFolder(join(dir, 'data'), images);
    const writeSeconds = (performance.now() - t0) / 1000;
    const pipeline = await measurePipeline(join(dir, 'data'), join(dir, 'cache'), { workers, batch, epochs });
    process.stderr.write(`… training ${steps} steps of batch ${batch} on ${backend}\n`);
    const training = train(backend, batch, steps, threads);
    report({ images, sizes, writeSeconds, workers, batch, threads, pipeline, training });
  } finally {
    if (!flag('keep')) rmSync(dir, { recursive: true, force: true });
  }
}

/** `root/{train,test}/class_k/img_i.jpg`: sides 160–800 px, aspect 0.5–2, smooth colour fields plus noise. */
async function writeFolder(root, count) {
  const sharp = (await import('sharp')).default;
  let state = 12345;
  const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const sides = [];
  for (let i = 0; i < count; i++) {
    const split = i % 5 === 4 ? 'test' : 'train';
    const cls = `class_${i % 4}`;
    mkdirSync(join(root, split, cls), { recursive: true });
    const long = 160 + Math.floor(rand() * 640);
    const aspect = 0.5 + rand() * 1.5;
    const [w, h] = aspect >= 1 ? [long, Math.max(32, Math.round(long / aspect))] : [Math.max(32, Math.round(long * aspect)), long];
    const px = Buffer.alloc(w * h * 3);
    const [r0, g0, b0] = [rand() * 255, rand() * 255, rand() * 255];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = 3 * (y * w + x);
        const n = (rand() - 0.5) * 40;
        px[o] = Math.max(0, Math.min(255, r0 * (x / w) + n));
        px[o + 1] = Math.max(0, Math.min(255, g0 * (y / h) + n));
        px[o + 2] = Math.max(0, Math.min(255, b0 + n));
      }
    }
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toFile(join(root, split, cls, `img_${i}.jpg`));
    sides.push([w, h]);
  }
  return sides;
}

async function measurePipeline(path, cache, { workers, batch, epochs }) {
  const { createImageFolder } = await import('@naslab/dataset-image-folder');
  const { Rng } = await import('@naslab/core');
  const dataset = createImageFolder({ path, cache, workers, prefetch: 4 });
  try {
    process.stderr.write(`… decoding ${dataset.info.sizes.train + dataset.info.sizes.test} images into the cache\n`);
    const t0 = performance.now();
    await dataset.prepare();
    const decodeSeconds = (performance.now() - t0) / 1000;
    const rng = new Rng('bench-image-pipeline');
    const perEpoch = [];
    for (let e = 0; e < epochs; e++) {
      process.stderr.write(`… epoch ${e + 1}/${epochs} of train-mode batches (${workers} workers)\n`);
      const t1 = performance.now();
      let n = 0;
      for await (const b of dataset.batches('train', { batchSize: batch, mode: 'train', rng: rng.split(`epoch-${e}`) })) n += b.count;
      perEpoch.push({ images: n, seconds: (performance.now() - t1) / 1000 });
    }
    const decoded = dataset.info.sizes.train + dataset.info.sizes.test;
    return { decoded, decodeSeconds, decodePerSecond: decoded / decodeSeconds, perEpoch };
  } finally {
    await dataset.close();
  }
}

function train(backend, batch, steps, threads) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', backend, String(batch), String(steps), String(threads)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = (r.stdout || '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? JSON.parse(line) : { backend, error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
}

async function trainChild(backend, batch, steps, threads) {
  const skipped = await activateBackend(backend, threads);
  if (skipped) return console.log(JSON.stringify({ backend, error: skipped }));
  const { step, rng, batches, params } = await dartsTrainStep({ seed: 'bench', channels: 36, cells: 8, size: 224, batch });
  const { x, labels } = batches[0];
  step(x, labels, batch, 0.025, rng); // warm-up (kernel setup, allocation)
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) step(x, labels, batch, 0.025, rng);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ backend, batch, steps, seconds, imagesPerSecond: (batch * steps) / seconds, params }));
}

function report({ images, sizes, writeSeconds, workers, batch, threads, pipeline, training }) {
  const f = (x, d = 1) => x.toFixed(d);
  const sides = sizes.flat();
  const augmented = pipeline.perEpoch.map((e) => e.images / e.seconds);
  // Epoch 1 also starts the worker threads; the last epoch is the steady state training sees.
  const steady = augmented[augmented.length - 1];
  console.log(`image pipeline vs 224-px DARTS training (load average ${loadavg().map((l) => f(l, 2)).join(' ')})`);
  console.log(`  folder        ${images} JPEGs, ${Math.min(...sides)}–${Math.max(...sides)} px sides, written in ${f(writeSeconds)} s`);
  console.log(`  decode        ${pipeline.decoded} images into the cache in ${f(pipeline.decodeSeconds, 2)} s: ${f(pipeline.decodePerSecond)} img/s (once per folder)`);
  pipeline.perEpoch.forEach((e, i) =>
    console.log(`  epoch ${i + 1}       ${e.images} train images (RandomResizedCrop 224, flip, ColorJitter; ${workers} workers, batch ${batch}) in ${f(e.seconds, 2)} s: ${f(e.images / e.seconds)} img/s`),
  );
  if (training.error) {
    console.log(`  training      ${training.backend}: ${training.error}`);
    return;
  }
  console.log(
    `  training      DARTS V2, 8 cells, 36 channels, 224×224×3 (${training.params.toLocaleString('en-US')} parameters, 10 classes), ${training.backend}, ${threads} threads, batch ${training.batch}: ${training.steps} steps in ${f(training.seconds, 2)} s: ${f(training.imagesPerSecond, 2)} img/s`,
  );
  const ratio = steady / training.imagesPerSecond;
  console.log(`  ratio         last epoch of the pipeline / training = ${f(ratio)}× (target ≥ 3×: ${ratio >= 3 ? 'met' : 'NOT met'})`);
  const firstEpoch = pipeline.perEpoch[0].images / (pipeline.decodeSeconds + pipeline.perEpoch[0].seconds);
  console.log(`  first epoch   with the decode: ${f(firstEpoch)} img/s = ${f(firstEpoch / training.imagesPerSecond)}× training`);
}
