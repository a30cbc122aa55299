#!/usr/bin/env node
/**
 * NB201 query-based search study, in-process on the loaded table (no runner, no store):
 * - load time and memory of the 15,625-row CSV;
 * - random search, regularized evolution and local search × SEEDS seeds × 200 queries:
 *   wall time, peak RSS, mean best (validation used for search; CIFAR-10 test reported);
 * - WeakNAS: time per seed and the same figures over WEAKNAS_SEEDS seeds.
 *
 *   node bench/nb201-study/run.mjs [--table FILE] [--seeds 100] [--weaknas-seeds 10] [--queries 200]
 *     [--weaknas-hidden 1000,1000,1000,1000] [--backend libtorch|cpu]
 *
 * WeakNAS runs its default (the reference's) predictor on the libtorch tfjs backend where it is
 * built (else cpu). Two metrics are printed for it, labelled: naslab's (CIFAR-10 test accuracy
 * of the best-by-validation queried architecture: what a search returns) and the reference's
 * (max of the best *test* accuracy among all queried architectures and the test accuracy of the
 * last predictor's top-1: it selects on test accuracy, so only an evaluation can compute it).
 *
 * Build the packages first (npm run build). The table defaults to the reference CSV in the
 * `shared/` folder beside the repository.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { QueryBudget, runRandomSearch } from '@naslab/search-kit';
import { runRegularizedEvolution } from '@naslab/method-regularized-evolution';
import { runLocalSearch } from '@naslab/method-local-search';
import { runWeakNas, weakNasOptions } from '@naslab/method-weaknas';
import { NasBench201Space } from '@naslab/space-nas-bench-201';

const { values: args } = parseArgs({
  options: {
    table: { type: 'string', default: process.env.NB201_TABLE ?? fileURLToPath(new URL('../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url)) },
    seeds: { type: 'string', default: '100' },
    'weaknas-seeds': { type: 'string', default: '10' },
    queries: { type: 'string', default: '200' },
    'weaknas-hidden': { type: 'string' },
    backend: { type: 'string', default: 'libtorch' },
  },
});
const seeds = Number(args.seeds);
const weakSeeds = Number(args['weaknas-seeds']);
const queries = Number(args.queries);
const mb = (b) => (b / 2 ** 20).toFixed(0);
let peakRss = process.memoryUsage().rss;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

const rssBefore = process.memoryUsage().rss;
let t = performance.now();
const table = loadNb201Table(args.table);
const loadMs = performance.now() - t;
sampleRss();
console.log(`table: ${table.rows} rows, ${table.columns.size} numeric columns, loaded in ${loadMs.toFixed(0)} ms, RSS +${mb(process.memoryUsage().rss - rssBefore)} MB (${mb(process.memoryUsage().rss)} MB total)`);

const space = new NasBench201Space();
const bench = new Nb201Benchmark(table, { dataset: 'cifar10', metric: 'valid' });
const test = table.columns.get('cifar10_test_acc');
const testOf = (archText) => test[bench.rowOf(space.parse(archText))];
const checkpoints = [100, queries].filter((q, i, a) => q <= queries && a.indexOf(q) === i);

/** Mean (over seeds) of the best search accuracy and of its test accuracy, at each checkpoint. */
function summarise(budgets) {
  return checkpoints.map((q) => {
    let valid = 0;
    let testAcc = 0;
    for (const b of budgets) {
      const best = b.trajectory.slice(0, q).reduce((x, y) => (y.accuracy > x.accuracy ? y : x));
      valid += best.accuracy / budgets.length;
      testAcc += testOf(best.arch) / budgets.length;
    }
    return `${q} queries: valid ${valid.toFixed(3)} / test ${testAcc.toFixed(3)}`;
  });
}

const methods = {
  'random-search': (b, rng) => runRandomSearch(space, b, rng),
  'regularized-evolution': (b, rng) => runRegularizedEvolution(space, b, rng, { populationSize: 10, sampleSize: 3, mutationAttempts: 100 }),
  'local-search': (b, rng) => runLocalSearch(space, b, rng, { initialSamples: 10 }),
};
const newBudget = () => new QueryBudget(queries, (a) => bench.searchAccuracy(a), (a) => space.format(a));

t = performance.now();
const results = {};
for (const [name, run] of Object.entries(methods)) {
  results[name] = [];
  for (let s = 0; s < seeds; s++) {
    const b = newBudget();
    await run(b, new Rng(`${name}/${s}`));
    results[name].push(b);
  }
  sampleRss();
}
const studyMs = performance.now() - t;
console.log(`RS + RE + LS, ${seeds} seeds x ${queries} queries: ${(studyMs / 1000).toFixed(2)} s, peak RSS ${mb(peakRss)} MB (max RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB)`);
for (const [name, budgets] of Object.entries(results)) console.log(`  ${name.padEnd(22)} ${summarise(budgets).join(' | ')}`);

if (weakSeeds > 0) {
  const o = weakNasOptions.parse({ queries, ...(args['weaknas-hidden'] ? { hiddenLayers: args['weaknas-hidden'].split(',').map(Number) } : {}) });
  const tf = await import('@tensorflow/tfjs');
  const activate = async () => {
    if (args.backend === 'libtorch') {
      const { activateLibtorch, probeLibtorch } = await import('@naslab/backend-libtorch');
      const p = await probeLibtorch();
      if (p.available) {
        await activateLibtorch({ threads: Number(process.env.NASLAB_THREADS ?? 2) });
        return 'libtorch';
      }
      console.log(`libtorch unavailable (${p.reason}); WeakNAS on cpu`);
    }
    await tf.setBackend('cpu');
    return 'cpu';
  };
  const budgets = [];
  const perSeed = [];
  const reference = [];
  let backend = '';
  for (let s = 0; s < weakSeeds; s++) {
    const b = newBudget();
    const t0 = performance.now();
    const progress = process.env.NB201_STUDY_PROGRESS
      ? (it) => console.log(`    seed ${s} iteration ${it.iteration}: ${it.trainingSize} samples, epochs ${it.epochs.join('/')}, ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      : undefined;
    const out = await runWeakNas(space, b, new Rng(`weaknas/${s}`), o, progress, activate);
    backend = out.backend;
    perSeed.push((performance.now() - t0) / 1000);
    budgets.push(b);
    // The reference's metric (evaluation only: it reads the test accuracy of every queried architecture).
    const bestQueriedTest = Math.max(...b.trajectory.map((r) => testOf(r.arch)));
    reference.push(Math.max(bestQueriedTest, out.predictorTop1 ? testOf(space.format(out.predictorTop1)) : -Infinity));
    sampleRss();
  }
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  console.log(`WeakNAS (MLP ${JSON.stringify(o.hiddenLayers)} x ${o.ensemble}, tfjs ${backend}), ${weakSeeds} seeds x ${queries} queries: ${mean.toFixed(2)} s per seed (min ${Math.min(...perSeed).toFixed(2)}, max ${Math.max(...perSeed).toFixed(2)}), peak RSS ${mb(peakRss)} MB`);
  console.log(`  ${'weaknas'.padEnd(22)} ${summarise(budgets).join(' | ')}   [naslab: test of the best-by-validation queried]`);
  const refMean = reference.reduce((a, b) => a + b, 0) / reference.length;
  console.log(`  ${'weaknas (reference)'.padEnd(22)} ${queries} queries: test ${refMean.toFixed(3)}   [reference metric: max(best test among queried, test of predictor top-1); selects on test, evaluation only]`);
  if (seeds > 0) console.log(`  ${'random-search (same n)'.padEnd(22)} ${summarise(results['random-search'].slice(0, weakSeeds)).join(' | ')}`);
}
