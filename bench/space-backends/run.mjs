#!/usr/bin/env node
/**
 * The P-DARTS, CNAS and NAO spaces trained on every backend: for each backend plugin and each
 * space, one architecture sampled from a fixed seed (the space's default sampler), trained from
 * scratch by the engine's trainer with the drop-path and auxiliary-tower tricks on the engine's
 * synthetic 4-class task (8×8: the stem and first cells are large enough for the libtorch
 * backend's native kernels). Prints the backend that trained, the train loss per epoch, the final
 * test accuracy and the time. Not a test.
 *
 *   npm run build && node bench/space-backends/run.mjs [--backends cpu,wasm,tfjs-node,libtorch]
 *       [--spaces pdarts,cnas,nao] [--epochs 2] [--size 8] [--threads 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { option } from '../lib/options.mjs';

const backends = option('backends', 'cpu,wasm,tfjs-node,libtorch').split(',');
const spaces = option('spaces', 'pdarts,cnas,nao').split(',');
const epochs = Number(option('epochs', '2'));
const size = Number(option('size', '8'));
const threads = Number(option('threads', '2'));

const { instantiatePlugin, Rng } = await import('@naslab/core');
const { trainFromScratch } = await import('@naslab/engine');
const { syntheticDataset, tinyContext, tinyProtocol } = await import('@naslab/engine/testing');
const tricks = [
  await instantiatePlugin((await import('@naslab/trick-drop-path')).default, { probability: 0.2 }, 'drop-path'),
  await instantiatePlugin((await import('@naslab/trick-auxiliary-tower')).default, {}, 'auxiliary-tower'),
];
const dataset = syntheticDataset(128, 128, size);

console.log(`${epochs} epochs of 128 ${size}×${size} images, batch 16, C = 8, 5 cells (NAO: 5 = 3·1 + 2), drop-path 0.2, auxiliary 0.4\n`);
console.log('| backend | space | architecture | trained on | train loss per epoch | test accuracy | seconds |');
console.log('|---|---|---|---|---|---:|---:|');
for (const name of backends) {
  let backend;
  try {
    backend = await instantiatePlugin((await import(`@naslab/backend-${name}`)).default, {}, name);
  } catch (e) {
    console.log(`| ${name} | — | — | not installed (${e.message.split('\n')[0]}) | | | |`);
    continue;
  }
  const probe = await backend.probe();
  if (!probe.available) {
    console.log(`| ${name} | — | — | unavailable: ${probe.reason} | | | |`);
    continue;
  }
  for (const id of spaces) {
    const plugin = (await import(`@naslab/space-${id}`)).default;
    const space = await instantiatePlugin(plugin, {}, id);
    const arch = space.sample(new Rng(`space-backends/${id}`));
    const dir = mkdtempSync(join(tmpdir(), 'naslab-space-backends-'));
    const t0 = performance.now();
    try {
      const r = await trainFromScratch(
        tinyContext(dir, {
          arch,
          archText: space.format(arch),
          space,
          dataset,
          tricks,
          backends: [backend],
          threads,
          protocol: tinyProtocol({ epochs, batchSize: 16, learningRate: 0.05, channels: 8, cells: 5, testEvery: epochs }),
          rng: new Rng(`space-backends/${id}/train`),
          seed: 0,
        }),
      );
      const losses = r.epochs.map((e) => e.trainLoss.toFixed(3)).join(', ');
      const text = space.format(arch);
      console.log(`| ${name} | ${id} | \`${text.length > 40 ? text.slice(0, 40) + '…' : text}\` | ${r.backend} | ${losses} | ${r.finalAccuracy.toFixed(1)} | ${((performance.now() - t0) / 1000).toFixed(1)} |`);
    } catch (e) {
      console.log(`| ${name} | ${id} | | failed: ${String(e.message ?? e).split('\n')[0]} | | | |`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
