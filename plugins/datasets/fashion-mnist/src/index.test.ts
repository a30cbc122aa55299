import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginDefinition } from '@naslab/core';
import plugin, {
  createFashionMnist,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  loadClassImages,
  packageClothesDir,
  scanClassJson,
} from './index.js';
import { cacheFileName } from './source.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const image = (v: number) => `[${new Array(784).fill(v).join(',')}]`;

describe('scanClassJson', () => {
  it('reads images, skipping empty entries', () => {
    const { images, skippedEmpty } = scanClassJson(bytes(`{"data":[${image(7)},[],${image(255)}]}`), 'x.json');
    expect(images).toHaveLength(2);
    expect(skippedEmpty).toBe(1);
    expect(images[0]!.every((p) => p === 7)).toBe(true);
    expect(images[1]!.every((p) => p === 255)).toBe(true);
  });

  it('refuses wrong sizes, out-of-range values, fractions and truncation, naming file and image', () => {
    expect(() => scanClassJson(bytes(`{"data":[${image(1)},[1,2,3]]}`), 'c.json')).toThrow('c.json: image 1 has 3 pixels, expected 784');
    expect(() => scanClassJson(bytes(`{"data":[${image(256)}]}`), 'c.json')).toThrow('c.json: image 0: pixel value 256 > 255');
    expect(() => scanClassJson(bytes(`{"data":[[0.5]]}`), 'c.json')).toThrow(/expected integer pixels/);
    expect(() => scanClassJson(bytes(`{"data":[${image(1)}`), 'c.json')).toThrow(/unbalanced brackets/);
  });
});

describe('plugin definition', () => {
  it('validates options with documented defaults', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('dataset');
    expect(plugin.options!.parse({})).toEqual({ trainSize: 60000, testSize: 10000, padTo32: false });
    expect(() => plugin.options!.parse({ trainSize: 60001 })).toThrow();
    expect(() => plugin.options!.parse({ padto32: true })).toThrow();
  });

  it('info reflects sizes and padding without loading any data', () => {
    const d = createFashionMnist({ trainSize: 1000, testSize: 200, padTo32: true });
    expect(d.info.shape).toEqual([32, 32, 1]);
    expect(d.info.classes).toBe(10);
    expect(d.info.sizes).toEqual({ train: 1000, test: 200, 'search-train': 500, 'search-valid': 500 });
  });
});

// The real package data: scanned once into a temporary cache (≈ 2 s), then read back from it.
describe('the embedded data', { timeout: 60_000 }, () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'naslab-fmnist-test-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('loads 60,000 / 10,000 images whose pixels equal the package JSON, and writes the cache', async () => {
    const d = createFashionMnist({ cacheDir });
    const train = await d.load('train');
    const test = await d.load('test');
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.pixels.length).toBe(60000 * 784);
    const cache = await stat(join(cacheDir, cacheFileName()));
    expect(cache.size).toBe(16 + 70000 * 784);

    // the first test image of class 3 is image 6000 of 3.json
    const json = JSON.parse(await readFile(join(packageClothesDir(), '3.json'), 'utf8')) as { data: number[][] };
    const n = Array.from(test.labels).indexOf(3);
    expect(Array.from(test.pixels.subarray(n * 784, (n + 1) * 784))).toEqual(json.data[6000]);
    const m = Array.from(train.labels).indexOf(3);
    expect(Array.from(train.pixels.subarray(m * 784, (m + 1) * 784))).toEqual(json.data[0]);
  });

  it('the documented mean and std are those of the train split', async () => {
    const train = await createFashionMnist({ cacheDir }).load('train');
    let sum = 0;
    let sumSq = 0;
    const px = train.pixels;
    for (let i = 0; i < px.length; i++) {
      sum += px[i]!;
      sumSq += px[i]! * px[i]!;
    }
    const n = train.pixels.length;
    const mean = sum / n / 255;
    const std = Math.sqrt(sumSq / n / 255 / 255 - mean * mean);
    expect(mean).toBeCloseTo(FASHION_MNIST_MEAN, 8);
    expect(std).toBeCloseTo(FASHION_MNIST_STD, 8);
  });

  it('a later load reads the binary cache, not the JSON', async () => {
    const other = await mkdtemp(join(tmpdir(), 'naslab-fmnist-test-'));
    try {
      await copyFile(join(cacheDir, cacheFileName()), join(other, cacheFileName()));
      // a clothes folder that does not exist: only the cache can serve this
      const images = await loadClassImages(other, join(other, 'no-such-folder'));
      expect(images.pixels.length).toBe(70000 * 784);
      await expect(loadClassImages(join(other, 'empty'), join(other, 'no-such-folder'))).rejects.toThrow(/no-such-folder/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('subsamples, halves and pads', async () => {
    const d = createFashionMnist({ cacheDir, trainSize: 100, testSize: 30, padTo32: true });
    const [train, searchTrain, searchValid, test] = await Promise.all(
      (['train', 'search-train', 'search-valid', 'test'] as const).map((s) => d.load(s)),
    );
    expect(train.count).toBe(100);
    expect(test.count).toBe(30);
    expect(searchTrain.count + searchValid.count).toBe(100);
    expect(Array.from(searchTrain.labels)).toEqual(Array.from(train.labels.subarray(0, 50)));
    expect(Array.from(searchValid.labels)).toEqual(Array.from(train.labels.subarray(50)));
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(10));
    expect(train.shape).toEqual([32, 32, 1]);
    // the padding is zero and the image sits 2 px in
    const unpadded = await createFashionMnist({ cacheDir, trainSize: 100 }).load('train');
    const img = train.pixels.subarray(0, 1024);
    for (let x = 0; x < 32; x++) expect(img[x]).toBe(0);
    for (let y = 0; y < 28; y++) {
      expect(Array.from(img.subarray((y + 2) * 32 + 2, (y + 2) * 32 + 30))).toEqual(Array.from(unpadded.pixels.subarray(y * 28, y * 28 + 28)));
    }
  });
});
