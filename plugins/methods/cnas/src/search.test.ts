import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { createTestPlugin } from '@naslab/core/testing';
import { killAndResume, searchFixture } from '@naslab/space-darts/testing';
import { CNAS_OPS, createCnasSpace, formatCnasGenotype, loadCnasNetwork, validateCnasGenotype, type CnasGenotype } from '@naslab/space-cnas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { cnasOptions } from './index.js';
import { CNAS_SUPERNET_EDGES, CnasSupernet, deriveCnasCell } from './supernet.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const fixture = searchFixture('cnas', () => createCnasSpace());
afterAll(() => fixture.cleanup());
const searchContext = fixture.context;

// 1 cell (a reduction cell), 2 channels, 1 step per epoch.
const tiny = cnasOptions.parse({ epochs: 2, batchSize: 4, channels: 2, cells: 1 });

describe('CNAS search network (CNAS/darts/model_search.py, operations.py)', () => {
  it('27 edges per cell, each mixing the 8 CNAS ops; an edge holds the weights of the code ops (no BN affine but in cweight/shuffle)', async () => {
    const C = 8;
    const net = new CnasSupernet({ channels: C, cells: 1, classes: 3, inputShape: [8, 8, 3], rng: new Rng('cnas-ops'), ops: await loadCnasNetwork(), shuffleGroups: 1 });
    try {
      expect(CNAS_SUPERNET_EDGES).toBe(27);
      expect(CNAS_OPS).toEqual(['none', 'skip_connect', 'cweight_com', 'avg_pool_3x3', 'max_pool_3x3', 'sep_conv_3x3', 'dil_conv_3x3', 'shuffle_conv_3x3']);
      expect(net.alphas.normal.shape).toEqual([27, 8]);
      // cell 0 reduces (1 cell): its edges from states ≥ 2 are stride 1, at 2C channels
      const c = 2 * C;
      const edge = (e: number) => net.weightParameters().filter((p) => p.path.startsWith(`cells.0._ops.${e}.`)).reduce((s, p) => s + p.variable.size, 0);
      const h = Math.floor(c / 16);
      const sep = 2 * (9 * c + c * c);
      const dil = 9 * c + c * c;
      const cweight = c * h + h + h * c + c; // SE: FC(C → C/16) + ReLU + FC(C/16 → C), with biases
      const shuffle = c * c + 2 * c + 9 * c + 2 * c + c * c + 2 * c; // groups 1: 1×1, BN, dw 3×3, BN, 1×1, BN
      expect(edge(4)).toBe(sep + dil + cweight + shuffle); // state 2 → node 1: stride 1, skip = Identity, pools parameter-free
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const out = tf.tidy(() => net.run(x, { training: true }).logits.shape);
      expect(out).toEqual([2, 3]);
      x.dispose();
    } finally {
      net.dispose();
    }
  });

  it('derives the genotype as the code: per node the 2 strongest non-none edges, each its best non-none op', () => {
    const w = Array.from({ length: 27 }, (_, e) => CNAS_OPS.map((_, k) => (k === 0 ? 0.9 : k === 1 + (e % 7) ? 0.05 + e / 1000 : 0.01)));
    const cell = deriveCnasCell(w);
    expect(cell).toHaveLength(12);
    // node 0 (edges 0, 1): edge 1 stronger; op index 1 + e % 7
    expect(cell.slice(0, 2)).toEqual([
      [CNAS_OPS[2], 1],
      [CNAS_OPS[1], 0],
    ]);
    // the last node (edges 20–26): the two last edges, strongest first
    expect(cell.slice(10)).toEqual([
      [CNAS_OPS[1 + (26 % 7)], 6],
      [CNAS_OPS[1 + (25 % 7)], 5],
    ]);
    expect(cell.some(([op]) => op === 'none')).toBe(false);
  });
});

describe('CNAS search (tiny, synthetic, cpu backend)', () => {
  it('returns the genotype of the α at the start of the last epoch, with cost and history; a killed search resumes to the same genotype', async () => {
    const method = await createTestPlugin(plugin, { options: tiny });
    // One uninterrupted search; its checkpoint after epoch 1 is what a kill there leaves behind, and the search resumed from it.
    const { full, resumed } = await killAndResume(method, searchContext, 1, 1);
    const g = full.architectures[0]! as CnasGenotype;
    validateCnasGenotype(g);
    const h = full.history as unknown as { epochs: Array<{ genotypeAtStart: string; seconds?: number }>; genotype: string; finalGenotype: string; supernetParameters: number };
    expect(h.epochs).toHaveLength(2);
    expect(h.genotype).toBe(h.epochs[1]!.genotypeAtStart);
    expect(h.genotype).toBe(formatCnasGenotype(g));
    expect(h.supernetParameters).toBeGreaterThan(0);
    expect(full.cost).toMatchObject({ epochs: 2 });

    expect(formatCnasGenotype(resumed.architectures[0]!)).toBe(formatCnasGenotype(g));
    // epoch 1 came from the checkpoint (its measured time too), not from a new start
    expect((resumed.history as typeof h).epochs[0]!.seconds).toBe(h.epochs[0]!.seconds);
    const strip = (x: unknown) => (x as typeof h).epochs.map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.history)).toEqual(strip(full.history));
    expect((resumed.history as typeof h).finalGenotype).toBe(h.finalGenotype);
  });

  it('defaults are the released search (README: 50 epochs, 6 cells, lr 0.025 → 0.003, α Adam 3e-4); a space other than cnas is refused', async () => {
    const d = cnasOptions.parse({});
    expect([d.epochs, d.cells, d.channels, d.batchSize, d.learningRateMin, d.archLearningRate, d.genotypeFrom]).toEqual([50, 6, 16, 64, 0.003, 3e-4, 'last-epoch-start']);
    const method = await createTestPlugin(plugin, { options: tiny });
    const ctx = await searchContext(2);
    await expect(method.search({ ...ctx, space: { ...ctx.space, id: 'darts' } })).rejects.toThrow(/needs the 'cnas'/);
  });
});
