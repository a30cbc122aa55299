import { readFileSync } from 'node:fs';
import { compatibilityProblem, hasCapability, isPluginDefinition, ParseError, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { CnasGenotypeError, createCnasSpace, DARTS_MORE_V4 } from './index.js';

describe('@naslab/space-cnas plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named cnas with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('cnas');
    // Built for the running core (its peer range admits it), and says what the space can do.
    expect(compatibilityProblem(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')))).toBeUndefined();
    expect(plugin.capabilities).toEqual(['trainable', 'cost']);
    expect(plugin.options!.parse({})).toEqual({ sampling: 'released-code', shuffleGroups: 1, preprocessEps: 1, pooling: 'released-code', stem: 'auto' });
    expect(plugin.options!.parse({ shuffleGroups: 4, preprocessEps: 1e-5 })).toMatchObject({ shuffleGroups: 4, preprocessEps: 1e-5 });
    expect(() => plugin.options!.parse({ shuffleGroups: 2 })).toThrow();
    expect(() => plugin.options!.parse({ sampling: 'uniform-7' })).toThrow();
  });

  it('creates a TrainableSpace whose sample/format/parse agree', async () => {
    const space = await plugin.create({ options: plugin.options!.parse({}), label: 'cnas', resolve: () => undefined as never });
    expect(space.id).toBe('cnas');
    expect(isTrainableSpace(space)).toBe(true);
    const rng = new Rng(11);
    for (let i = 0; i < 20; i++) {
      const g = space.sample(rng);
      expect(space.parse(space.format(g))).toEqual(g);
    }
    expect(createCnasSpace().parse('DARTS_MORE_V4')).toEqual(DARTS_MORE_V4);
    expect(() => createCnasSpace().parse('DARTS_V2')).toThrow(CnasGenotypeError);
    const d = createCnasSpace().describe!(DARTS_MORE_V4);
    expect(d['reduce.max_pool_3x3']).toBe(3);
    expect(typeof d.key).toBe('string');
  });

  it(`has the cost capability at its evaluation size: DARTS_MORE_V4 at CIFAR-10 size with the released code's groups 1: 2,952,509 (PyTorch)`, async () => {
    const space = createCnasSpace();
    expect(hasCapability(space, 'cost')).toBe(true);
    expect(space.evaluationSize).toEqual({ cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] });
    expect(await space.cost(DARTS_MORE_V4, space.evaluationSize, { flops: false })).toEqual({ params: 2952509 });
  });

  it('refuses malformed text with a located ParseError', () => {
    let error: unknown;
    try {
      createCnasSpace().parse("Genotype(normal=[('sep_conv_3x3', 7)])");
    } catch (e) {
      error = e;
    }
    expect(ParseError.is(error)).toBe(true);
    expect((error as ParseError).line).toBe(1);
  });
});
