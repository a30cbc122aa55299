import * as tf from '@tensorflow/tfjs';
import { createTestPlugin } from '@naslab/core/testing';
import { killAndResume, searchFixture } from '@naslab/space-darts/testing';
import { createDartsSpace, DARTS_OPS, edgesOfNode, formatGenotype, validateGenotype, type Genotype } from '@naslab/space-darts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidatesOf, chosenRepresentative, deriveStacnasCell, groupOf, STACNAS_REPRESENTATIVES, stageOneCandidates } from './groups.js';
import plugin, { stacnasOptions } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const fixture = searchFixture('stacnas', () => createDartsSpace());
afterAll(() => fixture.cleanup());
const searchContext = fixture.context;

// 1 epoch per stage, 1 step each (the two halves of 4 images, batch 8); 1 then 2 cells.
const tiny = stacnasOptions.parse({ stageEpochs: [1, 1], stageCells: [1, 2], batchSize: 8, channels: 2 });

const alphaRow = (values: Partial<Record<string, number>>) => DARTS_OPS.map((op) => values[op] ?? 0);

describe('StacNAS groups (genotypes.py OPS_DICT, search.py)', () => {
  it('stage 1 mixes the 5 representatives; each edge gets the group of its largest raw α, never the zero group', () => {
    expect(stageOneCandidates()).toEqual(candidatesOf(STACNAS_REPRESENTATIVES));
    expect(DARTS_OPS.filter((_, k) => stageOneCandidates()[k])).toEqual(['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3']);
    expect(chosenRepresentative(alphaRow({ sep_conv_3x3: 0.3, dil_conv_3x3: 0.1 }))).toBe('sep_conv_3x3');
    expect(chosenRepresentative(alphaRow({ none: 5, skip_connect: -1, max_pool_3x3: -2, sep_conv_3x3: -3, dil_conv_3x3: -4 }))).toBe('skip_connect');
    expect(groupOf('max_pool_3x3')).toEqual(['avg_pool_3x3', 'max_pool_3x3', 'none']);
    expect(groupOf('sep_conv_3x3')).toEqual(['sep_conv_3x3', 'sep_conv_5x5', 'none']);
    expect(groupOf('dil_conv_3x3')).toEqual(['dil_conv_3x3', 'dil_conv_5x5', 'none']);
    expect(groupOf('skip_connect')).toEqual(['skip_connect', 'none']);
    expect(() => groupOf('none')).toThrow(/no group/);
  });

  it('the final cell takes per edge its best non-none candidate and per node the 2 edges of largest raw α', () => {
    const cand = Array.from({ length: 14 }, () => candidatesOf(['sep_conv_3x3', 'sep_conv_5x5', 'none']));
    const alphas = Array.from({ length: 14 }, (_, e) => alphaRow({ none: 9, sep_conv_3x3: e % 2 ? e : -e, sep_conv_5x5: e % 2 ? -e : e, max_pool_3x3: 99 }));
    const cell = deriveStacnasCell(alphas, cand, edgesOfNode, 4);
    // node 1 (edges 2, 3, 4): raw α 2, 3, 4 → edges 4 (input 2), 3 (input 1); max_pool (not a candidate) and none ignored
    expect(cell.slice(2, 4)).toEqual([
      ['sep_conv_5x5', 2],
      ['sep_conv_3x3', 1],
    ]);
    expect(cell.every(([op]) => op === 'sep_conv_3x3' || op === 'sep_conv_5x5')).toBe(true);
  });
});

interface History {
  groups: { normal: string[][]; reduce: string[][] };
  stageOneAlphas: { normal: number[][]; reduce: number[][] };
  supernetParameters: number[];
  epochs: Array<{ stage: number; seconds?: number }>;
  genotype: string;
}

describe('StacNAS search (tiny, synthetic, cpu backend)', () => {
  it('stage 2 searches only the ops of the group stage 1 chose on every edge; a killed search resumes to the same genotype', async () => {
    const method = await createTestPlugin(plugin, { options: tiny });
    // One uninterrupted search; its checkpoint after epoch 1 is what a kill there leaves behind, and the search resumed from it.
    const { full, resumed } = await killAndResume(method, searchContext, 1, 1);
    const g = full.architectures[0]! as Genotype;
    validateGenotype(g);
    const h = full.history as unknown as History;
    expect(h.epochs.map((e) => e.stage)).toEqual([0, 1]);
    expect(h.supernetParameters).toHaveLength(2);
    for (const c of ['normal', 'reduce'] as const) {
      h.groups[c].forEach((group, e) => expect(group).toEqual(groupOf(chosenRepresentative(h.stageOneAlphas[c][e]!))));
      // every chosen edge's op is in that edge's group
      for (let node = 0; node < 4; node++) {
        for (const [op, input] of g[c].slice(2 * node, 2 * node + 2)) expect(h.groups[c][edgesOfNode(node)[input]!]).toContain(op);
      }
    }
    expect(full.cost).toMatchObject({ epochs: 2 });
    expect(h.genotype).toBe(formatGenotype(g));

    // the finished epochs came from the checkpoint (their measured times too), not from a new start
    expect((resumed.history as unknown as History).epochs[0]!.seconds).toBe((full.history as unknown as History).epochs[0]!.seconds);
    expect(formatGenotype(resumed.architectures[0]!)).toBe(formatGenotype(g));
    const strip = (x: unknown) => (x as History).epochs.map(({ seconds: _s, ...r }) => r);
    expect(strip(resumed.history)).toEqual(strip(full.history));
  });

  it('defaults are the official run_all.py (80 + 80 epochs, 14 / 20 cells, batch 64, α Adam 3e-4, clip 3, all training data)', async () => {
    const d = stacnasOptions.parse({});
    expect([d.stageEpochs, d.stageCells, d.batchSize, d.archLearningRate, d.gradClip, d.data]).toEqual([[80, 80], [14, 20], 64, 3e-4, 3, 'all']);
    const method = await createTestPlugin(plugin, { options: tiny });
    const ctx = await searchContext(2);
    await expect(method.search({ ...ctx, space: { ...ctx.space, id: 'cnas' } })).rejects.toThrow(/needs the 'darts'/);
  });
});
