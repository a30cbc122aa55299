import { readFileSync } from 'node:fs';
import { compatibilityProblem, hasCapability, isPluginDefinition, ParseError, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { createEnasSpace, ENAS_FINAL_ARC, EnasArcError } from './index.js';

describe('@naslab/space-enas-micro plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named enas-micro with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('enas-micro');
    expect(compatibilityProblem(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')))).toBeUndefined();
    expect(plugin.capabilities).toEqual(['trainable', 'cost']);
    expect(plugin.options!.parse({})).toEqual({ sampler: 'released-code', dropout: 0.2, init: 'he-normal', stem: 'auto' });
    expect(plugin.options!.parse({ sampler: 'uniform' })).toMatchObject({ sampler: 'uniform' });
    expect(() => plugin.options!.parse({ sampler: 'paper' })).toThrow();
    expect(() => plugin.options!.parse({ dropout: 1 })).toThrow();
  });

  it('creates a TrainableSpace whose sample/format/parse agree; uniform samples reach the nodes', async () => {
    const space = await plugin.create({ options: plugin.options!.parse({ sampler: 'uniform' }), label: 'enas-micro', resolve: () => undefined as never });
    expect(space.id).toBe('enas-micro');
    expect(isTrainableSpace(space)).toBe(true);
    const rng = new Rng(13);
    let readsNode = false;
    for (let i = 0; i < 50; i++) {
      const a = space.sample(rng);
      readsNode ||= (a.normal as number[]).some((v: number, k: number) => k % 2 === 0 && v >= 2);
      expect(space.parse(space.format(a))).toEqual(a);
    }
    expect(readsNode).toBe(true);
    expect(createEnasSpace().parse('ENAS')).toEqual(ENAS_FINAL_ARC);
    expect(createEnasSpace().describe!(ENAS_FINAL_ARC)).toMatchObject({ 'normal.loose_ends': 5, 'reduce.loose_ends': 4 });
  });

  it('has the cost capability at its evaluation size: the repo arc at F = 36, 17 layers: 3,894,372', async () => {
    const space = createEnasSpace();
    expect(hasCapability(space, 'cost')).toBe(true);
    expect(space.evaluationSize).toEqual({ cells: 17, channels: 36, classes: 10, inputShape: [32, 32, 3] });
    expect(await space.cost(ENAS_FINAL_ARC, space.evaluationSize, { flops: false })).toEqual({ params: 3_894_372 });
  });

  it('refuses malformed text with a located ParseError', () => {
    let error: unknown;
    try {
      createEnasSpace().parse('0 1 0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnasArcError);
    expect(ParseError.is(error)).toBe(true);
    expect((error as ParseError).line).toBe(1);
  });
});
