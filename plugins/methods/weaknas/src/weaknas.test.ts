import { fileURLToPath } from 'node:url';
import { Rng, type SearchContext, type SearchObservation } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { QueryBudget, runRandomSearch } from '@naslab/search-kit';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { builtinCpuBackend } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { runWeakNas, weakNasOptions, type EncodableSpace } from './index.js';

const csvFile = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new NasBench201Space();
const fakeAccuracy = (a: Nb201Arch) => ((space.index(a) * 7919) % 1000) / 10;
/** A cheap predictor for the budget tests (the algorithm, not the predictor, is under test). */
const cheap = weakNasOptions.parse({ hiddenLayers: [8], epochs: 5 });

/** 12 architectures: integers encoded as 4 bits. */
const tinySpace: EncodableSpace<number> = {
  id: 'tiny',
  size: 12,
  atIndex: (i) => i,
  index: (a) => a,
  sample: (rng) => rng.int(12),
  format: String,
  parse: Number,
  encodingLength: () => 4,
  encodeInto: (a, out, offset = 0) => {
    for (let b = 0; b < 4; b++) out[offset + b] = (a >> b) & 1;
  },
};

describe('budget and repeats', () => {
  it.each([1, 10, 15, 40])('stops exactly at a budget of %i queries, all distinct', async (queries) => {
    const budget = new QueryBudget(queries, fakeAccuracy, (a) => space.format(a));
    expect((await runWeakNas(space, budget, new Rng(queries), cheap)).stopReason).toBe('budget');
    expect(budget.used).toBe(queries);
    expect(budget.distinct).toBe(queries);
  });

  it('stops when the space is exhausted', async () => {
    const budget = new QueryBudget(20, (a: number) => a, String);
    const o = { ...cheap, initialSamples: 3, samplesPerIteration: 5, topK: 4 };
    expect((await runWeakNas(tinySpace, budget, new Rng(1), o)).stopReason).toBe('space-exhausted');
    expect(budget.used).toBe(12);
    expect(budget.distinct).toBe(12);
  });

  it('is deterministic for a seed', async () => {
    const run = async () => {
      const budget = new QueryBudget(30, fakeAccuracy, (a) => space.format(a));
      await runWeakNas(space, budget, new Rng('same'), cheap);
      return budget.trajectory.map((r) => r.arch);
    };
    expect(await run()).toEqual(await run());
  });

  it('samples each iteration from the top-K predicted architectures', async () => {
    const budget = new QueryBudget(30, fakeAccuracy, (a) => space.format(a));
    const iterations: { freshInTopK: number; trainingSize: number }[] = [];
    await runWeakNas(space, budget, new Rng(2), cheap, (it) => iterations.push(it));
    // Two iterations pick 10 each; the last predictor is fitted on all 30 (the reference's top-1).
    expect(iterations.map((it) => it.trainingSize)).toEqual([10, 20, 30]);
    for (const it of iterations) expect(it.freshInTopK).toBeGreaterThanOrEqual(10);
  });
});

describe('the predictor', () => {
  it('averages an ensemble of independently initialised predictors', async () => {
    const iterations: { epochs: number[] }[] = [];
    const budget = new QueryBudget(20, fakeAccuracy, (a) => space.format(a));
    await runWeakNas(space, budget, new Rng(5), { ...cheap, ensemble: 3 }, (it) => iterations.push(it));
    for (const it of iterations) expect(it.epochs).toHaveLength(3);
  });
});

describe('plugin', () => {
  it('declares a benchmark need, one output and the reference defaults; spends its budget through the study query', async () => {
    const defaults = weakNasOptions.parse({});
    expect(defaults).toMatchObject({ initialSamples: 10, topK: 100, samplesPerIteration: 10, ensemble: 1, encoding: 'one-hot', epochs: 100, hiddenLayers: [1000, 1000, 1000, 1000] });
    expect(plugin).toMatchObject({ kind: 'method', id: 'weaknas', needsBenchmark: true });
    const options = plugin.options!.parse({ queries: 20, hiddenLayers: [8], epochs: 5 });
    expect(plugin.outputs!(options)).toBe(1);
    let calls = 0;
    const query = async (a: Nb201Arch): Promise<SearchObservation> => {
      calls++;
      return { accuracy: fakeAccuracy(a) };
    };
    const method = await plugin.create({ options, label: 'weaknas', resolve: () => { throw new Error('unused'); } });
    const r = await method.search({ space, rng: new Rng('wn'), signal: new AbortController().signal, query, backends: [builtinCpuBackend], threads: 1 } as unknown as SearchContext<Nb201Arch>);
    expect(calls).toBe(20);
    const history = r.history as { iterations: unknown[]; backend: string; predictorTop1: string };
    expect(history.iterations).toHaveLength(2);
    expect(history.backend).toBe('cpu');
    expect(() => space.parse(history.predictorTop1)).not.toThrow();
  });
});

describe('on the NB201 CIFAR-10 table', () => {
  it('beats random search at 100 queries on average (few seeds here; 100 in bench/nb201-study)', async () => {
    const bench = new Nb201Benchmark(loadNb201Table(csvFile), { dataset: 'cifar10', metric: 'valid' });
    const test = bench.table.columns.get('cifar10_test_acc')!;
    const seeds = 5;
    // The small predictor: the reference's 4 × 1000 takes minutes per seed on the pure-JS backend.
    const o = weakNasOptions.parse({ hiddenLayers: [16, 16], finalPredictor: false });
    const mean = { rs: 0, wn: 0 };
    for (let s = 0; s < seeds; s++) {
      const rs = new QueryBudget(100, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runRandomSearch(space, rs, new Rng(`rs/${s}`));
      const wn = new QueryBudget(100, (a: Nb201Arch) => bench.searchAccuracy(a), (a) => space.format(a));
      await runWeakNas(space, wn, new Rng(`wn/${s}`), o);
      mean.rs += test[bench.rowOf(rs.best!.arch)]! / seeds;
      mean.wn += test[bench.rowOf(wn.best!.arch)]! / seeds;
    }
    console.log(`cifar10 test of best-by-valid at 100 queries, mean over ${seeds} seeds: RS ${mean.rs.toFixed(3)}, WeakNAS ${mean.wn.toFixed(3)}`);
    expect(mean.wn).toBeGreaterThan(mean.rs);
  }, 120_000);
});
