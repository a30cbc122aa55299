import { Rng, type EnumerableSpace } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { QueryBudget, QueryBudgetError } from './query-budget.js';
import { runRandomSearch } from './random-search.js';
import { UnseenSampler } from './unseen-sampler.js';

/** Ten architectures 0..9; architecture i scores i % 7 (the best, 6, is architecture 6). */
function toySpace(): EnumerableSpace<number> {
  return {
    size: 10,
    atIndex: (i: number) => i,
    sample: (rng: Rng) => rng.int(10),
    format: (a: number) => `a${a}`,
    parse: (text: string) => Number(text.slice(1)),
  } as unknown as EnumerableSpace<number>;
}
const score = (a: number) => a % 7;

describe('QueryBudget', () => {
  it('counts queries, keeps the best-so-far trajectory, refuses repeats and queries past the budget', async () => {
    const budget = new QueryBudget<number>(3, score, (a) => `a${a}`);
    expect(await budget.query(2)).toBe(2);
    expect(await budget.query(5)).toBe(5);
    await expect(budget.query(5)).rejects.toThrow(QueryBudgetError);
    expect(await budget.query(1)).toBe(1);
    expect(budget.exhausted).toBe(true);
    await expect(budget.query(6)).rejects.toThrow(/budget of 3 is spent/);
    expect(budget.trajectory.map((r) => [r.arch, r.accuracy, r.best])).toEqual([
      ['a2', 2, 2],
      ['a5', 5, 5],
      ['a1', 1, 5],
    ]);
    expect(budget.best).toEqual({ arch: 5, accuracy: 5 });
    expect(budget.known(5)).toBe(5);
    expect(budget.known(6)).toBeUndefined();
    expect(() => new QueryBudget<number>(0, score, String)).toThrow(RangeError);
  });

  it('refuses a non-finite accuracy, naming the architecture', async () => {
    const budget = new QueryBudget<number>(2, () => Number.NaN, (a) => `a${a}`);
    await expect(budget.query(3)).rejects.toThrow(/no accuracy for a3/);
  });
});

describe('UnseenSampler and runRandomSearch', () => {
  it('draws every architecture of an enumerable space exactly once, then says it is exhausted', () => {
    const space = toySpace();
    const sampler = new UnseenSampler(space, new QueryBudget<number>(100, score, space.format), new Rng('unseen'));
    const drawn = Array.from({ length: 10 }, () => sampler.draw());
    expect([...drawn].sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sampler.draw()).toBeUndefined();
  });

  it('random search spends the budget on distinct architectures, deterministically in its seed', async () => {
    const run = async (seed: string, queries: number) => {
      const space = toySpace();
      const budget = new QueryBudget<number>(queries, score, space.format);
      const stop = await runRandomSearch(space, budget, new Rng(seed));
      return { stop, archs: budget.trajectory.map((r) => r.arch), best: budget.best };
    };
    const a = await run('rs', 4);
    expect(a.stop).toBe('budget');
    expect(new Set(a.archs).size).toBe(4);
    expect(await run('rs', 4)).toEqual(a);
    // A budget larger than the space: every architecture once, and the true best found.
    const all = await run('rs', 20);
    expect(all.stop).toBe('space-exhausted');
    expect(all.archs).toHaveLength(10);
    expect(all.best).toEqual({ arch: 6, accuracy: 6 });
  });
});
