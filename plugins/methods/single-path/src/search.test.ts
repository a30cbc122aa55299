import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, datasetBatches, Rng, type BatchOptions, type Dataset, type DatasetSplit, type SearchContext, type SearchResult } from '@naslab/core';
import { createTestPlugin, syntheticImageDataset } from '@naslab/core/testing';
import { builtinCpuBackend } from '@naslab/engine';
import mbconvSpace, { createMbconvSpace, formatArch, loadMbconvNetwork, predictLatency, type LayerChoice } from '@naslab/space-mbconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { singlePathOptions } from './index.js';
import { learningRateAt } from './search.js';
import { buildSupernet } from './supernet.js';

/** The reference's Pixel 1 table (seed data; read in place, never copied into the repository). */
const PIXEL1 = fileURLToPath(new URL('../../../../../shared/seed-data/single-path-nas/pixel1_runtime_model.json', import.meta.url));
// Width 0.1: every stage has 8 filters (the reference's round_filters minimum), 48 at expansion 6.
const SPACE = { widthMultiplier: 0.1, headChannels: 16, dropout: 0.2, latencyTable: PIXEL1 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function searchContext(seed: number, extra: Partial<SearchContext<LayerChoice[]>> = {}): Promise<SearchContext<LayerChoice[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'naslab-single-path-'));
  dirs.push(dir);
  const space = (await createTestPlugin(mbconvSpace, { options: SPACE })) as unknown as SearchContext<LayerChoice[]>['space'];
  return {
    space,
    dataset: syntheticImageDataset({ classes: 2, shape: [8, 8, 1], train: 32, test: 8 }),
    rng: new Rng(seed),
    seed,
    logger: createLogger({ level: 'error' }),
    signal: new AbortController().signal,
    checkpointDir: dir,
    threads: 1,
    backends: [builtinCpuBackend],
    recordMetric: () => {},
    ...extra,
  };
}

type History = { latencyMs: number; thresholds: number[][]; epochs: Array<Record<string, unknown> & { latencyMs: number; lambda: number }> };
const strip = (h: unknown) => (h as History).epochs.map(({ seconds: _s, ...rest }) => rest);
// Tiny: the 16 search-train images as one batch (one step an epoch), one warm-up epoch; a learning
// rate (2 per 256 images: 0.125 at batch 16) and λ large enough to move the thresholds in five steps.
const tiny = { batchSize: 16, learningRate: 2, epochs: 6, warmupEpochs: 1, runtimeLambda: 10, validSubset: 8 };
const runs = new Map<number, Promise<SearchResult<LayerChoice[]>>>();
/** One full search per λ, shared by the tests below (seed 7). */
function searchWith(runtimeLambda: number): Promise<SearchResult<LayerChoice[]>> {
  if (!runs.has(runtimeLambda)) {
    runs.set(
      runtimeLambda,
      (async () => {
        const method = await createTestPlugin(plugin, { options: { ...tiny, runtimeLambda } });
        return method.search(await searchContext(7));
      })(),
    );
  }
  return runs.get(runtimeLambda)!;
}

describe('Single-Path NAS search (tiny, synthetic, cpu backend)', () => {
  it('the supernet starts at every decision 1: all k5e6, the latency the space predicts for it (131.4578 ms on the Pixel 1)', async () => {
    const space = createMbconvSpace(SPACE);
    const supernet = await buildSupernet({ classes: 2, inputShape: [8, 8, 1], rng: new Rng('init') }, space.networkOptions, {
      table: space.latencyTable!,
      constantMs: space.latencyConstantMs,
    });
    try {
      expect(supernet.superkernels).toHaveLength(20);
      expect(supernet.derive()).toEqual(Array(20).fill('k5e6'));
      const r = tf.tidy(() => {
        supernet.net.run(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, { training: false });
        return supernet.latencyOfLastPass().dataSync()[0]!;
      });
      expect(r).toBeCloseTo(131.4578, 3);
      expect(predictLatency(supernet.derive(), space.latencyTable!)).toBeCloseTo(r, 3);
      // Its parameters are the all-k5e6 network's plus three thresholds per searchable layer.
      const { mbconvCost } = await loadMbconvNetwork();
      const plain = mbconvCost(Array(20).fill('k5e6'), { cells: 22, channels: 32, classes: 2, inputShape: [8, 8, 1] }, space.networkOptions, { flops: false });
      const own = supernet.net.parameters().filter((p) => p.trainable).reduce((n, p) => n + p.variable.size, 0);
      expect(own).toBe(plain.params + 60);
    } finally {
      supernet.dispose();
    }
  });

  it('λ > 0 drives the search to a lower predicted latency than λ = 0 (same seed, same data)', async () => {
    const free = (await searchWith(0)).history as History;
    const pushed = (await searchWith(10)).history as History;
    // λ = 0: nothing pushes the thresholds above the weight norms; the net stays (near) the largest.
    expect(free.latencyMs).toBeGreaterThan(120);
    expect(pushed.latencyMs).toBeLessThan(free.latencyMs - 20);
    // The warm-up has λ = 0 in both; afterwards the latency term is on only where asked.
    expect(pushed.epochs.map((e) => e.lambda)).toEqual([0, 10, 10, 10, 10, 10]);
    expect(free.epochs.map((e) => e.lambda)).toEqual([0, 0, 0, 0, 0, 0]);
    // The thresholds of the latency-aware search moved up (they start at 0).
    const mean = (h: History) => h.thresholds.flat().reduce((a, b) => a + b, 0) / h.thresholds.flat().length;
    expect(mean(pushed)).toBeGreaterThan(mean(free) + 1);
  });

  it('returns the argmax architecture with its history; a search killed after epoch 1 resumes to the identical result', async () => {
    const full = await searchWith(10);
    expect(full.architectures).toHaveLength(1);
    const arch = full.architectures[0]!;
    const history = full.history as History & { arch: string };
    expect(history.arch).toBe(formatArch(arch));
    expect(history.epochs).toHaveLength(6);
    expect(history.latencyMs).toBeCloseTo(predictLatency(arch, createMbconvSpace(SPACE).latencyTable!), 6);
    expect(full.cost?.epochs).toBe(6);

    const method = await createTestPlugin(plugin, { options: tiny });
    const abort = new AbortController();
    const ctx = await searchContext(7, { signal: abort.signal, recordMetric: () => abort.abort(new Error('killed')) });
    await expect(method.search(ctx)).rejects.toThrow('killed');
    const resumed = await method.search({ ...ctx, signal: new AbortController().signal, recordMetric: () => {} });
    expect(formatArch(resumed.architectures[0]!)).toBe(formatArch(arch));
    expect((resumed.history as History).thresholds).toEqual(history.thresholds);
    expect(strip(resumed.history)).toEqual(strip(full.history));
  });

  it('streams a dataset that has batches (search-train shuffled in train mode, search-valid in eval mode) to the same search as in memory', async () => {
    const options = { ...tiny, epochs: 1, validSubset: undefined };
    const method = await createTestPlugin(plugin, { options });
    const memory = await searchContext(3);
    const calls: Array<{ split: DatasetSplit; mode: string; rng: boolean }> = [];
    const inMemory = memory.dataset;
    const streamed: Dataset = {
      info: inMemory.info,
      load: async (split) => {
        throw new Error(`load('${split}') called on a streamed dataset`);
      },
      batches: (split: DatasetSplit, o: BatchOptions) => {
        calls.push({ split, mode: o.mode, rng: o.rng !== undefined });
        return datasetBatches(inMemory, split, o);
      },
    };
    const fromMemory = await method.search(memory);
    const fromStream = await method.search({ ...(await searchContext(3)), dataset: streamed });
    expect(calls).toEqual([
      { split: 'search-train', mode: 'train', rng: true },
      { split: 'search-valid', mode: 'eval', rng: false },
    ]);
    expect(strip(fromStream.history)).toEqual(strip(fromMemory.history));
    expect((fromStream.history as History).thresholds).toEqual((fromMemory.history as History).thresholds);
    // A subset cuts the stream: 6 of the 16 search-train images at batch 4 are two steps (4 + 2),
    // and the dataset is asked for no third batch.
    const cut = await createTestPlugin(plugin, { options: { ...options, batchSize: 4, trainSubset: 6, validSubset: 4 } });
    const images: Record<string, number[]> = { 'search-train': [], 'search-valid': [] };
    const counted: Dataset = {
      ...streamed,
      batches: async function* (split: DatasetSplit, o: BatchOptions) {
        for await (const b of datasetBatches(inMemory, split, o)) {
          images[split]!.push(b.count);
          yield b;
        }
      },
    };
    const part = (await cut.search({ ...(await searchContext(3)), dataset: counted })).history as History & { stepsPerEpoch: number };
    expect(part.stepsPerEpoch).toBe(2);
    expect(images).toEqual({ 'search-train': [4, 4], 'search-valid': [4] });
  });

  it("refuses another space, and a space without a latency table, with what to set", async () => {
    const method = await createTestPlugin(plugin, { options: tiny });
    const ctx = await searchContext(1);
    const noTable = (await createTestPlugin(mbconvSpace, { options: { widthMultiplier: 0.25 } })) as unknown as SearchContext<LayerChoice[]>['space'];
    await expect(method.search({ ...ctx, space: noTable })).rejects.toThrow(/latencyTable/);
    await expect(method.search({ ...ctx, space: { ...noTable, id: 'darts' } as never })).rejects.toThrow(/needs the 'mbconv' search space/);
  });

  it("has the reference's defaults and learning-rate schedule", () => {
    const d = singlePathOptions.parse({});
    expect([d.epochs, d.warmupEpochs, d.batchSize, d.learningRate, d.weightDecay, d.labelSmoothing, d.runtimeLambda, d.decisionKeep]).toEqual([
      8, 5, 1024, 0.016, 1e-5, 0.1, 0.02, 0.6,
    ]);
    expect([d.rmspropDecay, d.rmspropMomentum, d.rmspropEpsilon]).toEqual([0.9, 0.9, 1e-3]);
    expect(d.movingAverageDecay).toBe(0.9999);
    // 0.016 · 1024/256 = 0.064, × 0.97 every 2.4 epochs of 1251 steps (staircase).
    expect(learningRateAt(0, 1251, d)).toBeCloseTo(0.064, 12);
    expect(learningRateAt(3002, 1251, d)).toBeCloseTo(0.064, 12);
    expect(learningRateAt(3003, 1251, d)).toBeCloseTo(0.064 * 0.97, 12);
    expect(() => singlePathOptions.parse({ decisionKeep: 0 })).toThrow();
    expect(plugin.outputs!(d)).toBe(1);
  });
});
