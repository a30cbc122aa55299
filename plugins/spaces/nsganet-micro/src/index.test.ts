import { readFileSync } from 'node:fs';
import { compatibilityProblem, hasCapability, isPluginDefinition, ParseError, Rng } from '@naslab/core';
import { isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { createNsganetSpace, NSGANET, NsganetGenomeError } from './index.js';

describe('@naslab/space-nsganet-micro plugin', { timeout: 60_000 }, () => {
  it('is a space plugin named nsganet-micro with validated options', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('space');
    expect(plugin.id).toBe('nsganet-micro');
    expect(compatibilityProblem(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')))).toBeUndefined();
    expect(plugin.capabilities).toEqual(['trainable', 'cost']);
    expect(plugin.options!.parse({})).toEqual({ sampler: 'released-code', se: true, filterIncrement: 4, stem: 'auto' });
    expect(plugin.options!.parse({ sampler: 'uniform', se: false })).toMatchObject({ sampler: 'uniform', se: false });
    expect(() => plugin.options!.parse({ sampler: 'paper' })).toThrow();
    expect(() => plugin.options!.parse({ filterIncrement: -1 })).toThrow();
  });

  it('creates a TrainableSpace whose sample/format/parse agree; uniform samples 5 blocks and can draw op 8', async () => {
    const space = await plugin.create({ options: plugin.options!.parse({ sampler: 'uniform' }), label: 'nsganet-micro', resolve: () => undefined as never });
    expect(space.id).toBe('nsganet-micro');
    expect(isTrainableSpace(space)).toBe(true);
    const rng = new Rng(13);
    let op8 = false;
    for (let i = 0; i < 50; i++) {
      const g = space.sample(rng);
      expect(g.normal.length).toBe(20);
      op8 ||= (g.normal as number[]).some((v: number, k: number) => k % 2 === 0 && v === 8);
      expect(space.parse(space.format(g))).toEqual(g);
    }
    expect(op8).toBe(true);
    expect(createNsganetSpace().parse('NSGANet')).toEqual(NSGANET);
  });

  it('has the cost capability at its evaluation size: NSGANet at 34 / +4 / SE: 2,419,860; without SE 2,196,980', async () => {
    expect(hasCapability(createNsganetSpace(), 'cost')).toBe(true);
    const size = createNsganetSpace().evaluationSize;
    expect(size).toEqual({ cells: 20, channels: 34, classes: 10, inputShape: [32, 32, 3] });
    expect(await createNsganetSpace().cost(NSGANET, size, { flops: false })).toEqual({ params: 2_419_860 });
    expect(await createNsganetSpace({ se: false }).cost(NSGANET, size, { flops: false })).toEqual({ params: 2_196_980 });
  });

  it('refuses malformed text with a located ParseError', () => {
    let error: unknown;
    try {
      createNsganetSpace().parse('2 0 0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NsganetGenomeError);
    expect(ParseError.is(error)).toBe(true);
    expect((error as ParseError).line).toBe(1);
  });
});
