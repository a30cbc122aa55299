import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@naslab/core';
import { NasBench201Space } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import plugin, { loadNb201Table, Nb201Benchmark, searchTableOf } from './index.js';

const data = (name: string) => fileURLToPath(new URL(`../../../../../shared/data/nb201/${name}`, import.meta.url));
const table200 = data('nb201_cifar10_200ep.csv');
const table12 = data('nb201_3datasets_12ep.csv');
const space = new NasBench201Space();
const unused = () => {
  throw new Error('unused');
};

describe('a search fidelity apart from the reported one (NB201 hp=12)', () => {
  it('searches see the 12-epoch validation accuracy; evaluation reports the 200-epoch test accuracy', async () => {
    const options = plugin.options!.parse({ path: table200, searchPath: table12 });
    const b = (await plugin.create({ options, label: 'nas-bench-201', resolve: unused })) as Nb201Benchmark;
    // Index 1 of both tables: 12 epochs cifar10valid_valid_acc 82.834; 200 epochs cifar10_test_acc 93.66.
    const arch = space.atIndex(1);
    expect(b.observe(arch, '', { dataset: 'cifar10' })).toEqual({ accuracy: 82.834 });
    expect((await b.query(arch, '', { dataset: 'cifar10' })).finalAccuracy).toBeCloseTo(93.66, 6);
    expect((await b.query(arch, '', { dataset: 'cifar10' })).extra!.searchAccuracy).toBe(82.834);
    // The 12-epoch table has CIFAR-100; the reported one does not: an error names the file.
    expect(() => b.observe(arch, '', { dataset: 'cifar100' })).toThrow(/nb201_cifar10_200ep\.csv: missing column "cifar100_test_acc"/);
    // Without searchPath the search column is the 200-epoch one.
    expect(searchTableOf(plugin.options!.parse({ path: table200 }))).toBeUndefined();
  });

  it('refuses a random seed draw or a time budget on tables that hold neither', () => {
    const t = loadNb201Table(table12);
    expect(() => new Nb201Benchmark(t, { metric: 'valid', searchSeed: 'random' }).columns('cifar10')).toThrow(/searchSeed "random" needs .*"cifar10valid_valid_acc@<seed>"/);
    expect(() => new Nb201Benchmark(t, { metric: 'valid', timeBudget: 100 }).columns('cifar10')).toThrow(/missing column "cifar10valid_train_time" \(the simulated training time/);
    expect(() => new Nb201Benchmark(t, { metric: 'valid', timeBudget: { cifar100: 40000 } }).columns('cifar10')).toThrow(/timeBudget names no budget for dataset "cifar10" \(it has: cifar100\)/);
    expect(() => plugin.options!.parse({ path: 'x.csv', searchSeed: 'first' })).toThrow();
    expect(() => plugin.options!.parse({ path: 'x.csv', timeBudget: -5 })).toThrow();
  });
});

describe('NB201\'s own protocol on NNI\'s database: 12-epoch search, a drawn seed, a time budget', () => {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const file = join(mkdtempSync(join(tmpdir(), 'nb201-protocol-')), 'nasbench201.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE nb201trialconfig (id INTEGER NOT NULL PRIMARY KEY, arch JSON NOT NULL, num_epochs INTEGER NOT NULL, num_channels INTEGER NOT NULL, num_cells INTEGER NOT NULL, dataset VARCHAR(20) NOT NULL);
    CREATE TABLE nb201trialstats (id INTEGER NOT NULL PRIMARY KEY, config_id INTEGER NOT NULL, seed INTEGER NOT NULL, train_acc REAL NOT NULL, valid_acc REAL NOT NULL, test_acc REAL NOT NULL, ori_test_acc REAL NOT NULL, train_loss REAL, valid_loss REAL, test_loss REAL, ori_test_loss REAL, parameters REAL NOT NULL, latency REAL NOT NULL, flops REAL NOT NULL, training_time REAL NOT NULL, valid_evaluation_time REAL NOT NULL, test_evaluation_time REAL NOT NULL, ori_test_evaluation_time REAL NOT NULL);
  `);
  const nniName: Record<string, string> = { nor_conv_1x1: 'conv_1x1', nor_conv_3x3: 'conv_3x3' };
  const archJson = (i: number) => {
    const a = space.atIndex(i);
    return JSON.stringify(Object.fromEntries(['0_1', '0_2', '1_2', '0_3', '1_3', '2_3'].map((k, e) => [k, nniName[space.ops[a[e]!]!] ?? space.ops[a[e]!]!])));
  };
  const config = db.prepare('INSERT INTO nb201trialconfig (arch, num_epochs, num_channels, num_cells, dataset) VALUES (?, ?, 16, 5, ?)');
  const trial = db.prepare(
    'INSERT INTO nb201trialstats (config_id, seed, train_acc, valid_acc, test_acc, ori_test_acc, parameters, latency, flops, training_time, valid_evaluation_time, test_evaluation_time, ori_test_evaluation_time) VALUES (?, ?, 0, ?, ?, 0, 0.1, 0.01, 10, ?, ?, 1, 1)',
  );
  // Index 1's published means: 12 epochs valid 82.834 (cifar10-valid), 200 epochs test 93.66 (cifar10).
  // Seeds 777 / 888 straddle the mean; the training time grows with the epochs.
  const seeds: Record<number, { valid12: number; train12: number }> = { 777: { valid12: 82.334, train12: 100 }, 888: { valid12: 83.334, train12: 140 } };
  for (const [epochs, dataset] of [[12, 'cifar10-valid'], [200, 'cifar10-valid'], [200, 'cifar10']] as const) {
    const id = Number(config.run(archJson(1), epochs, dataset).lastInsertRowid);
    for (const seed of [777, 888]) {
      const s = seeds[seed]!;
      const valid = epochs === 12 ? s.valid12 : 90.77 + (seed === 777 ? -0.1 : 0.1);
      const test = dataset === 'cifar10' ? 93.66 + (seed === 777 ? -0.2 : 0.2) : 90.51;
      trial.run(id, seed, valid, test, epochs === 12 ? s.train12 : s.train12 * 16, 2);
    }
  }
  db.close();
  const options = plugin.options!.parse({ path: file, epochs: 200, searchEpochs: 12, searchSeed: 'random', timeBudget: { cifar10: 500, 'ImageNet16-120': 120000 } });

  it('keeps every seed of NNI\'s trials beside their mean, times included', () => {
    const t12 = loadNb201Table(file, 'nni-sqlite', 12);
    const row = t12.rowOfIndex[1]!;
    expect(t12.columns.get('cifar10valid_valid_acc')![row]).toBeCloseTo(82.834, 9);
    expect(t12.columns.get('cifar10valid_valid_acc@777')![row]).toBeCloseTo(82.334, 9);
    expect(t12.columns.get('cifar10valid_valid_acc@888')![row]).toBeCloseTo(83.334, 9);
    expect(t12.columns.get('cifar10valid_train_time@888')![row]).toBe(140);
    expect(t12.columns.get('cifar10valid_train_time')![row]).toBe(120);
  });

  it('a query sees the 12-epoch validation accuracy of one seed drawn from the job\'s stream, and its cost', async () => {
    const b = (await plugin.create({ options, label: 'nas-bench-201', resolve: unused })) as Nb201Benchmark;
    const arch = space.atIndex(1);
    const draws = (key: string) => {
      const rng = new Rng(key);
      return Array.from({ length: 40 }, () => b.observe(arch, '', { dataset: 'cifar10', rng }));
    };
    const seen = draws('search/job-a');
    // Each observation is one seed's pair (accuracy, training + validation seconds), never the mean.
    for (const o of seen) expect([{ accuracy: 82.334, seconds: 102 }, { accuracy: 83.334, seconds: 142 }]).toContainEqual(o);
    const first = seen.filter((o) => o.accuracy === 82.334).length;
    expect(first).toBeGreaterThan(5);
    expect(first).toBeLessThan(35);
    expect(draws('search/job-a')).toEqual(seen);
    expect(draws('search/job-b')).not.toEqual(seen);
    expect(() => b.observe(arch, '', { dataset: 'cifar10' })).toThrow(/draws a training seed per query from the search job's stream/);
    // Evaluation reports the 200-epoch cifar10 test accuracy, seed mean.
    expect((await b.query(arch, '', { dataset: 'cifar10' })).finalAccuracy).toBeCloseTo(93.66, 9);
    expect(b.searchTimeBudget({ dataset: 'cifar10' })).toBe(500);
  });
});
