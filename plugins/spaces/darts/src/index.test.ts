import { readFileSync } from 'node:fs';
import { compatibilityProblem, isPluginDefinition, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { createDartsSpace, DARTS_V2, GENOTYPES, GenotypeError } from './index.js';

describe('@naslab/space-darts plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named darts with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('darts');
    // Built for the running core (its peer range admits it), and says what the space can do.
    expect(compatibilityProblem(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')))).toBeUndefined();
    expect(plugin.capabilities).toEqual(['trainable', 'cost']);
    expect(plugin.options!.parse({})).toEqual({ sampling: 'released-code', stem: 'auto', pools: 'quark0' });
    expect(plugin.options!.parse({ sampling: 'uniform-8' })).toEqual({ sampling: 'uniform-8', stem: 'auto', pools: 'quark0' });
    expect(() => plugin.options!.parse({ sampling: 'uniform-7' })).toThrow();
    expect(() => plugin.options!.parse({ samplng: 'uniform-8' })).toThrow();
  });

  it('creates a SearchSpace whose sample/format/parse agree', async () => {
    const space = await plugin.create({ options: { sampling: 'uniform-8', stem: 'cifar', pools: 'quark0' }, label: 'darts', resolve: () => undefined as never });
    expect(space.id).toBe('darts');
    // the engine can build its genotypes (TrainableSpace)
    expect(isTrainableSpace(space)).toBe(true);
    const rng = new Rng(3);
    for (let i = 0; i < 20; i++) {
      const g = space.sample(rng);
      expect(space.parse(space.format(g))).toEqual(g);
    }
    const d = space.describe!(DARTS_V2);
    expect(d['normal.sep_conv_3x3']).toBe(5);
    expect(typeof d.key).toBe('string');
  });

  it('parse accepts the names of GENOTYPES and refuses malformed text with a GenotypeError', () => {
    const space = createDartsSpace();
    expect(space.parse('DARTS_V2')).toEqual(DARTS_V2);
    expect(space.parse(' DARTS ')).toEqual(GENOTYPES.DARTS);
    // a copy: changing it leaves the registry alone
    space.parse('DARTS_V2').normal[0] = ['none', 0];
    expect(GENOTYPES.DARTS_V2!.normal[0]).toEqual(['sep_conv_3x3', 0]);
    expect(() => space.parse('DARTS_V3')).toThrow(GenotypeError);
    expect(() => space.parse('toString')).toThrow(GenotypeError);
  });
});
