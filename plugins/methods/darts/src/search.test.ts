import * as tf from '@tensorflow/tfjs';
import { createTestPlugin } from '@naslab/core/testing';
import { searchFixture } from '@naslab/space-darts/testing';
import dartsSpace, { createDartsSpace, formatGenotype, validateGenotype } from '@naslab/space-darts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { dartsOptions } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const fixture = searchFixture('darts', () => createDartsSpace());
afterAll(() => fixture.cleanup());
const searchContext = fixture.context;

const tinyOptions = dartsOptions.parse({ epochs: 2, batchSize: 4, channels: 2, cells: 3 });


const strip = (h: unknown) => (h as { epochs: Array<Record<string, unknown>> }).epochs.map(({ seconds: _s, ...rest }) => rest);

describe('DARTS search (tiny, synthetic; 1 step per epoch on the cpu backend)', () => {
  it('returns a valid genotype with history and cost; a run killed after epoch 1 resumes to the identical result (deterministic)', async () => {
    // The space provides the supernet training; `Tokens.Plugins` finds the crop-flip trick.
    const method = await createTestPlugin(plugin, { options: tinyOptions, with: [dartsSpace] });
    const full = await method.search(await searchContext(1));
    expect(full.architectures).toHaveLength(1);
    const g = full.architectures[0]!;
    validateGenotype(g);
    expect([...g.normal, ...g.reduce].some(([op]) => op === 'none')).toBe(false);
    const history = full.history as {
      initialAlphas: { normal: number[][] };
      epochs: Array<{ alphas: { normal: number[][] }; trainAccuracy: number; validAccuracy: number; genotype: string }>;
    };
    expect(history.epochs).toHaveLength(2);
    expect(history.epochs[1]!.alphas.normal).toHaveLength(14);
    expect(history.epochs[1]!.alphas.normal[0]!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    expect(history.epochs[1]!.alphas.normal).not.toEqual(history.initialAlphas.normal);
    expect(history.epochs[1]!.genotype).toBe(formatGenotype(g));
    expect(full.cost?.epochs).toBe(2);
    expect(full.cost!.wallSeconds).toBeGreaterThan(0);
    expect(plugin.outputs!(tinyOptions)).toBe(1);

    const abort = new AbortController();
    const ctx = await searchContext(1, { signal: abort.signal, recordMetric: () => abort.abort(new Error('killed')) });
    await expect(method.search(ctx)).rejects.toThrow('killed');
    const resumed = await method.search({ ...ctx, signal: new AbortController().signal, recordMetric: () => {} });
    expect(formatGenotype(resumed.architectures[0]!)).toBe(formatGenotype(g));
    expect(strip(resumed.history)).toEqual(strip(full.history));
  });

  // One second-order run covers both: pt.darts always unrolls.
  it('second order runs end to end: variant pt.darts unrolls whatever `order` says, at most 2 skip-connects in the normal cell', async () => {
    const method = await createTestPlugin(plugin, { options: dartsOptions.parse({ ...tinyOptions, epochs: 1, order: 1, variant: 'pt.darts' }), with: [dartsSpace] });
    const r = await method.search(await searchContext(3));
    const g = r.architectures[0]!;
    validateGenotype(g);
    expect(g.normal.filter(([op]: [string, number]) => op === 'skip_connect').length).toBeLessThanOrEqual(2);
    expect(r.history).toMatchObject({ variant: 'pt.darts', order: 2 });
    // Without `variant` the options hold no such key (the keys of existing jobs do not change).
    expect(Object.keys(dartsOptions.parse({}))).not.toContain('variant');
  });

  it('refuses a space whose op set is not the supernet’s, before training', async () => {
    const method = await createTestPlugin(plugin, { options: tinyOptions, with: [dartsSpace] });
    const space = createDartsSpace({ ops: ['none', 'max_pool_3x3', 'skip_connect', 'conv_3x3'] });
    await expect(method.search(await searchContext(1, { space }))).rejects.toThrow(/darts: the supernet mixes DARTS' 8 ops .*\[none, max_pool_3x3, skip_connect, conv_3x3\]/);
  });

  it('validates options with the reference defaults', () => {
    expect(() => dartsOptions.parse({ order: 3 })).toThrow();
    const d = dartsOptions.parse({});
    expect([d.epochs, d.batchSize, d.channels, d.cells, d.order, d.learningRate, d.archLearningRate]).toEqual([50, 64, 16, 8, 1, 0.025, 3e-4]);
  });
});
