import { readFileSync } from 'node:fs';
import { compatibilityProblem, hasCapability, isPluginDefinition, ParseError, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { createPdartsSpace, PDARTS, skipConnectCount } from './index.js';

describe('@naslab/space-pdarts plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named pdarts with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('pdarts');
    // Built for the running core (its peer range admits it), and says what the space can do.
    expect(compatibilityProblem(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')))).toBeUndefined();
    expect(plugin.capabilities).toEqual(['trainable', 'cost']);
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

  it(`has the cost capability at its evaluation size: the P-DARTS genotype at CIFAR-10 size: 3,433,798 (reported 3.4 M)`, async () => {
    const space = createPdartsSpace();
    expect(hasCapability(space, 'cost')).toBe(true);
    expect(space.evaluationSize).toEqual({ cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] });
    expect(await space.cost(PDARTS, space.evaluationSize, { flops: false })).toEqual({ params: 3433798 });
  });

  it('refuses malformed text with a located ParseError', () => {
    let error: unknown;
    try {
      createPdartsSpace().parse("Genotype(normal=[('sep_conv_3x3', 0)])");
    } catch (e) {
      error = e;
    }
    expect(ParseError.is(error)).toBe(true);
    expect((error as ParseError).line).toBe(1);
  });
});
