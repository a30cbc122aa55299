import { readFileSync } from 'node:fs';
import { compatibilityProblem, hasCapability, isPluginDefinition, ParseError, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { createNaoSpace, NAONET_B, NaoArchError } from './index.js';

describe('@naslab/space-nao plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named nao with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('nao');
    // Built for the running core (its peer range admits it), and says what the space can do.
    expect(compatibilityProblem(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')))).toBeUndefined();
    expect(plugin.capabilities).toEqual(['trainable', 'cost']);
    expect(plugin.options!.parse({})).toEqual({ ops: 'random-baseline', dropPathExempt: 'identity', dropout: 0.4, init: 'kaiming-normal', stem: 'auto' });
    expect(plugin.options!.parse({ ops: 'search' })).toMatchObject({ ops: 'search' });
    expect(() => plugin.options!.parse({ ops: 'all' })).toThrow();
    expect(() => plugin.options!.parse({ dropout: 1 })).toThrow();
  });

  it('creates a TrainableSpace whose sample/format/parse agree; ops: search samples ids 0–4 only', async () => {
    const space = await plugin.create({ options: plugin.options!.parse({ ops: 'search' }), label: 'nao', resolve: () => undefined as never });
    expect(space.id).toBe('nao');
    expect(isTrainableSpace(space)).toBe(true);
    const rng = new Rng(13);
    for (let i = 0; i < 50; i++) {
      const a = space.sample(rng);
      expect([...a.normal, ...a.reduce].filter((_, k) => k % 2 === 1).every((op) => op <= 4)).toBe(true);
      expect(space.parse(space.format(a))).toEqual(a);
    }
    expect(createNaoSpace().parse('NAONet-B')).toEqual(NAONET_B);
    expect(() => createNaoSpace().parse('0 1 0')).toThrow(NaoArchError);
    expect(createNaoSpace().describe!(NAONET_B)).toMatchObject({ 'normal.loose_ends': 3, 'reduce.loose_ends': 3 });
  });

  it(`has the cost capability at its evaluation size: NAONet-B at CIFAR-10 size (N = 6): 2,921,302`, async () => {
    const space = createNaoSpace();
    expect(hasCapability(space, 'cost')).toBe(true);
    expect(space.evaluationSize).toEqual({ cells: 20, channels: 36, classes: 10, inputShape: [32, 32, 3] });
    expect(await space.cost(NAONET_B, space.evaluationSize, { flops: false })).toEqual({ params: 2921302 });
  });

  it('refuses malformed text with a located ParseError', () => {
    let error: unknown;
    try {
      createNaoSpace().parse('0 1 0');
    } catch (e) {
      error = e;
    }
    expect(ParseError.is(error)).toBe(true);
    expect((error as ParseError).line).toBe(1);
  });
});
