import { fileURLToPath } from 'node:url';
import { Rng, type SearchContext, type SearchObservation } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { QueryBudget, runRandomSearch } from '@naslab/search-kit';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import plugin, { runRegularizedEvolution } from './index.js';

const csvFile = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new NasBench201Space();
const fakeAccuracy = (a: Nb201Arch) => ((space.index(a) * 7919) % 1000) / 10;
const defaults = { populationSize: 10, sampleSize: 3, mutationAttempts: 100 };

describe('budget and repeats', () => {
  it.each([1, 10, 11, 200])('stops exactly at a budget of %i queries, all distinct', async (queries) => {
    const budget = new QueryBudget(queries, fakeAccuracy, (a) => space.format(a));
    expect(await runRegularizedEvolution(space, budget, new Rng(queries), defaults)).toBe('budget');
    expect(budget.used).toBe(queries);
    expect(budget.distinct).toBe(queries);
  });

  it('repeats architectures only when asked', async () => {
    // a flat landscape with a tiny population makes children revisit parents' neighbourhoods
    const budget = new QueryBudget(300, () => 50, (a: Nb201Arch) => space.format(a), { allowRepeats: true });
    await runRegularizedEvolution(space, budget, new Rng(5), { populationSize: 2, sampleSize: 2, mutationAttempts: 1 });
    expect(budget.used).toBe(300);
    expect(budget.distinct).toBeLessThan(300);
  });

  it('children after the initial population are one-edge mutations when fresh ones exist', async () => {
    const budget = new QueryBudget(60, fakeAccuracy, (a) => space.format(a));
    await runRegularizedEvolution(space, budget, new Rng(9), defaults);
    const archs = budget.trajectory.map((r) => space.parse(r.arch));
    for (let i = 10; i < archs.length; i++) {
      const nearest = Math.min(...archs.slice(Math.max(0, i - 10), i).map((p) => p.filter((op, e) => op !== archs[i]![e]).length));
      expect(nearest).toBe(1);
    }
  });
});

describe('plugin', () => {
  it('declares a benchmark need, one output, the NB201 paper defaults, and uses the study query', async () => {
    const options = plugin.options!.parse({ queries: 25 });
    expect(plugin).toMatchObject({ kind: 'method', id: 'regularized-evolution', needsBenchmark: true });
    expect(options).toMatchObject({ populationSize: 10, sampleSize: 3, allowRepeats: false });
    expect(plugin.outputs!(options)).toBe(1);
    let calls = 0;
    const query = async (a: Nb201Arch): Promise<SearchObservation> => {
      calls++;
      return { accuracy: fakeAccuracy(a) };
    };
    const method = await plugin.create({ options, label: 'regularized-evolution', resolve: () => { throw new Error('unused'); } });
    const ctx = { space, rng: new Rng('re'), signal: new AbortController().signal, query } as unknown as SearchContext<Nb201Arch>;
    const r = await method.search(ctx);
    expect(calls).toBe(25);
    expect(r.architectures).toHaveLength(1);
    expect((r.history as { trajectory: unknown[] }).trajectory).toHaveLength(25);
  });
});

describe('on the NB201 CIFAR-10 table', () => {
  it('beats random search at 100 queries, on average over 100 seeds', async () => {
    const bench = new Nb201Benchmark(loadNb201Table(csvFile), { dataset: 'cifar10', metric: 'valid' });
    const test = bench.table.columns.get('cifar10_test_acc')!;
    const testOf = (a: Nb201Arch) => test[bench.rowOf(a)]!;
    const seeds = 100;
    const result = { rs: { valid: 0, test: 0 }, re: { valid: 0, test: 0 } };
    for (let s = 0; s < seeds; s++) {
      const rs = new QueryBudget(100, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runRandomSearch(space, rs, new Rng(`rs/${s}`));
      const re = new QueryBudget(100, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runRegularizedEvolution(space, re, new Rng(`re/${s}`), defaults);
      result.rs.valid += rs.best!.accuracy / seeds;
      result.rs.test += testOf(rs.best!.arch) / seeds;
      result.re.valid += re.best!.accuracy / seeds;
      result.re.test += testOf(re.best!.arch) / seeds;
    }
    console.log(`100 queries, mean over ${seeds} seeds (search: cifar10valid valid; reported: cifar10 test): RS ${result.rs.valid.toFixed(3)} / ${result.rs.test.toFixed(3)}, RE ${result.re.valid.toFixed(3)} / ${result.re.test.toFixed(3)}`);
    expect(result.re.valid).toBeGreaterThan(result.rs.valid);
    expect(result.re.test).toBeGreaterThan(result.rs.test);
  });
});
