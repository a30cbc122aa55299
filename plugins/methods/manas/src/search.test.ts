import * as tf from '@tensorflow/tfjs';
import { cpSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Rng, type Dataset, type DatasetSplit, type ImageSet, type SearchContext } from '@naslab/core';
import { builtinCpuBackend } from '@naslab/engine';
import { createTestPlugin } from '@naslab/core/testing';
import { createDartsSpace, formatGenotype, validateGenotype, type Genotype } from '@naslab/space-darts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { manasOptions } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A few 8×8 grey images of 3 classes (a bright quadrant per class plus noise). */
function syntheticDataset(perSplit = 4): Dataset {
  const make = (split: DatasetSplit): ImageSet => {
    const r = new Rng(`synthetic/${split}`);
    const pixels = new Uint8Array(perSplit * 64);
    const labels = new Uint8Array(perSplit);
    for (let i = 0; i < perSplit; i++) {
      const label = i % 3;
      labels[i] = label;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const bright = (label === 0 && y < 4) || (label === 1 && x < 4) || (label === 2 && x >= 4 && y >= 4);
          pixels[i * 64 + y * 8 + x] = Math.min(255, (bright ? 180 : 40) + r.int(60));
        }
    }
    return { pixels, labels, count: perSplit, shape: [8, 8, 1] };
  };
  return {
    info: { name: 'synthetic', classes: 3, shape: [8, 8, 1], mean: [0.4], std: [0.3], sizes: { train: 2 * perSplit, test: perSplit, 'search-train': perSplit, 'search-valid': perSplit } },
    load: async (split) => make(split),
  };
}

async function searchContext(seed: number, extra: Partial<SearchContext<Genotype>> = {}): Promise<SearchContext<Genotype>> {
  const dir = await mkdtemp(join(tmpdir(), 'naslab-manas-'));
  dirs.push(dir);
  return {
    space: createDartsSpace(),
    dataset: syntheticDataset(),
    rng: new Rng(seed),
    seed,
    logger: createLogger({ level: 'error' } as never),
    signal: new AbortController().signal,
    checkpointDir: dir,
    threads: 1,
    backends: [builtinCpuBackend],
    recordMetric: () => {},
    ...extra,
  };
}

// 2 epochs of 2 steps each (8 images, batch 4); 2 cells.
const tiny = manasOptions.parse({ epochs: 2, batchSize: 4, channels: 2, cells: 2 });

interface History {
  steps: number;
  variant: string;
  supernetParameters: number;
  policies: { normal: number[][]; reduce: number[][] };
  epochs: Array<{ seconds?: number; policyEntropy: number; temperature: number | null }>;
  genotype: string;
}

/** The context with a recordMetric that copies its checkpoint folder into `to` after `epochs` epochs. */
function snapshotAfter<G>(ctx: SearchContext<G>, epochs: number, to: string): SearchContext<G> {
  let seen = 0;
  return { ...ctx, recordMetric: () => void (++seen === epochs && cpSync(ctx.checkpointDir, to, { recursive: true })) };
}

describe('MANAS search (tiny, synthetic, cpu backend)', () => {
  it('MANAS-LS: agents move away from uniform, the genotype is the DARTS rule on their policies; a killed search resumes to the same genotype', async () => {
    const method = await createTestPlugin(plugin, { options: tiny });
    // One uninterrupted search; its checkpoint after epoch 1 is what a kill there leaves behind.
    const killedAt = await searchContext(1, { dataset: syntheticDataset(8) });
    const full = await method.search(snapshotAfter(await searchContext(1, { dataset: syntheticDataset(8) }), 1, killedAt.checkpointDir));
    const g = full.architectures[0]! as Genotype;
    validateGenotype(g);
    const h = full.history as unknown as History;
    expect(h.variant).toBe('ls');
    expect(h.steps).toBe(4);
    expect(h.supernetParameters).toBeGreaterThan(0);
    expect(h.epochs).toHaveLength(2);
    // after 4 evaluated architectures the Zipf policies are no longer uniform
    expect(h.epochs[1]!.policyEntropy).toBeLessThan(Math.log(8) - 1e-3);
    for (const row of h.policies.normal) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(h.genotype).toBe(formatGenotype(g));
    expect(full.cost).toMatchObject({ epochs: 2 });

    const abort = new AbortController();
    abort.abort(new Error('killed'));
    await expect(method.search({ ...killedAt, signal: abort.signal })).rejects.toThrow('killed');
    const resumed = await method.search(killedAt);
    // the finished epochs came from the checkpoint (their measured times too), not from a new start
    expect((resumed.history as unknown as History).epochs[0]!.seconds).toBe((full.history as unknown as History).epochs[0]!.seconds);
    expect(formatGenotype(resumed.architectures[0]!)).toBe(formatGenotype(g));
    const strip = (x: unknown) => (x as History).epochs.map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.history)).toEqual(strip(full.history));
    expect((resumed.history as unknown as History).policies).toEqual(h.policies);
  });

  it('MANAS (EXP3) runs with its temperature schedule; a space other than darts is refused', async () => {
    const method = await createTestPlugin(plugin, { options: { ...tiny, epochs: 1, variant: 'exp3' as const, temperature: [10, 2] as [number, number] } });
    const ctx = await searchContext(2);
    const r = await method.search(ctx);
    validateGenotype(r.architectures[0]!);
    const h = r.history as unknown as History;
    expect(h.variant).toBe('exp3');
    expect(h.epochs[0]!.temperature).toBe(2);
    await expect(method.search({ ...ctx, space: { ...ctx.space, id: 'pdarts' } })).rejects.toThrow(/needs the 'darts'/);
  });
});
