import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { createTestPlugin } from '@naslab/core/testing';
import { killAndResume, searchFixture } from '@naslab/space-darts/testing';
import { formatGenotype, loadDartsSupernet, validateGenotype, type Genotype } from '@naslab/space-darts';
import { createPdartsSpace } from '@naslab/space-pdarts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { pdartsOptions } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const fixture = searchFixture('pdarts', () => createPdartsSpace());
afterAll(() => fixture.cleanup());
const searchContext = fixture.context;

// 2 epochs per stage (the first without α), 1 step each; depths 1 / 1 / 2 cells.
const tiny = pdartsOptions.parse({ epochs: 2, archFreeEpochs: 1, batchSize: 4, channels: 2, stageCells: [1, 1, 2], validEpochs: 1, maxSkipConnects: 0 });

interface History {
  stages: Array<{ cells: number; opsPerEdge: number; supernetParameters: number; kept: { normal: string[][]; reduce: string[][] } }>;
  epochs: Array<{ stage: number; trainArch: boolean; skipDropout: number; seconds?: number }>;
  genotype: string;
}

describe('P-DARTS search (tiny, synthetic, cpu backend)', () => {
  it('three stages of the given depths shrink every edge to 5, 3, then 1 op; the final cell has no skip over the cap; a killed search resumes to the same genotype', async () => {
    const method = await createTestPlugin(plugin, { options: { ...tiny, skipDropout: [0, 0.4, 0.7] } });
    // One uninterrupted search; its checkpoint after epoch 3 is what a kill there leaves behind, and the search resumed from it.
    const { full, resumed } = await killAndResume(method, searchContext, 1, 3);
    const g = full.architectures[0]! as Genotype;
    validateGenotype(g);
    expect(g.normal.filter(([op]) => op === 'skip_connect')).toHaveLength(0);
    expect([...g.normal, ...g.reduce].some(([op]) => op === 'none')).toBe(false);
    const h = full.history as unknown as History;
    expect(h.stages.map((s) => s.cells)).toEqual([1, 1, 2]);
    expect(h.stages.map((s) => s.opsPerEdge)).toEqual([8, 5, 3]);
    for (const [i, n] of [5, 3, 1].entries()) expect(h.stages[i]!.kept.normal.every((ops) => ops.length === n)).toBe(true);
    // each stage's kept ops are a subset of the previous stage's
    for (let e = 0; e < 14; e++) expect(h.stages[1]!.kept.reduce[e]!.every((op) => h.stages[0]!.kept.reduce[e]!.includes(op))).toBe(true);
    expect(h.stages.every((s) => s.supernetParameters > 0)).toBe(true);
    expect(h.epochs.map((r) => r.trainArch)).toEqual([false, true, false, true, false, true]);
    expect(h.epochs[2]!.skipDropout).toBeCloseTo(0.2, 12); // stage 2, epoch 0: 0.4·(2 − 0 − 1)/2
    expect(full.cost).toMatchObject({ epochs: 6 });
    expect(full.cost!.wallSeconds).toBeGreaterThan(0);
    expect(h.genotype).toBe(formatGenotype(g));

    // the finished epochs came from the checkpoint (their measured times too), not from a new start
    expect((resumed.history as unknown as History).epochs[0]!.seconds).toBe((full.history as unknown as History).epochs[0]!.seconds);
    expect(formatGenotype(resumed.architectures[0]!)).toBe(formatGenotype(g));
    const strip = (x: unknown) => (x as History).epochs.map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.history)).toEqual(strip(full.history));
  });

  it('refuses a space other than pdarts or darts', async () => {
    const method = await createTestPlugin(plugin, { options: tiny });
    const ctx = await searchContext(2);
    await expect(method.search({ ...ctx, space: { ...ctx.space, id: 'nas-bench-201' } })).rejects.toThrow(/needs the 'pdarts' or 'darts'/);
  });

  it('skip dropout acts on the skip edges in training only', async () => {
    const { DartsSupernet } = await loadDartsSupernet();
    const net = new DartsSupernet({ channels: 2, cells: 1, classes: 3, inputShape: [4, 4, 2], rng: new Rng('skip') });
    try {
      // cell 0 is a reduction cell: its 5 stride-1 edges (inputs ≥ 2) are skips, the others pool
      for (const c of ['normal', 'reduce'] as const) for (let e = 0; e < 14; e++) net.setCandidates(c, e, [false, true, false, true, false, false, false, false]);
      const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
      const out = (training: boolean) => tf.tidy(() => net.run(x, { training }).logits.arraySync());
      const plainTrain = out(true);
      const plainEval = out(false);
      net.setSkipDropout(0.5, new Rng('masks'));
      expect(out(false)).toEqual(plainEval);
      expect(out(true)).not.toEqual(plainTrain);
      expect(net.skipDropoutProbability).toBe(0.5);
      expect(() => net.setSkipDropout(1, new Rng('x'))).toThrow(/outside/);
      x.dispose();
    } finally {
      net.dispose();
    }
  });
});
