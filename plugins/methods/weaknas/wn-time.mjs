import { Rng } from '@naslab/core';
import { loadNb201Table, Nb201Benchmark } from '@naslab/benchmark-nas-bench-201';
import { QueryBudget } from '@naslab/method-random-search';
import { NasBench201Space } from '@naslab/space-nas-bench-201';
import { runWeakNas, weakNasOptions } from '@naslab/method-weaknas';
const space = new NasBench201Space();
const bench = new Nb201Benchmark(loadNb201Table(process.argv[2]), { dataset: 'cifar10', metric: 'valid' });
const test = bench.table.columns.get('cifar10_test_acc');
const hidden = JSON.parse(process.argv[3]);
const seeds = Number(process.argv[4]);
const q = Number(process.argv[5] ?? 100);
let sum = 0; const t0 = performance.now();
for (let s = 0; s < seeds; s++) {
  const b = new QueryBudget(q, (a) => bench.searchAccuracy(a), (a) => space.format(a));
  const its = [];
  await runWeakNas(space, b, new Rng(`wn/${s}`), weakNasOptions.parse({ hiddenLayers: hidden }), (it) => its.push(it.epochs[0]));
  sum += test[bench.rowOf(b.best.arch)];
  if (s === 0) console.log('epochs per iteration', its.join(','));
}
console.log(JSON.stringify(hidden), 'mean test', (sum / seeds).toFixed(3), 'per seed s', ((performance.now() - t0) / 1000 / seeds).toFixed(2));
