// Times a tiny DARTS search on Fashion-MNIST (the quickstart's size) on the best installed backend.
// Usage: node bench/tiny-search.mjs [trainSize=2000] [epochs=1] [channels=8] [cells=5] [order=1]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, createLogger } from '@naslab/core';
import { createTestPlugin } from '@naslab/core/testing';
import { installedBackends } from '@naslab/engine';
import dartsSpace, { createDartsSpace, formatGenotype } from '@naslab/space-darts';
import { createFashionMnist } from '@naslab/dataset-fashion-mnist';
import plugin, { dartsOptions } from '../dist/index.js';

const [trainSize = 2000, epochs = 1, channels = 8, cells = 5, order = 1] = process.argv.slice(2).map(Number);
const options = dartsOptions.parse({ epochs, channels, cells, order, batchSize: 64 });
const dir = await mkdtemp(join(tmpdir(), 'darts-bench-'));
const method = await createTestPlugin(plugin, { options, with: [dartsSpace] });
const started = performance.now();
const result = await method.search({
  space: createDartsSpace(),
  dataset: createFashionMnist({ trainSize }),
  rng: new Rng(1),
  seed: 1,
  logger: createLogger({ level: 'info' }),
  signal: new AbortController().signal,
  checkpointDir: dir,
  threads: 2,
  backends: await installedBackends(),
  recordMetric: (step, v) => console.log('epoch', step, JSON.stringify(v)),
});
console.log(`backend ${result.history.backend}; ${trainSize} images (${trainSize / 2} search-train), ${epochs} epoch(s), C=${channels}, ${cells} cells, order ${order}: ${((performance.now() - started) / 1000).toFixed(1)} s wall`);
console.log(formatGenotype(result.architectures[0]));
await rm(dir, { recursive: true, force: true });
