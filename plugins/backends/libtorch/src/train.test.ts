// The engine's training loop on this backend: learns, resumes after a crash with bit-identical
// weights, and leaves no tensor behind; without the addon, the trainer falls back to the next
// backend. Uses the engine's own tiny space and synthetic task (`@naslab/engine/testing`).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';

import { builtinCpuBackend, trainFromScratch } from '@naslab/engine';
import { crashAndResume, syntheticDataset, tinyContext, tinyProtocol } from '@naslab/engine/testing';

import { createLibtorchBackend, kernelStats, resetKernelStats } from './index.js';
import { probeNative } from './native.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'naslab-libtorch-train-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await tf.setBackend('cpu');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});


// 16×16 images, 4 channels, batch 16: the stem and first cells (16,384 and 8,192 elements) run on
// ATen, the smaller tail stays in JS under the default 4,096-element threshold — both paths in one step.
const backends = [createLibtorchBackend(), builtinCpuBackend];
const dataset = syntheticDataset(256, 64, 16);
const context = (dir: string, overrides: Parameters<typeof tinyContext>[1] = {}) =>
  tinyContext(dir, { dataset, backends, threads: 2, ...overrides });

if (!probeNative().available) {
  describe('trainFromScratch without the libtorch addon', () => {
    it('falls back to the next backend and records which one trained', async () => {
      const r = await trainFromScratch(context(await freshDir(), { protocol: tinyProtocol({ epochs: 1 }) }));
      expect(r.backend).toBe('cpu');
    });
  });
} else {
  describe('trainFromScratch on the libtorch backend', () => {
    it('learns the synthetic task well above chance on native kernels and leaks no tensors', async () => {
      resetKernelStats();
      const counts: number[] = [];
      const r = await trainFromScratch(
        context(await freshDir(), {
          protocol: tinyProtocol({ epochs: 6, batchSize: 16, learningRate: 0.1 }),
          onEpoch: () => counts.push(tf.memory().numTensors),
        }),
      );
      expect(r.backend).toBe('libtorch');
      // 4 classes: chance is 25 %.
      expect(r.finalAccuracy).toBeGreaterThanOrEqual(70);
      expect(r.epochs.at(-1)!.trainLoss).toBeLessThan(r.epochs[0]!.trainLoss);
      const stats = kernelStats();
      for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Multiply', 'NaslabBatchNormTrainingGrad', 'NaslabReluGrad']) {
        expect(stats[k]?.native ?? 0, `${k} native calls`).toBeGreaterThan(0);
      }
      expect(new Set(counts.slice(1)).size).toBe(1);
    });

    it('resumes after a crash and ends with bit-identical weights to an uninterrupted run', async () => {
      const run = await crashAndResume(context, tinyProtocol({ epochs: 3 }), { straight: await freshDir(), crashed: await freshDir() });
      expect(String(run.crash)).toMatch('simulated crash');
      expect(run.checkpointEpoch).toBe(2);
      expect(run.epochsAfterResume).toEqual([2]);
      expect([run.straight.backend, run.resumed.backend]).toEqual(['libtorch', 'libtorch']);
      expect(run.resumed.finalAccuracy).toBe(run.straight.finalAccuracy);
      expect(run.resumedWeights.length).toBe(run.straightWeights.length);
      expect(run.resumedWeights.equals(run.straightWeights)).toBe(true);
    });
  });
}
