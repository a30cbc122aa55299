import { fileURLToPath } from 'node:url';
import { Rng, type SearchContext, type SearchObservation } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { QueryBudget, runRandomSearch } from '@naslab/search-kit';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import plugin, { runLocalSearch } from './index.js';

const csvFile = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new NasBench201Space();
const fakeAccuracy = (a: Nb201Arch) => ((space.index(a) * 7919) % 1000) / 10;
const distance = (a: Nb201Arch, b: Nb201Arch) => a.filter((op, e) => op !== b[e]).length;

describe('budget and repeats', () => {
  it.each([1, 10, 11, 34, 200])('stops exactly at a budget of %i queries, all distinct', async (queries) => {
    const budget = new QueryBudget(queries, fakeAccuracy, (a) => space.format(a));
    expect(await runLocalSearch(space, budget, new Rng(queries), { initialSamples: 10 })).toBe('budget');
    expect(budget.used).toBe(queries);
    expect(budget.distinct).toBe(queries);
  });

  it('re-queries known neighbours only when asked', async () => {
    const budget = new QueryBudget(200, fakeAccuracy, (a: Nb201Arch) => space.format(a), { allowRepeats: true });
    await runLocalSearch(space, budget, new Rng(2), { initialSamples: 1 });
    expect(budget.used).toBe(200);
    expect(budget.distinct).toBeLessThan(200);
  });

  it('queries the whole neighbourhood of the best initial architecture, then moves to its best neighbour', async () => {
    const budget = new QueryBudget(10 + 24 + 10, fakeAccuracy, (a) => space.format(a));
    await runLocalSearch(space, budget, new Rng(4), { initialSamples: 10 });
    // (seed 4 happens to draw a neighbour of the start among the initial samples)
    const t = budget.trajectory.map((r) => ({ arch: space.parse(r.arch), accuracy: r.accuracy }));
    const start = t.slice(0, 10).reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    // neighbours among the initial samples are known already and not queried again
    const knownNeighbours = t.slice(0, 10).filter((n) => distance(n.arch, start.arch) === 1);
    const firstRound = t.slice(10, 34 - knownNeighbours.length);
    expect(firstRound.every((n) => distance(n.arch, start.arch) === 1)).toBe(true);
    const bestNeighbour = [...knownNeighbours, ...firstRound].reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const second = t.slice(34 - knownNeighbours.length);
    if (bestNeighbour.accuracy > start.accuracy) {
      // neighbours of the new centre (at least 20 of them are new: only the old centre and 3 shared neighbours are known)
      expect(second.every((n) => distance(n.arch, bestNeighbour.arch) === 1)).toBe(true);
    } else {
      expect(distance(second[0]!.arch, start.arch)).toBeGreaterThan(0);
    }
  });
});

describe('plugin', () => {
  it('declares a benchmark need and one output, and spends its budget through the study query', async () => {
    const options = plugin.options!.parse({ queries: 40 });
    expect(plugin).toMatchObject({ kind: 'method', id: 'local-search', needsBenchmark: true });
    expect(plugin.outputs!(options)).toBe(1);
    let calls = 0;
    const query = async (a: Nb201Arch): Promise<SearchObservation> => {
      calls++;
      return { accuracy: fakeAccuracy(a) };
    };
    const method = await plugin.create({ options, label: 'local-search', resolve: () => { throw new Error('unused'); } });
    const r = await method.search({ space, rng: new Rng('ls'), signal: new AbortController().signal, query } as unknown as SearchContext<Nb201Arch>);
    expect(calls).toBe(40);
    expect(r.cost?.queries).toBe(40);
  });
});

describe('on the NB201 CIFAR-10 table', () => {
  it('reports its mean against random search at 100 and 200 queries over 100 seeds', async () => {
    const bench = new Nb201Benchmark(loadNb201Table(csvFile), { dataset: 'cifar10', metric: 'valid' });
    const test = bench.table.columns.get('cifar10_test_acc')!;
    const seeds = 100;
    const mean = { rs: [0, 0], ls: [0, 0] };
    for (let s = 0; s < seeds; s++) {
      const rs = new QueryBudget(200, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runRandomSearch(space, rs, new Rng(`rs/${s}`));
      const ls = new QueryBudget(200, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runLocalSearch(space, ls, new Rng(`ls/${s}`), { initialSamples: 10 });
      for (const [k, b] of [['rs', rs], ['ls', ls]] as const) {
        // test accuracy of the best (by validation) among the first 100 and all 200 queries
        [100, 200].forEach((q, i) => {
          const best = b.trajectory.slice(0, q).reduce((x, y) => (y.accuracy > x.accuracy ? y : x));
          mean[k][i]! += test[bench.rowOf(space.parse(best.arch))]! / seeds;
        });
      }
    }
    console.log(`cifar10 test of best-by-valid, mean over ${seeds} seeds: RS ${mean.rs.map((v) => v.toFixed(3)).join(' / ')}, LS ${mean.ls.map((v) => v.toFixed(3)).join(' / ')} (100 / 200 queries)`);
    expect(mean.ls[1]!).toBeGreaterThan(mean.rs[1]!);
  });
});
