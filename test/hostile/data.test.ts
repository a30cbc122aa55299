/**
 * Corrupt data files, generated here from the reference NB201 table and from tiny CIFAR
 * binaries: each is caught by `validate` (exit 2), with the manifest's line of the plugin, the
 * data file and — for a table — the line of the first bad row, and no stack trace.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { hasStackTrace, naslabInProcess } from './in-process.js';

const TABLE = join(repoRoot, '..', 'shared', 'data', 'nb201', 'nb201_3datasets_12ep.csv');
const lines = readFileSync(TABLE, 'utf8').trimEnd().split('\n');
const header = lines[0]!.split(',');
const col = (name: string) => header.indexOf(name);
/** The table with row `row` (1-based data row; file line row + 1) changed by `f`. */
const withRow = (row: number, f: (fields: string[]) => string[] | string) =>
  lines.map((l, i) => (i === row ? (typeof f(l.split(',')) === 'string' ? (f(l.split(',')) as string) : (f(l.split(',')) as string[]).join(',')) : l)).join('\n');
const setCell = (row: number, name: string, value: string) => withRow(row, (f) => ((f[col(name)] = value), f));

interface DataCase {
  name: string;
  /** The table's bytes (written as `table.csv` beside the manifest). */
  table?: string | Buffer;
  /** Replaces the benchmark's options (`path: table.csv` by default). */
  options?: string;
  datasets?: string;
  space?: string;
  setup?: (dir: string) => void;
  /** The table line the message must name. */
  line?: number;
  message: RegExp;
}

const nb201: DataCase[] = [
  { name: 'truncated mid-row', table: lines.join('\n').slice(0, lines.slice(0, 5000).join('\n').length + 40), line: 5001, message: /expected 9 fields/ },
  { name: 'missing accuracy column', table: lines.map((l) => l.split(',').filter((_, i) => i !== col('cifar10_test_acc')).join(',')).join('\n'), message: /missing column "cifar10_test_acc"/ },
  { name: 'missing index column', table: lines.map((l) => l.split(',').slice(1).join(',')).join('\n'), line: 1, message: /missing column "index"/ },
  { name: 'non-numeric accuracy', table: setCell(100, 'cifar10_test_acc', 'abc'), line: 101, message: /expected an accuracy/ },
  { name: 'infinite accuracy', table: setCell(200, 'cifar100_test_acc', 'inf'), line: 201, message: /expected an accuracy/ },
  { name: 'Infinity accuracy', table: setCell(201, 'cifar100_test_acc', 'Infinity'), line: 202, message: /expected an accuracy/ },
  { name: '1e309 accuracy', table: setCell(202, 'cifar100_test_acc', '1e309'), line: 203, message: /expected an accuracy/ },
  { name: 'NaN accuracy', table: setCell(300, 'cifar10valid_valid_acc', 'nan'), line: 301, message: /expected an accuracy/ },
  { name: 'empty accuracy cell', table: setCell(301, 'cifar10valid_valid_acc', ''), line: 302, message: /expected an accuracy/ },
  { name: 'accuracy above 100', table: setCell(400, 'cifar10_test_acc', '100.5'), line: 401, message: /outside 0\.\.100/ },
  { name: 'accuracy below 0', table: setCell(401, 'cifar10_test_acc', '-1'), line: 402, message: /outside 0\.\.100/ },
  { name: 'duplicate row', table: [...lines.slice(0, 11), lines[10]!, ...lines.slice(11)].join('\n'), line: 12, message: /appears twice/ },
  { name: 'duplicate index', table: setCell(20, 'index', '18'), line: 21, message: /index 18 appears twice|official index/ },
  { name: 'garbage arch string', table: setCell(30, 'arch_str', '|garbage~0|'), line: 31, message: /arch_str/ },
  { name: 'arch string of another index', table: setCell(31, 'arch_str', lines[40]!.split(',')[1]!), line: 32, message: /official index/ },
  { name: 'ops that do not match', table: setCell(32, 'ops', '0-0-0-0-0-0'), line: 33, message: /column "ops"/ },
  { name: 'index out of range', table: setCell(33, 'index', '15625'), line: 34, message: /integer in 0\.\.15624/ },
  { name: 'fractional index', table: setCell(34, 'index', '33.5'), line: 35, message: /integer in 0\.\.15624/ },
  { name: 'an extra field', table: withRow(50, (f) => [...f, '1']), line: 51, message: /expected 9 fields/ },
  { name: 'a missing field', table: withRow(51, (f) => f.slice(0, -1)), line: 52, message: /expected 9 fields/ },
  { name: '1,000 rows instead of 15,625', table: lines.slice(0, 1001).join('\n'), message: /has 1,000 rows; NAS-Bench-201 has 15,625/ },
  { name: 'empty file', table: '', line: 1, message: /empty file/ },
  { name: 'header only', table: lines[0]!, message: /has 0 rows/ },
  { name: 'blank lines only', table: '\n\n\n', line: 1, message: /empty file/ },
  { name: ';-separated', table: lines.map((l) => l.replaceAll(',', ';')).join('\n'), line: 1, message: /missing column "index"/ },
  { name: 'binary', table: Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919 + 13) % 256)), line: 1, message: /binary|missing column/ },
  { name: 'Latin-1 header', table: Buffer.from(lines.join('\n').replace('index', 'índex'), 'latin1'), line: 1, message: /missing column "index"/ },
  { name: 'format nni-sqlite on a CSV', options: 'path: table.csv, format: nni-sqlite', table: lines.join('\n'), message: /format "nni-sqlite" is named, but the file is not a SQLite database/ },
  { name: 'searchColumn that does not exist', options: 'path: table.csv, searchColumn: cifar10_nope_acc', table: lines.join('\n'), message: /missing column "cifar10_nope_acc"/ },
  { name: 'dataset the benchmark does not have', datasets: '[imagenet-1k]', table: lines.join('\n'), message: /"imagenet-1k" is not a NAS-Bench-201 dataset/ },
  { name: 'a space the benchmark does not look up', space: 'darts', table: lines.join('\n'), message: /looks up architectures of @naslab\/space-nas-bench-201/ },
  { name: 'table path is a folder', options: 'path: folder', setup: (d) => mkdirSync(join(d, 'folder')), message: /is a folder, not a regular file/ },
  { name: 'table path is /dev/zero', options: 'path: /dev/zero', message: /system folder/ },
  { name: 'table path is a FIFO', options: 'path: pipe.csv', setup: (d) => execFileSync('mkfifo', [join(d, 'pipe.csv')]), message: /FIFO/ },
  { name: 'table path does not exist', options: 'path: nowhere.csv', message: /nowhere\.csv does not exist/ },
  { name: 'table path names an unset variable', options: 'path: "${NASLAB_SURELY_UNSET}/t.csv"', message: /NASLAB_SURELY_UNSET, which is not set/ },
];

const nb201Manifest = (c: DataCase) => `name: data
seeds: 1
datasets: ${c.datasets ?? '[cifar10]'}
space: ${c.space ?? 'nas-bench-201'}
methods: [random-sampling]
benchmark: { id: nas-bench-201, options: { ${c.options ?? 'path: table.csv'} } }
`;

/** CIFAR-10 records: `labels[i]` then 3,072 pixel bytes. */
const records = (labels: number[]) => Buffer.concat(labels.map((l) => Buffer.concat([Buffer.from([l]), Buffer.alloc(3072, l)])));
const cifar10 = (dir: string, change: Partial<Record<string, Buffer | 'folder' | 'missing'>> = {}) => {
  mkdirSync(dir, { recursive: true });
  for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    const c = change[name];
    if (c === 'missing') continue;
    if (c === 'folder') mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), c ?? records([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  }
};
const cifar100 = (dir: string, coarse: number, fine: number) => {
  mkdirSync(dir, { recursive: true });
  const rec = (c: number, f: number) => Buffer.concat([Buffer.from([c, f]), Buffer.alloc(3072)]);
  writeFileSync(join(dir, 'train.bin'), Buffer.concat([rec(1, 1), rec(2, 2), rec(coarse, fine)]));
  writeFileSync(join(dir, 'test.bin'), Buffer.concat([rec(1, 1), rec(2, 2)]));
};

interface CifarCase {
  name: string;
  setup: (data: string) => void;
  options?: string;
  message: RegExp;
}
const cifar: CifarCase[] = [
  { name: 'label 10 in a training file', setup: (d) => cifar10(d, { 'data_batch_3.bin': records([0, 1, 10]) }), message: /data_batch_3\.bin, record 2 .*label 10 is not below 10/ },
  { name: 'label 255 in the test file', setup: (d) => cifar10(d, { 'test_batch.bin': records([255]) }), message: /test_batch\.bin, record 0 .*label 255 is not below 10/ },
  { name: 'truncated file', setup: (d) => cifar10(d, { 'data_batch_2.bin': records([1, 2]).subarray(0, 5000) }), message: /data_batch_2\.bin has 5,000 bytes/ },
  { name: 'empty file', setup: (d) => cifar10(d, { 'data_batch_4.bin': Buffer.alloc(0) }), message: /data_batch_4\.bin has 0 bytes/ },
  { name: 'missing file', setup: (d) => cifar10(d, { 'data_batch_5.bin': 'missing' }), message: /file not found: .*data_batch_5\.bin/ },
  { name: 'a file that is a folder', setup: (d) => cifar10(d, { 'test_batch.bin': 'folder' }), message: /test_batch\.bin/ },
  { name: 'no files at all', setup: (d) => mkdirSync(d), message: /data_batch_1\.bin/ },
  { name: 'CIFAR-100 coarse label 20', setup: (d) => cifar100(d, 20, 5), options: 'variant: cifar100', message: /train\.bin, record 2 .*coarse 20 is not below 20/ },
  { name: 'CIFAR-100 fine label 100', setup: (d) => cifar100(d, 5, 100), options: 'variant: cifar100', message: /train\.bin, record 2 .*fine 100 is not below 100/ },
  { name: 'path is /dev/null', setup: () => {}, options: 'path: /dev/null', message: /dev\/null/ },
];
const cifarManifest = (c: CifarCase) => `name: data
seeds: 1
datasets:
  - id: cifar
    options: { ${c.options?.startsWith('path:') ? `${c.options}, ` : `path: data, ${c.options ? `${c.options}, ` : ''}`}officialSizes: false }
space: '@naslab-fixtures/space-toy'
methods:
  - id: '@naslab-fixtures/method-toy'
    name: random-sampling
trainer: '@naslab-fixtures/trainer-toy'
`;

const counts = { nb201: { clear: 0, other: 0 }, cifar: { clear: 0, other: 0 } };
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('corrupt data is caught at validate', () => {
  const root = tempDir('naslab-data-');
  it('has at least 40 corrupt data files', () => expect(nb201.length + cifar.length).toBeGreaterThanOrEqual(40));

  it.each(nb201.map((c, i) => [c.name, i] as const))('NB201 table: %s', async (_, i) => {
    const c = nb201[i]!;
    const dir = join(root, `nb201-${i}`);
    mkdirSync(dir);
    if (c.table !== undefined) writeFileSync(join(dir, 'table.csv'), c.table);
    c.setup?.(dir);
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, nb201Manifest(c));
    const r = await naslabInProcess(['validate', manifest]);
    const where = c.space ? `${manifest}:4:` : c.datasets ? `${manifest}:6:` : `${manifest}:6:`;
    const tableAt = c.line === undefined ? '' : `${join(dir, 'table.csv')}:${c.line}: `;
    const clear = r.code === 2 && r.stderr.includes(where) && r.stderr.includes(tableAt) && c.message.test(r.stderr) && !hasStackTrace(r.stderr);
    counts.nb201[clear ? 'clear' : 'other']++;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(where);
    expect(r.stderr).toContain(tableAt);
    expect(r.stderr).toMatch(c.message);
    expect(hasStackTrace(r.stderr)).toBe(false);
  }, 20_000);

  it.each(cifar.map((c, i) => [c.name, i] as const))('CIFAR binary: %s', async (_, i) => {
    const c = cifar[i]!;
    const dir = join(root, `cifar-${i}`);
    mkdirSync(dir);
    c.setup(join(dir, 'data'));
    const manifest = join(dir, 'm.yaml');
    writeFileSync(manifest, cifarManifest(c));
    const r = await naslabInProcess(['validate', manifest]);
    const where = new RegExp(`${escapeRegExp(manifest)}:4:5: datasets\\[0\\]`);
    const clear = r.code === 2 && where.test(r.stderr) && c.message.test(r.stderr) && !hasStackTrace(r.stderr);
    counts.cifar[clear ? 'clear' : 'other']++;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(where);
    expect(r.stderr).toMatch(c.message);
    expect(hasStackTrace(r.stderr)).toBe(false);
  }, 20_000);

  it('the intact table and intact CIFAR files pass', async () => {
    const dir = join(root, 'intact');
    mkdirSync(dir);
    writeFileSync(join(dir, 'table.csv'), lines.join('\n'));
    writeFileSync(join(dir, 'm.yaml'), nb201Manifest({ name: 'intact', message: /./ }));
    const r = await naslabInProcess(['validate', join(dir, 'm.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    cifar10(join(dir, 'cifar', 'data'));
    writeFileSync(join(dir, 'cifar', 'm.yaml'), cifarManifest({ name: 'intact', setup: () => {}, message: /./ }));
    const c = await naslabInProcess(['validate', join(dir, 'cifar', 'm.yaml')]);
    expect(c.code, c.stderr).toBe(0);
  }, 20_000);

  afterAll(() => {
    console.log(`corrupt data files (${nb201.length + cifar.length}):\n  nb201-table    ${counts.nb201.clear} clear ${counts.nb201.other} other\n  cifar-binary   ${counts.cifar.clear} clear ${counts.cifar.other} other`);
  });
});
