import { isPluginDefinition, PLUGIN_API_VERSION, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { createPdartsSpace, PDARTS, skipConnectCount } from './index.js';

describe('@naslab/space-pdarts plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named pdarts with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('pdarts');
    expect(plugin.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(plugin.options!.parse({})).toEqual({ sampling: 'released-code', maxSkipConnects: 2, skipLimit: 'normal', stem: 'auto' });
    expect(() => plugin.options!.parse({ skipLimit: 'reduce' })).toThrow();
    expect(() => plugin.options!.parse({ maxSkipConnects: -1 })).toThrow();
    expect(() => plugin.options!.parse({ maxSkipConnect: 2 })).toThrow();
  });

  it('creates a TrainableSpace whose sample/format/parse agree and whose samples keep the limit', async () => {
    const space = await plugin.create({ options: plugin.options!.parse({ maxSkipConnects: 1 }), label: 'pdarts', resolve: () => undefined as never });
    expect(space.id).toBe('pdarts');
    expect(isTrainableSpace(space)).toBe(true);
    const rng = new Rng(5);
    for (let i = 0; i < 50; i++) {
      const g = space.sample(rng);
      expect(skipConnectCount(g.normal)).toBeLessThanOrEqual(1);
      expect(space.parse(space.format(g))).toEqual(g);
    }
    const d = createPdartsSpace().describe!(PDARTS);
    expect(d['normal.skip_connect']).toBe(2);
    expect(d['reduce.skip_connect']).toBe(0);
    expect(typeof d.key).toBe('string');
  });
});
