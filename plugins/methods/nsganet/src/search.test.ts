import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Rng, type Dataset, type DatasetSplit, type SearchContext, type Trainer } from '@naslab/core';
import { builtinCpuBackend, trainFromScratch, type EngineProtocol } from '@naslab/engine';
import { syntheticImages } from '@naslab/engine/testing';
import { createNsganetSpace, validateNsganetGenome, type NsganetGenome } from '@naslab/space-nsganet-micro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsganetOptions } from './options.js';
import { searchNsganet } from './search.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Search splits only: reading `train` or `test` fails the test (a search never sees test). */
function searchOnlyDataset(): Dataset {
  const sets: Partial<Record<DatasetSplit, ReturnType<typeof syntheticImages>>> = {
    'search-train': syntheticImages(4, 'st', 4),
    'search-valid': syntheticImages(4, 'sv', 4),
  };
  return {
    info: { name: 'synthetic', classes: 4, shape: [4, 4, 3], mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2], sizes: { train: 8, test: 50, 'search-train': 4, 'search-valid': 4 } },
    load: async (split) => {
      const s = sets[split];
      if (!s) throw new Error(`the search read the ${split} split`);
      return s;
    },
  };
}

// the smallest search with an offspring generation: 2 parents, 1 child, 3 one-epoch trainings
const options = nsganetOptions.parse({ populationSize: 2, generations: 2, offspring: 1, blocks: 2, epochs: 1, channels: 2, cells: 3, batchSize: 4, augment: 'none' });

function context(dir: string, abortAfterGeneration?: number): SearchContext<NsganetGenome> {
  const controller = new AbortController();
  return {
    space: createNsganetSpace({ sampler: 'uniform' }),
    dataset: searchOnlyDataset(),
    rng: new Rng('nsganet-e2e'),
    seed: 1,
    logger: createLogger({ level: 'error' }),
    signal: controller.signal,
    checkpointDir: dir,
    threads: 1,
    backends: [builtinCpuBackend],
    recordMetric: (step) => {
      if (step === abortAfterGeneration) controller.abort(new Error('killed'));
    },
  };
}

function countingTrainer(): Trainer & { calls: number } {
  const t = {
    calls: 0,
    trainFromScratch: (c: Parameters<Trainer['trainFromScratch']>[0]) => {
      t.calls++;
      return trainFromScratch(c as never as Parameters<typeof trainFromScratch>[0] & { protocol: EngineProtocol });
    },
  };
  return t;
}

/** Stands in for training in the resume test: a number drawn from the candidate's own stream, FLOPs from its genome. */
function fakeTrainer(): Trainer & { calls: number } {
  const t = {
    calls: 0,
    trainFromScratch: async (c: Parameters<Trainer['trainFromScratch']>[0]) => {
      t.calls++;
      const acc = 100 * c.rng.split('train').uniform();
      const ops = c.archText.split(' ').filter((_, i) => i % 2 === 0);
      return { epochs: [], finalAccuracy: acc, bestAccuracy: acc, params: 1000, flops: 1e6 * ops.reduce((s, v) => s + Number(v), 1), backend: 'none', wallSeconds: 0 };
    },
  };
  return t;
}

describe('nsganet search', () => {
  it('end to end at toy size: trains each candidate on the search split only and picks the lowest error on the front', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nsganet-'));
    dirs.push(dir);
    const t1 = countingTrainer();
    const ref = await searchNsganet(context(dir), options, { trainer: async () => t1, augment: async () => [] });
    expect(t1.calls).toBe(3);
    expect(ref.cost?.queries).toBe(3);
    expect(ref.cost?.epochs).toBe(3);
    const best = ref.architectures[0]!;
    expect(() => validateNsganetGenome(best)).not.toThrow();
    const h = ref.history as { front: Array<{ genome: string; validError: number }>; candidates: Array<{ validAccuracy: number; mflops: number }> };
    expect(h.candidates.length).toBe(3);
    expect(h.front[0]!.genome).toBe(createNsganetSpace().format(best));
    expect(h.front[0]!.validError).toBe(Math.min(...h.front.map((p) => p.validError)));
    for (const c of h.candidates) {
      expect(c.mflops).toBeGreaterThan(0);
      expect(c.validAccuracy).toBeGreaterThanOrEqual(0);
    }
  });

  it('a search killed after a generation resumes with identical results, retraining nothing it logged', async () => {
    const o = nsganetOptions.parse({ populationSize: 4, generations: 3, offspring: 2, augment: 'none' });
    const whole = await mkdtemp(join(tmpdir(), 'nsganet-'));
    const killed = await mkdtemp(join(tmpdir(), 'nsganet-'));
    dirs.push(whole, killed);
    const t1 = fakeTrainer();
    const ref = await searchNsganet(context(whole), o, { trainer: async () => t1, augment: async () => [] });
    expect(t1.calls).toBe(4 + 2 * 2);
    const t2 = fakeTrainer();
    await expect(searchNsganet(context(killed, 2), o, { trainer: async () => t2, augment: async () => [] })).rejects.toThrow('killed');
    expect(t2.calls).toBe(4 + 2);
    const t3 = fakeTrainer();
    const resumed = await searchNsganet(context(killed), o, { trainer: async () => t3, augment: async () => [] });
    expect(t3.calls).toBe(2);
    expect(resumed.architectures).toEqual(ref.architectures);
    const { front, candidates, generations } = ref.history as Record<string, unknown>;
    expect(resumed.history).toMatchObject({ front, candidates, generations });
  });
});
