import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPluginDefinition } from '@naslab/core';
import plugin, { balancedPrefix, CIFAR10_MEAN, cifarDataIdentity, createCifar } from './index.js';

/** Pixel value of image `id` at channel `c`, row `y`, column `x` (distinct per position). */
const pixel = (id: number, c: number, y: number, x: number) => (id * 7 + c * 50 + y * 3 + x) % 256;

/** Records in the real binary format: label byte(s), then 3072 bytes channel-major (CHW). */
function records(ids: number[], labelsOf: (id: number) => number[]): Buffer {
  const labelBytes = labelsOf(0).length;
  const out = Buffer.alloc(ids.length * (labelBytes + 3072));
  ids.forEach((id, k) => {
    const base = k * (labelBytes + 3072);
    labelsOf(id).forEach((l, j) => (out[base + j] = l));
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[base + labelBytes + c * 1024 + y * 32 + x] = pixel(id, c, y, x);
  });
  return out;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const cifar10Label = (id: number) => [id % 10];
/** CIFAR-100: coarse label, fine label */
const cifar100Labels = (id: number) => [id % 20, id % 100];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'naslab-cifar-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 5 train batches of 20 records (ids 0–99) and a test batch of 30 (ids 1000–1029). */
async function writeCifar10(folder = dir): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (let b = 0; b < 5; b++) await writeFile(join(folder, `data_batch_${b + 1}.bin`), records(range(b * 20, 20), cifar10Label));
  await writeFile(join(folder, 'test_batch.bin'), records(range(1000, 30), cifar10Label));
}

describe('@naslab/dataset-cifar', () => {
  it('is a dataset plugin; path is required', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('dataset');
    expect(() => plugin.options!.parse({})).toThrow();
    expect(plugin.options!.parse({ path: 'x' })).toEqual({ path: 'x', variant: 'cifar10', labels: 'fine', officialSizes: true });
  });

  it('reads CIFAR-10 batches in order and converts CHW to HWC', async () => {
    await writeCifar10();
    const d = createCifar({ path: dir, officialSizes: false });
    expect(d.info).toMatchObject({ name: 'cifar10', classes: 10, shape: [32, 32, 3], mean: [...CIFAR10_MEAN] });
    expect(d.info.sizes).toEqual({ train: 100, test: 30, 'search-train': 50, 'search-valid': 50 });
    const train = await d.load('train');
    expect(train.count).toBe(100);
    expect(Array.from(train.labels)).toEqual(range(0, 100).map((id) => id % 10));
    for (const [n, id] of [[0, 0], [57, 57], [99, 99]] as const) {
      for (const [y, x] of [[0, 0], [5, 17], [31, 31]] as const) {
        for (let c = 0; c < 3; c++) expect(train.pixels[n * 3072 + (y * 32 + x) * 3 + c]).toBe(pixel(id, c, y, x));
      }
    }
    const test = await d.load('test');
    expect(test.count).toBe(30);
    expect(test.pixels[(2 * 32 + 3) * 3 + 1]).toBe(pixel(1000, 1, 2, 3));
  });

  it('search-train / search-valid are the first and second half of train (DARTS train_portion 0.5)', async () => {
    await writeCifar10();
    const d = createCifar({ path: dir, officialSizes: false });
    const [train, a, b] = await Promise.all([d.load('train'), d.load('search-train'), d.load('search-valid')]);
    expect(a.count).toBe(50);
    expect(b.count).toBe(50);
    expect(Array.from(a.pixels)).toEqual(Array.from(train.pixels.subarray(0, 50 * 3072)));
    expect(Array.from(b.labels)).toEqual(Array.from(train.labels.subarray(50)));
  });

  it('finds the files inside the archive folder cifar-10-batches-bin', async () => {
    await writeCifar10(join(dir, 'cifar-10-batches-bin'));
    expect(createCifar({ path: dir, officialSizes: false }).info.sizes.train).toBe(100);
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    await writeFile(join(dir, 'train.bin'), records(range(0, 250), cifar100Labels));
    await writeFile(join(dir, 'test.bin'), records(range(300, 40), cifar100Labels));
    const fine = createCifar({ path: dir, variant: 'cifar100', officialSizes: false });
    expect(fine.info.classes).toBe(100);
    expect(Array.from((await fine.load('train')).labels.subarray(0, 3))).toEqual([0, 1, 2]);
    expect((await fine.load('train')).labels[150]).toBe(50);
    const coarse = createCifar({ path: dir, variant: 'cifar100', labels: 'coarse', officialSizes: false });
    expect(coarse.info).toMatchObject({ name: 'cifar100-coarse', classes: 20 });
    expect((await coarse.load('train')).labels[150]).toBe(10);
    const test = await fine.load('test');
    expect(test.pixels[3072 + 5]).toBe(pixel(301, 2, 0, 1));
  });

  it('subsamples class-balanced prefixes with trainSize / testSize', async () => {
    await writeCifar10();
    const d = createCifar({ path: dir, officialSizes: false, trainSize: 40, testSize: 10 });
    expect(d.info.sizes).toEqual({ train: 40, test: 10, 'search-train': 20, 'search-valid': 20 });
    const train = await d.load('train');
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(4));
    expect(Array.from(balancedPrefix(new Uint8Array([0, 0, 1, 0, 1, 2]), 4, 2))).toEqual([0, 1, 2, 4]);
    expect(() => createCifar({ path: dir, officialSizes: false, trainSize: 101 })).toThrow(/trainSize 101 exceeds the 100 train images/);
  });

  it('a missing folder or file names the file and its expected size', async () => {
    expect(() => createCifar({ path: dir })).toThrow(
      `CIFAR-10 file not found: ${join(dir, 'data_batch_1.bin')} (nor in ${join(dir, 'cifar-10-batches-bin')}); expected 30,730,000 bytes (10,000 records of 3,073 bytes)`,
    );
    await writeCifar10();
    await rm(join(dir, 'data_batch_4.bin'));
    expect(() => createCifar({ path: dir, officialSizes: false })).toThrow(`CIFAR-10 file not found: ${join(dir, 'data_batch_4.bin')}`);
    expect(() => createCifar({ path: dir, variant: 'cifar100' })).toThrow(/CIFAR-100 file not found: .*train\.bin.*expected 153,700,000 bytes \(50,000 records of 3,074 bytes\)/);
  });

  it('its data identity is a digest of the bytes of every file it reads', async () => {
    await writeCifar10();
    expect(plugin.dataIdentity).toBeDefined();
    const original = await plugin.dataIdentity!(plugin.options!.parse({ path: dir, officialSizes: false }));
    expect(original).toMatch(/^[0-9a-f]{16}$/);
    // The same bytes found through the archive folder: the same identity.
    await writeCifar10(join(dir, 'copy', 'cifar-10-batches-bin'));
    expect(await cifarDataIdentity({ path: join(dir, 'copy'), officialSizes: false })).toBe(original);
    // One label changed in the last file: another identity.
    await writeFile(join(dir, 'test_batch.bin'), records(range(1000, 30), (id) => [id === 1029 ? 3 : id % 10]));
    expect(await cifarDataIdentity({ path: dir, officialSizes: false })).not.toBe(original);
    // A truncated file fails as it does when the dataset is created.
    await truncate(join(dir, 'data_batch_2.bin'), 100);
    await expect(async () => cifarDataIdentity({ path: dir, officialSizes: false })).rejects.toThrow(/data_batch_2\.bin has 100 bytes/);
  });

  it('a truncated file names the file, its size and the expected size', async () => {
    await writeCifar10();
    // official sizes required: the small fixture files are refused
    expect(() => createCifar({ path: dir })).toThrow(
      `CIFAR-10 file ${join(dir, 'data_batch_1.bin')} has 61,460 bytes, expected 30,730,000 bytes (10,000 records of 3,073 bytes); it is truncated or not the binary version.`,
    );
    await truncate(join(dir, 'test_batch.bin'), 30 * 3073 - 100);
    expect(() => createCifar({ path: dir, officialSizes: false })).toThrow(
      /test_batch\.bin has 92,090 bytes, expected 30,730,000 bytes .* or another whole number of records/,
    );
  });

  it('a label out of range names the file and record', async () => {
    await writeCifar10();
    await writeFile(join(dir, 'data_batch_2.bin'), records(range(20, 20), (id) => [id === 25 ? 10 : 0]));
    await expect(createCifar({ path: dir, officialSizes: false }).load('train')).rejects.toThrow(
      `CIFAR-10 file ${join(dir, 'data_batch_2.bin')}, record 5: fine label 10 is not below 10`,
    );
  });
});
