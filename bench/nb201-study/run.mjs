#!/usr/bin/env node
/**
 * NB201 query-based search study, in-process on the loaded table (no runner, no store):
 * - load time and memory of the 15,625-row CSV;
 * - random search, regularized evolution and local search × SEEDS seeds × 200 queries:
 *   wall time, peak RSS, mean best (validation used for search; CIFAR-10 test reported);
 * - WeakNAS: time per seed and the same figures over WEAKNAS_SEEDS seeds.
 *
 *   node bench/nb201-study/run.mjs [--table FILE] [--seeds 100] [--weaknas-seeds 10] [--queries 200]
 *     [--weaknas-hidden 1000,1000,1000,1000] [--backend libtorch|cpu] [--products]
 *
 * WeakNAS runs its default (the reference's) predictor on the libtorch tfjs backend where it is
 * built (else cpu). Two metrics are printed for it, labelled: naslab's (CIFAR-10 test accuracy
 * of the best-by-validation queried architecture: what a search returns) and the reference's
 * (max of the best *test* accuracy among all queried architectures and the test accuracy of the
 * last predictor's top-1: it selects on test accuracy, so only an evaluation can compute it).
 * It also prints the FLOPs of the predictors' dense products per seed (training + ranking), the
 * GFLOP/s achieved, the measured peak of the product route on this machine and the lower bound
 * on the time per seed it gives. `--products` first times each product route (tf.matMul,
 * 1×1 conv2d) at the predictor's shapes.
 *
 * Build the packages first (npm run build). The table defaults to the reference CSV in the
 * `shared/` folder beside the repository.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { QueryBudget, runRandomSearch } from '@naslab/search-kit';
import { runRegularizedEvolution } from '@naslab/method-regularized-evolution';
import { runLocalSearch } from '@naslab/method-local-search';
import { convMatrixProducts, matMulMatrixProducts, runWeakNas, selectMatrixProducts, weakNasOptions } from '@naslab/method-weaknas';
import { NasBench201Space } from '@naslab/space-nas-bench-201';

const { values: args } = parseArgs({
  options: {
    table: { type: 'string', default: process.env.NB201_TABLE ?? fileURLToPath(new URL('../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url)) },
    seeds: { type: 'string', default: '100' },
    'weaknas-seeds': { type: 'string', default: '10' },
    queries: { type: 'string', default: '200' },
    'weaknas-hidden': { type: 'string' },
    backend: { type: 'string', default: 'libtorch' },
    products: { type: 'boolean', default: false },
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
  if (args.products) {
    console.log(`product routes on tfjs ${await activate()}, ${tf.getBackend() === 'libtorch' ? Number(process.env.NASLAB_THREADS ?? 2) : 1} thread(s):`);
    const routes = tf.getBackend() === 'libtorch' ? [matMulMatrixProducts(tf), convMatrixProducts(tf)] : [selectMatrixProducts(tf)];
    const width = Math.max(...o.hiddenLayers);
    for (const route of routes) {
      for (const r of productRates(route, [[10, width, width], [200, width, width], [4096, width, width]])) {
        console.log(`  ${route.route.padEnd(10)} ${r.name.padEnd(5)} ${String(r.n).padStart(4)}x${r.k}x${r.m}: ${(r.seconds * 1000).toFixed(2)} ms, ${r.gflops.toFixed(1)} GFLOP/s`);
      }
    }
  }
  const budgets = [];
  const perSeed = [];
  const cpuPerSeed = [];
  const reference = [];
  const flopsPerSeed = [];
  let backend = '';
  const d = space.encodingLength(o.encoding);
  const encoded = new Float32Array(d);
  space.encodeInto(space.atIndex(0), encoded, 0, o.encoding);
  const nonZeros = encoded.filter((v) => v !== 0).length;
  const sizes = [d, ...o.hiddenLayers, 1];
  for (let s = 0; s < weakSeeds; s++) {
    const b = newBudget();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let flops = 0;
    const onIteration = (it) => {
      for (const epochs of it.epochs) flops += epochs * trainingEpochFlops(it.trainingSize, o.batchSize, sizes, nonZeros) + space.size * forwardFlops(1, sizes, nonZeros);
      if (process.env.NB201_STUDY_PROGRESS) console.log(`    seed ${s} iteration ${it.iteration}: ${it.trainingSize} samples, epochs ${it.epochs.join('/')}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    };
    const out = await runWeakNas(space, b, new Rng(`weaknas/${s}`), o, onIteration, activate);
    backend = out.backend;
    perSeed.push((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    cpuPerSeed.push((cpu.user + cpu.system) / 1e6);
    flopsPerSeed.push(flops);
    budgets.push(b);
    // The reference's metric (evaluation only: it reads the test accuracy of every queried architecture).
    const bestQueriedTest = Math.max(...b.trajectory.map((r) => testOf(r.arch)));
    reference.push(Math.max(bestQueriedTest, out.predictorTop1 ? testOf(space.format(out.predictorTop1)) : -Infinity));
    sampleRss();
  }
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  console.log(`WeakNAS (MLP ${JSON.stringify(o.hiddenLayers)} x ${o.ensemble}, tfjs ${backend}), ${weakSeeds} seeds x ${queries} queries: ${mean.toFixed(2)} s per seed (min ${Math.min(...perSeed).toFixed(2)}, max ${Math.max(...perSeed).toFixed(2)}), CPU time ${(cpuPerSeed.reduce((a, b) => a + b, 0) / cpuPerSeed.length).toFixed(2)} s per seed (all threads), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, peak RSS ${mb(peakRss)} MB`);
  console.log(`  ${'weaknas'.padEnd(22)} ${summarise(budgets).join(' | ')}   [naslab: test of the best-by-validation queried]`);
  const refMean = reference.reduce((a, b) => a + b, 0) / reference.length;
  console.log(`  ${'weaknas (reference)'.padEnd(22)} ${queries} queries: test ${refMean.toFixed(3)}   [reference metric: max(best test among queried, test of predictor top-1); selects on test, evaluation only]`);
  if (seeds > 0) console.log(`  ${'random-search (same n)'.padEnd(22)} ${summarise(results['random-search'].slice(0, weakSeeds)).join(' | ')}`);

  // The dense products' work per seed against the fastest the product route runs here.
  const route = selectMatrixProducts(tf);
  const width = Math.max(...o.hiddenLayers);
  const peak = Math.max(...productRates(route, [[200, width, width], [4096, width, width]]).map((r) => r.gflops));
  const meanFlops = flopsPerSeed.reduce((a, b) => a + b, 0) / flopsPerSeed.length;
  console.log(`  products per seed: ${(meanFlops / 1e12).toFixed(3)} TFLOP (training + ranking; Adam and elementwise work not counted), ${(meanFlops / mean / 1e9).toFixed(1)} GFLOP/s achieved over the whole seed`);
  console.log(`  product route '${route.route}' on ${tf.getBackend()}: measured peak ${peak.toFixed(1)} GFLOP/s -> lower bound ${(meanFlops / peak / 1e9).toFixed(1)} s per seed (the products alone at peak)`);
}

/** Multiply-adds ×2 of one forward pass over `rows` rows: the first layer sums `nonZeros` weight rows per row. */
function forwardFlops(rows, sizes, nonZeros) {
  let f = 2 * rows * nonZeros * sizes[1];
  for (let l = 1; l + 1 < sizes.length; l++) f += 2 * rows * sizes[l] * sizes[l + 1];
  return f;
}

/** One epoch: per mini-batch the forward pass, Aᵀ·δ for every layer and δ·Wᵀ for all but the first. */
function trainingEpochFlops(n, batchSize, sizes, nonZeros) {
  const batch = Math.min(batchSize, n);
  let f = 0;
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    f += 2 * forwardFlops(rows, sizes, nonZeros);
    for (let l = 1; l + 1 < sizes.length; l++) f += 2 * rows * sizes[l] * sizes[l + 1];
  }
  return f;
}

/** GFLOP/s of the three products of `route` at each [n, k, m], best of 5 timed calls after 2 warm-ups. */
function productRates(route, shapes) {
  const rng = new Rng('products');
  const random = (length) => Float32Array.from({ length }, () => 2 * rng.uniform() - 1);
  const rates = [];
  for (const [n, k, m] of shapes) {
    const a = random(n * k);
    const b = random(k * m);
    const dy = random(n * m);
    const calls = { 'A·B': () => route.ab(a, b, n, k, m), 'Aᵀ·B': () => route.atb(a, dy, n, k, m), 'A·Bᵀ': () => route.abt(dy, b, n, m, k) };
    for (const [name, call] of Object.entries(calls)) {
      call();
      call();
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        call();
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      rates.push({ name, n, k, m, seconds: best, gflops: (2 * n * k * m) / best / 1e9 });
    }
  }
  return rates;
}
