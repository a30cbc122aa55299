import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { NasBench201Space } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import plugin, { loadNb201Table, Nb201Benchmark, parseNb201Csv } from './index.js';

const csvFile = fileURLToPath(new URL('../../../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url));
const space = new NasBench201Space();
const tmp = mkdtempSync(join(tmpdir(), 'nb201-bench-'));

describe('CSV table (nb201_cifar10_200ep.csv)', () => {
  const table = loadNb201Table(csvFile);

  it('holds all 15,625 architectures with the published optimum and mean', () => {
    expect(table.rows).toBe(15625);
    const test = table.columns.get('cifar10_test_acc')!;
    let best = -Infinity;
    let sum = 0;
    for (const v of test) {
      best = Math.max(best, v);
      sum += v;
    }
    expect(best.toFixed(2)).toBe('94.37');
    expect((sum / test.length).toFixed(2)).toBe('87.06');
    expect([...table.columns.keys()]).toEqual(['cifar10_test_acc', 'cifar10valid_valid_acc', 'cifar10valid_test_acc', 'params_m']);
  });

  it('reports test accuracy and gives searches the validation accuracy', () => {
    const b = new Nb201Benchmark(table, { dataset: 'cifar10', metric: 'valid' });
    const arch = space.atIndex(1);
    const r = b.query(arch, space.format(arch));
    expect(r.finalAccuracy).toBeCloseTo(93.66, 6);
    expect(r.bestAccuracy).toBe(r.finalAccuracy);
    expect(r.params).toBe(802426);
    expect(r.source).toBe('benchmark:nas-bench-201');
    expect(r.extra).toMatchObject({ index: 1, searchColumn: 'cifar10valid_valid_acc', cifar10valid_test_acc: 90.513333 });
    expect(r.extra!.searchAccuracy).toBeCloseTo(90.769333, 6);
    expect(b.searchAccuracy(arch)).toBeCloseTo(90.769333, 6);
    const t = new Nb201Benchmark(table, { dataset: 'cifar10', metric: 'test' });
    expect(t.query(arch).extra!.searchAccuracy).toBeCloseTo(93.66, 6);
  });

  it('picks columns by the dataset each query names, with NB201/NNI spellings', () => {
    const b = new Nb201Benchmark(table, { metric: 'valid' });
    const arch = space.atIndex(1);
    const r = b.query(arch, '', { dataset: 'cifar10-valid' });
    expect(r.finalAccuracy).toBeCloseTo(90.513333, 6);
    expect(r.extra).toMatchObject({ searchColumn: 'cifar10valid_valid_acc' });
    expect(() => b.query(arch, '', { dataset: 'ImageNet16-120' })).toThrow(/nb201_cifar10_200ep\.csv: missing column "imagenet16_test_acc".*present: cifar10_test_acc/);
    expect(() => b.query(arch, '', { dataset: 'cifar100' })).toThrow(/missing column "cifar100_test_acc"/);
    expect(() => b.query(arch, '', { dataset: 'mnist' })).toThrow(/dataset "mnist" is not a NAS-Bench-201 dataset/);
  });
});

describe('CSV errors name file and line', () => {
  const header = 'index,arch_str,ops,cifar10_test_acc,params_m';
  const row1 = '1,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|,3-3-4-1-3-1,93.66,0.8';
  it.each([
    ['index,ops,cifar10_test_acc\n1,3-3-4-1-3-1,93.6', /t\.csv:1: missing column "arch_str"/],
    [`${header}\n${row1}\n2,|none~0|,1,2`, /t\.csv:3: expected 5 fields/],
    [`${header}\n${row1.replace('93.66', 'abc')}`, /t\.csv:2: column "cifar10_test_acc": expected an accuracy in % \(0\.\.100\), found "abc"/],
    [`${header}\n${row1.replace(/^1,/, '2,')}`, /t\.csv:2: arch_str .* has official index 1, but the row says 2/],
    [`${header}\n${row1.replace('3-3-4-1-3-1', '3-3-4-1-3-0')}`, /t\.csv:2: column "ops"/],
    [`${header}\n${row1}\n${row1}`, /t\.csv:3: index 1 appears twice \(first on line 2\)/],
    [`${header}\n${row1.replace('nor_conv_3x3~0|+', 'conv9~0|+')}`, /t\.csv:2: column "arch_str": .*unknown operation "conv9"/],
  ])('%#', (text, error) => {
    expect(() => parseNb201Csv(text, 't.csv')).toThrow(error);
  });

  it('keeps extra columns, numeric and text, and reads a missing value as NaN', () => {
    const t = parseNb201Csv(`${header},note,flops\n${row1},"a, b",\n`, 'x.csv');
    expect(t.textColumns.get('note')).toEqual(['a, b']);
    expect(Number.isNaN(t.columns.get('flops')![0]!)).toBe(true);
  });
});

describe('NNI SQLite database', () => {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const file = join(tmp, 'nasbench201.db');
  const db = new Database(file);
  // The schema peewee creates for NNI's Nb201TrialConfig / Nb201TrialStats / Nb201IntermediateStats.
  db.exec(`
    CREATE TABLE nb201trialconfig (id INTEGER NOT NULL PRIMARY KEY, arch JSON NOT NULL, num_epochs INTEGER NOT NULL, num_channels INTEGER NOT NULL, num_cells INTEGER NOT NULL, dataset VARCHAR(20) NOT NULL);
    CREATE TABLE nb201trialstats (id INTEGER NOT NULL PRIMARY KEY, config_id INTEGER NOT NULL, seed INTEGER NOT NULL, train_acc REAL NOT NULL, valid_acc REAL NOT NULL, test_acc REAL NOT NULL, ori_test_acc REAL NOT NULL, train_loss REAL, valid_loss REAL, test_loss REAL, ori_test_loss REAL, parameters REAL NOT NULL, latency REAL NOT NULL, flops REAL NOT NULL, training_time REAL NOT NULL, valid_evaluation_time REAL NOT NULL, test_evaluation_time REAL NOT NULL, ori_test_evaluation_time REAL NOT NULL, FOREIGN KEY (config_id) REFERENCES nb201trialconfig (id));
    CREATE TABLE nb201intermediatestats (id INTEGER NOT NULL PRIMARY KEY, trial_id INTEGER NOT NULL, current_epoch INTEGER NOT NULL, train_acc REAL, valid_acc REAL, test_acc REAL, ori_test_acc REAL, train_loss REAL, valid_loss REAL, test_loss REAL, ori_test_loss REAL, FOREIGN KEY (trial_id) REFERENCES nb201trialstats (id));
  `);
  const nniName: Record<string, string> = { nor_conv_1x1: 'conv_1x1', nor_conv_3x3: 'conv_3x3' };
  const archJson = (i: number) => {
    const a = space.atIndex(i);
    const keys = ['0_1', '0_2', '1_2', '0_3', '1_3', '2_3'];
    return JSON.stringify(Object.fromEntries(keys.map((k, e) => [k, nniName[space.ops[a[e]!]!] ?? space.ops[a[e]!]!])));
  };
  const insertConfig = db.prepare('INSERT INTO nb201trialconfig (arch, num_epochs, num_channels, num_cells, dataset) VALUES (?, ?, 16, 5, ?)');
  const insertStats = db.prepare(
    'INSERT INTO nb201trialstats (config_id, seed, train_acc, valid_acc, test_acc, ori_test_acc, parameters, latency, flops, training_time, valid_evaluation_time, test_evaluation_time, ori_test_evaluation_time) VALUES (?, ?, ?, ?, ?, ?, ?, 0.01, ?, 1, 1, 1, 1)',
  );
  for (const idx of [0, 1, 6111]) {
    for (const epochs of [12, 200]) {
      for (const dataset of ['cifar10-valid', 'cifar10', 'cifar100']) {
        const config = Number(insertConfig.run(archJson(idx), epochs, dataset).lastInsertRowid);
        for (const seed of [777, 888]) {
          const base = idx / 1000 + (epochs === 200 ? 50 : 10) + (dataset === 'cifar100' ? 5 : 0);
          insertStats.run(config, seed, base + 3, base + 1, base + 2, base + (seed === 777 ? 0 : 1), dataset === 'cifar100' ? 0.2 : 0.1, 10);
        }
      }
    }
  }
  db.close();

  it('averages seeds and maps NNI datasets, splits and edge dicts onto the CSV columns', () => {
    const table = loadNb201Table(file);
    expect(table.rows).toBe(3);
    expect([...table.index]).toEqual([0, 1, 6111]);
    const row = table.rowOfIndex[6111]!;
    expect(table.columns.get('cifar100_test_acc')![row]).toBeCloseTo(6.111 + 55 + 2, 9);
    expect(table.columns.get('cifar10valid_valid_acc')![row]).toBeCloseTo(6.111 + 50 + 1, 9);
    expect(table.columns.get('cifar10_oritest_acc')![row]).toBeCloseTo(6.111 + 50 + 0.5, 9);
    expect(table.columns.get('cifar100_seeds')![row]).toBe(2);
    const b = new Nb201Benchmark(table, { dataset: 'cifar100', metric: 'valid' });
    const r = b.query(space.atIndex(6111));
    expect(r.finalAccuracy).toBeCloseTo(63.111, 9);
    expect(r.extra!.searchAccuracy).toBeCloseTo(62.111, 9);
    expect(r.params).toBe(200000);
    const c10 = new Nb201Benchmark(table, { dataset: 'cifar10', metric: 'valid' });
    expect(c10.columns().searchColumn).toBe('cifar10valid_valid_acc');
  });

  it('reads the 12-epoch trials when asked and says which epochs exist otherwise', () => {
    const t12 = loadNb201Table(file, 'nni-sqlite', 12);
    expect(t12.columns.get('cifar10_test_acc')![t12.rowOfIndex[0]!]).toBeCloseTo(12, 9);
    expect(() => loadNb201Table(file, 'nni-sqlite', 36)).toThrow(/no trials with num_epochs = 36 \(the database has: 12, 200\)/);
  });

  it('says when a database is not NNI\'s NB201 schema', () => {
    const other = join(tmp, 'other.db');
    const d = new Database(other);
    d.exec('CREATE TABLE foo (x INTEGER)');
    d.close();
    expect(() => loadNb201Table(other)).toThrow(/other\.db: not an NNI NAS-Bench-201 database: table "nb201trialconfig" is missing/);
  });

  it('fails on a look-up of an architecture the table lacks', () => {
    const b = new Nb201Benchmark(loadNb201Table(file), { dataset: 'cifar10', metric: 'test' });
    expect(() => b.query(space.atIndex(2))).toThrow(/no row for architecture .* \(index 2\)/);
  });
});

describe('plugin', () => {
  it('validates options and reads the path from the environment', async () => {
    expect(plugin.kind).toBe('benchmark');
    expect(() => plugin.options!.parse({ path: 'x.csv', metric: 'train' })).toThrow();
    const options = plugin.options!.parse({ path: '${NB201_TEST_TABLE}' });
    expect(options).toEqual({ path: '${NB201_TEST_TABLE}', format: 'auto', metric: 'valid', epochs: 200 });
    process.env.NB201_TEST_TABLE = csvFile;
    const b = await plugin.create({ options, label: 'nas-bench-201', resolve: () => { throw new Error('unused'); } });
    expect((await b.query(space.atIndex(6111), '', { dataset: 'cifar10' })).finalAccuracy).toBeCloseTo(94.3733, 3);
    delete process.env.NB201_TEST_TABLE;
    await expect(async () => plugin.create({ options, label: 'x', resolve: () => { throw new Error('unused'); } })).rejects.toThrow(/NB201_TEST_TABLE, which is not set/);
  });
});

describe('data identity', () => {
  it('is a digest of the table the path names: another table behind the same variable changes it', async () => {
    const options = plugin.options!.parse({ path: '${NB201_TEST_TABLE}' });
    const copy = join(tmp, 'copy.csv');
    copyFileSync(csvFile, copy);
    process.env.NB201_TEST_TABLE = csvFile;
    const original = await plugin.dataIdentity!(options);
    expect(original).toMatch(/^[0-9a-f]{16}$/);
    process.env.NB201_TEST_TABLE = copy;
    expect(await plugin.dataIdentity!(options)).toBe(original);
    // One accuracy edited in the copy.
    const text = readFileSync(copy, 'utf8');
    const lines = text.split('\n');
    lines[1] = lines[1]!.replace(/(\d)(,[^,]*)$/, (_, d: string, rest: string) => `${(Number(d) + 1) % 10}${rest}`);
    writeFileSync(copy, lines.join('\n'));
    expect(readFileSync(copy, 'utf8')).not.toBe(text);
    expect(await plugin.dataIdentity!(options)).not.toBe(original);
    delete process.env.NB201_TEST_TABLE;
    await expect(async () => plugin.dataIdentity!(options)).rejects.toThrow(/NB201_TEST_TABLE, which is not set/);
  });
});
