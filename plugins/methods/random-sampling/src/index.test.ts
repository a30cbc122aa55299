import { isPluginDefinition, Rng, silentLogger, type Logger, type SearchContext, type SearchSpace } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import plugin, { createRandomSampling } from './index.js';

/** A space of `size` architectures, the integers 0 … size−1, sampled uniformly. */
function tinySpace(size: number): SearchSpace<number> {
  return {
    id: `tiny-${size}`,
    sample: (rng) => rng.int(size),
    format: (a) => `arch-${a}`,
    parse: (t) => Number(t.replace('arch-', '')),
  };
}

function context<A>(space: SearchSpace<A>, seed: number, logger: Logger = silentLogger): SearchContext<A> {
  return {
    space,
    dataset: undefined as never,
    rng: new Rng(seed),
    seed,
    logger,
    signal: new AbortController().signal,
    checkpointDir: '/nonexistent',
    threads: 1,
    backends: [],
    recordMetric: () => {},
  };
}

describe('@naslab/method-random-sampling', () => {
  it('is a method plugin whose output count is K (default 8)', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('method');
    expect(plugin.id).toBe('random-sampling');
    const defaults = plugin.options!.parse({});
    expect(defaults).toEqual({ samples: 8, attemptsPerSample: 100 });
    expect(plugin.outputs!(defaults)).toBe(8);
    expect(plugin.outputs!(plugin.options!.parse({ samples: 24 }))).toBe(24);
    expect(() => plugin.options!.parse({ samples: 0 })).toThrow();
  });

  it('returns K distinct architectures drawn with the space sampler', async () => {
    const method = await plugin.create({ options: plugin.options!.parse({}), label: 'random-sampling', resolve: () => undefined as never });
    const result = await method.search(context(tinySpace(1000), 1));
    expect(result.architectures).toHaveLength(8);
    expect(new Set(result.architectures).size).toBe(8);
    for (const a of result.architectures as number[]) expect(a).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic in the seed', async () => {
    const method = createRandomSampling({ samples: 5, attemptsPerSample: 100 });
    const a = await method.search(context(tinySpace(1000), 42));
    const b = await method.search(context(tinySpace(1000), 42));
    const c = await method.search(context(tinySpace(1000), 43));
    expect(a.architectures).toEqual(b.architectures);
    expect(a.architectures).not.toEqual(c.architectures);
  });

  it('skips repeats: a 10-architecture space gives all 10 for K = 10', async () => {
    const method = createRandomSampling({ samples: 10, attemptsPerSample: 100 });
    const r = await method.search(context(tinySpace(10), 5));
    expect([...(r.architectures as number[])].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((r.history as { draws: number }).draws).toBeGreaterThan(10);
  });

  it('a space smaller than K gives every architecture, then repeats, and warns', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => void warnings.push(m), child: () => logger };
    const method = createRandomSampling({ samples: 8, attemptsPerSample: 50 });
    const r = await method.search(context(tinySpace(3), 9, logger));
    expect(r.architectures).toHaveLength(8);
    expect(new Set(r.architectures).size).toBe(3);
    expect(new Set(r.architectures.slice(0, 3)).size).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/only 3 distinct architectures/);
    expect(r.history).toMatchObject({ distinct: 3 });
  });

  it('stops when the job is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const method = createRandomSampling({ samples: 3, attemptsPerSample: 10 });
    await expect(method.search({ ...context(tinySpace(100), 1), signal: controller.signal })).rejects.toThrow('stop');
  });
});
