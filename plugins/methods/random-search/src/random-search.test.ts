import { fileURLToPath } from 'node:url';
import { observationOf, Rng, type Benchmark, type SearchContext, type SearchObservation, type SearchSpace } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import { QueryBudget, runRandomSearch } from '@naslab/search-kit';
import plugin from './index.js';

const csvFile = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new NasBench201Space();
/** A deterministic stand-in accuracy, so budget tests need no table. */
const fakeAccuracy = (a: Nb201Arch) => (space.index(a) * 7919) % 1000 / 10;

/** A 5-architecture space, to see termination when the space runs out. */
const tinySpace: SearchSpace<number> & { size: number; atIndex(i: number): number } = {
  id: 'tiny',
  size: 5,
  atIndex: (i) => i,
  sample: (rng) => rng.int(5),
  format: (a) => String(a),
  parse: (t) => Number(t),
};

function searchContext<A>(s: SearchSpace<A>, query: ((a: A) => Promise<SearchObservation>) | undefined, seed = 0): SearchContext<A> {
  return {
    space: s,
    dataset: {} as SearchContext['dataset'],
    rng: new Rng(`test/${seed}`),
    seed,
    logger: { child: () => undefined } as unknown as SearchContext['logger'],
    signal: new AbortController().signal,
    checkpointDir: '',
    threads: 1,
    query,
    backends: [],
    recordMetric: () => undefined,
  };
}

describe('budget and repeats', () => {
  it.each([1, 7, 200])('stops exactly at a budget of %i queries, all distinct', async (queries) => {
    const budget = new QueryBudget(queries, fakeAccuracy, (a) => space.format(a));
    expect(await runRandomSearch(space, budget, new Rng(queries))).toBe('budget');
    expect(budget.used).toBe(queries);
    expect(new Set(budget.trajectory.map((r) => r.arch)).size).toBe(queries);
  });

  it('stops when the space is exhausted', async () => {
    const budget = new QueryBudget(10, (a: number) => a, String);
    expect(await runRandomSearch(tinySpace, budget, new Rng(1))).toBe('space-exhausted');
    expect(budget.used).toBe(5);
    expect(budget.best).toEqual({ arch: 4, accuracy: 4 });
  });

  it('repeats only when asked', async () => {
    const budget = new QueryBudget(10, (a: number) => a, String, { allowRepeats: true });
    expect(await runRandomSearch(tinySpace, budget, new Rng(1))).toBe('budget');
    expect(budget.used).toBe(10);
    expect(budget.distinct).toBeLessThan(10);
  });

  it('refuses a repeated or an over-budget query', async () => {
    const budget = new QueryBudget(2, (a: number) => a, String);
    await budget.query(1);
    await expect(budget.query(1)).rejects.toThrow(/already queried/);
    await budget.query(2);
    await expect(budget.query(3)).rejects.toThrow(/budget of 2 is spent/);
  });

  it('records the best-so-far trajectory in query order', async () => {
    const budget = new QueryBudget(50, fakeAccuracy, (a) => space.format(a));
    await runRandomSearch(space, budget, new Rng(3));
    let best = -Infinity;
    for (const [i, r] of budget.trajectory.entries()) {
      best = Math.max(best, r.accuracy);
      expect(r).toMatchObject({ query: i + 1, best });
      expect(r.accuracy).toBe(fakeAccuracy(space.parse(r.arch)));
    }
  });
});

describe('plugin', () => {
  it('queries the study benchmark within its budget and returns the best architecture', async () => {
    expect(plugin).toMatchObject({ kind: 'method', id: 'random-search', needsBenchmark: true });
    const options = plugin.options!.parse({ queries: 30 });
    expect(plugin.outputs!(options)).toBe(1);
    let calls = 0;
    // The study hands a search what core's observationOf makes of the benchmark's answer: the
    // search accuracy, not finalAccuracy.
    const benchmark: Benchmark<Nb201Arch> = {
      query: (a) => ({ finalAccuracy: 100 - fakeAccuracy(a), bestAccuracy: 0, source: 'test', extra: { searchAccuracy: fakeAccuracy(a) } }),
    };
    const query = async (a: Nb201Arch) => {
      calls++;
      return observationOf(benchmark, a, space.format(a), { dataset: 'cifar10' }, 'fake');
    };
    const method = await plugin.create({ options, label: 'random-search', resolve: () => { throw new Error('unused'); } });
    const r = await method.search(searchContext(space, query));
    expect(calls).toBe(30);
    expect(r.cost?.queries).toBe(30);
    const h = r.history as { trajectory: { arch: string; accuracy: number; best: number }[]; stopReason: string };
    expect(h.stopReason).toBe('budget');
    expect(h.trajectory).toHaveLength(30);
    expect(fakeAccuracy(r.architectures[0]!)).toBe(h.trajectory[29]!.best);
  });

  it('says that a benchmark is needed when the study has none', async () => {
    const method = await plugin.create({ options: plugin.options!.parse({}), label: 'random-search', resolve: () => { throw new Error('unused'); } });
    await expect(method.search(searchContext(space, undefined))).rejects.toThrow(/add a `benchmark:` to the manifest/);
  });
});

describe('on the NB201 CIFAR-10 table', () => {
  it('the mean best of 200 queries matches the order-statistics expectation', async () => {
    const bench = new Nb201Benchmark(loadNb201Table(csvFile), { dataset: 'cifar10', metric: 'test' });
    const values = Float64Array.from(bench.table.columns.get('cifar10_test_acc')!).sort();
    const N = values.length;
    const n = 200;
    // E[max of n draws without replacement] = Σ_k v_(k) C(k-1, n-1) / C(N, n); p_N = n/N and
    // p_(k-1) = p_k (k-n)/(k-1).
    let p = n / N;
    let expected = 0;
    for (let k = N; k >= n; k--) {
      expected += values[k - 1]! * p;
      p *= (k - n) / (k - 1);
    }
    const seeds = 600;
    const bests: number[] = [];
    for (let s = 0; s < seeds; s++) {
      const budget = new QueryBudget(n, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runRandomSearch(space, budget, new Rng(`rs/${s}`));
      bests.push(budget.best!.accuracy);
    }
    const mean = bests.reduce((a, b) => a + b, 0) / seeds;
    const sd = Math.sqrt(bests.reduce((a, b) => a + (b - mean) ** 2, 0) / (seeds - 1));
    console.log(`random search, best of ${n} (CIFAR-10 test): mean ${mean.toFixed(4)} over ${seeds} seeds (sd ${sd.toFixed(3)}), expected ${expected.toFixed(4)}`);
    expect(expected).toBeGreaterThan(93.5);
    expect(Math.abs(mean - expected)).toBeLessThan((4 * sd) / Math.sqrt(seeds));
  });
});

describe('QueryBudget anytime record', () => {
  it('records the test accuracy of the incumbent (best by search accuracy), not the best test accuracy seen', async () => {
    // search accuracy a, test accuracy 100 − a: the incumbent's test accuracy falls as search accuracy rises.
    const budget = new QueryBudget(4, (a: number) => ({ accuracy: a, test: 100 - a }), String);
    for (const a of [10, 30, 20, 40]) await budget.query(a);
    expect(budget.trajectory.map((t) => t.best)).toEqual([10, 30, 30, 40]);
    expect(budget.trajectory.map((t) => t.bestTest)).toEqual([90, 70, 70, 60]);
  });
});
