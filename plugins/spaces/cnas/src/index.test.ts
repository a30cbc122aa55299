import { isPluginDefinition, PLUGIN_API_VERSION, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { CnasGenotypeError, createCnasSpace, DARTS_MORE_V4 } from './index.js';

describe('@naslab/space-cnas plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named cnas with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('cnas');
    expect(plugin.apiVersion).toBe(PLUGIN_API_VERSION);
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
});
