import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Rng, type Dataset, type DatasetSplit, type SearchContext } from '@naslab/core';
import { builtinCpuBackend } from '@naslab/engine';
import { syntheticImages } from '@naslab/engine/testing';
import { validateEnasArc, type EnasArc } from '@naslab/space-enas-micro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enasOptions } from './options.js';
import { searchEnas, sgdrLearningRate } from './search.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function searchOnlyDataset(): Dataset {
  const sets: Partial<Record<DatasetSplit, ReturnType<typeof syntheticImages>>> = { 'search-train': syntheticImages(16, 'st'), 'search-valid': syntheticImages(16, 'sv') };
  return {
    info: { name: 'synthetic', classes: 4, shape: [8, 8, 3], mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2], sizes: { train: 32, test: 50, 'search-train': 16, 'search-valid': 16 } },
    load: async (split) => {
      const s = sets[split];
      if (!s) throw new Error(`the search read the ${split} split`);
      return s;
    },
  };
}

function context(dir: string, abortAfterEpoch?: number): SearchContext<EnasArc> {
  const controller = new AbortController();
  return {
    space: { id: 'enas-micro', sample: () => ({ normal: [], reduce: [] }), format: () => '', parse: () => ({ normal: [], reduce: [] }) },
    dataset: searchOnlyDataset(),
    rng: new Rng('enas-e2e'),
    seed: 1,
    logger: createLogger({ level: 'error' }),
    signal: controller.signal,
    checkpointDir: dir,
    threads: 1,
    backends: [builtinCpuBackend],
    recordMetric: (step) => {
      if (step === abortAfterEpoch) controller.abort(new Error('killed'));
    },
  };
}

describe('SGDR', () => {
  it('restarts at epochs 10, 30, 70 with T0 = 10, Tmul = 2', () => {
    for (const e of [0, 10, 30, 70]) expect(sgdrLearningRate(e, 0.05, 0.0005, 10, 2)).toBeCloseTo(0.05, 12);
    expect(sgdrLearningRate(20, 0.05, 0.0005, 10, 2)).toBeCloseTo(0.02525, 12);
  });
});

describe('enas search, end to end at toy size', () => {
  it('trains the shared child and the controller on the search splits, and a killed search resumes identically', async () => {
    const o = enasOptions.parse({ epochs: 2, childCells: 3, childFilters: 4, batchSize: 16, controllerSteps: 1, aggregate: 2, finalSamples: 2, augment: 'none' });
    const whole = await mkdtemp(join(tmpdir(), 'enas-'));
    const killed = await mkdtemp(join(tmpdir(), 'enas-'));
    dirs.push(whole, killed);
    const ref = await searchEnas(context(whole), o, { augment: async () => undefined });
    expect(() => validateEnasArc(ref.architectures[0]!)).not.toThrow();
    const h = ref.history as { epochs: Array<{ baseline: number }>; derived: Array<{ validAccuracy: number }> };
    expect(h.epochs.length).toBe(2);
    expect(h.epochs[1]!.baseline).not.toBe(0);
    expect(h.derived[0]!.validAccuracy).toBeGreaterThanOrEqual(h.derived[1]!.validAccuracy);
    await expect(searchEnas(context(killed, 0), o, { augment: async () => undefined })).rejects.toThrow('killed');
    const resumed = await searchEnas(context(killed), o, { augment: async () => undefined });
    expect(resumed.architectures).toEqual(ref.architectures);
    expect(resumed.history).toEqual(ref.history);
  });
});
