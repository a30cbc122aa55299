// The engine's training loop on this backend: learns, resumes after a crash with bit-identical
// weights, and leaves no tensor behind; without the addon, the trainer falls back to the next
// backend. Uses the engine's own tiny space and synthetic task (`@naslab/engine/testing`).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';

import { CHECKPOINT_FILE, builtinCpuBackend, loadCheckpoint, trainFromScratch } from '@naslab/engine';
import { syntheticDataset, tinyContext, tinyProtocol } from '@naslab/engine/testing';

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

async function weightsBytes(dir: string): Promise<Buffer> {
  const meta = JSON.parse(await readFile(join(dir, CHECKPOINT_FILE), 'utf8')) as { dataFile: string };
  return readFile(join(dir, meta.dataFile));
}

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
      const protocol = tinyProtocol({ epochs: 3 });
      const straight = await freshDir();
      const s = await trainFromScratch(context(straight, { protocol }));
      expect(s.backend).toBe('libtorch');

      const crashed = await freshDir();
      const abort = new AbortController();
      await expect(
        trainFromScratch(
          context(crashed, {
            protocol,
            signal: abort.signal,
            onEpoch: (m) => {
              if (m.epoch === 1) abort.abort(new Error('simulated crash'));
            },
          }),
        ),
      ).rejects.toThrow('simulated crash');
      expect((await loadCheckpoint(crashed))!.meta.epoch).toBe(2);
      const seen: number[] = [];
      const r = await trainFromScratch(context(crashed, { protocol, onEpoch: (m) => seen.push(m.epoch) }));
      expect(seen).toEqual([2]);
      expect(r.backend).toBe('libtorch');
      expect(r.finalAccuracy).toBe(s.finalAccuracy);
      const a = await weightsBytes(straight);
      const b = await weightsBytes(crashed);
      expect(b.length).toBe(a.length);
      expect(b.equals(a)).toBe(true);
    });
  });
}
