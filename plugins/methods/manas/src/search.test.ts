import * as tf from '@tensorflow/tfjs';
import { createTestPlugin } from '@naslab/core/testing';
import { killAndResume, searchFixture, syntheticDataset } from '@naslab/space-darts/testing';
import { createDartsSpace, formatGenotype, validateGenotype, type Genotype } from '@naslab/space-darts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { manasOptions } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const fixture = searchFixture('manas', () => createDartsSpace());
afterAll(() => fixture.cleanup());
const searchContext = fixture.context;

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

describe('MANAS search (tiny, synthetic, cpu backend)', () => {
  it('MANAS-LS: agents move away from uniform, the genotype is the DARTS rule on their policies; a killed search resumes to the same genotype', async () => {
    const method = await createTestPlugin(plugin, { options: tiny });
    // One uninterrupted search; its checkpoint after epoch 1 is what a kill there leaves behind, and the search resumed from it.
    const { full, resumed } = await killAndResume(method, (seed) => searchContext(seed, { dataset: syntheticDataset(8) }), 1, 1);
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
