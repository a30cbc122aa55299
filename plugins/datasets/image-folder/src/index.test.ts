import { mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginDefinition, Rng } from '@naslab/core';
import plugin, {
  createImageFolder,
  evalTransform,
  imageFolderDataIdentity,
  imageFolderOptions,
  parseSplitList,
  readVariantLists,
  searchHalves,
  trainTransform,
  VARIANTS,
  type ImageFolderDataset,
  type RgbImage,
} from './index.js';

/** The paper's split lists (antoyang/NAS-Benchmark data/*.csv), beside the repository. */
const SPLITS = fileURLToPath(new URL('../../../../../shared/seed-data/nas-benchmark/splits/', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'naslab-image-folder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pattern(width: number, height: number, seed: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = (x * 7 + y * 3 + c * 60 + seed * 29) % 256;
  return out;
}

type Format = 'png' | 'jpeg' | 'webp';
async function writeImage(file: string, width: number, height: number, seed: number, format: Format): Promise<void> {
  const s = sharp(pattern(width, height, seed), { raw: { width, height, channels: 3 } });
  const buf = format === 'png' ? await s.png().toBuffer() : format === 'webp' ? await s.webp({ lossless: true }).toBuffer() : await s.jpeg({ quality: 90 }).toBuffer();
  await writeFile(file, buf);
}

/** Decoded as the dataset decodes (sharp, RGB). */
async function decoded(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const FORMATS: Format[] = ['png', 'jpeg', 'webp'];
const SIZES: Array<[number, number]> = [
  [64, 48],
  [40, 70],
  [100, 100],
  [33, 57],
];

/** A folder dataset: 3 classes, 8 train + 3 test images each, in three formats and four sizes. */
async function writeFolder(root: string): Promise<void> {
  let k = 0;
  for (const split of ['train', 'test'] as const) {
    for (const cls of ['cat', 'dog', 'eel']) {
      await mkdir(join(root, split, cls), { recursive: true });
      for (let i = 0; i < (split === 'train' ? 8 : 3); i++, k++) {
        const format = FORMATS[k % 3]!;
        const [w, h] = SIZES[k % 4]!;
        await writeImage(join(root, split, cls, `${cls}${i}.${format === 'jpeg' ? 'jpg' : format}`), w, h, k, format);
      }
    }
  }
}

describe('@naslab/dataset-image-folder: options and lists', () => {
  it('is a dataset plugin; a paper variant needs its splits folder', () => {
    expect(isPluginDefinition(plugin)).toBe(true);
    expect(plugin.kind).toBe('dataset');
    expect(plugin.id).toBe('image-folder');
    const o = imageFolderOptions.parse({ path: 'x' });
    expect(o).toMatchObject({ variant: 'folder', size: 224, resize: 256, flip: true, colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.2 } });
    expect(() => imageFolderOptions.parse({ path: 'x', variant: 'mit67' })).toThrow(/variant 'mit67' reads the paper's split lists: set 'splits'/);
    expect(() => imageFolderOptions.parse({ path: 'x', variant: 'sport8', splits: 's', resize: 200 })).toThrow(/resize 200 is smaller than the crop size 224/);
  });

  it("parses the reference lists: class column after the optional index, then file names", () => {
    const rows = parseSplitList(',Unnamed: 0,0,1,2\n0,mall,a.jpg,b b.jpg,\n1,bar,c.jpg,,\n', 'X_train1.csv');
    expect(rows).toEqual([
      { className: 'mall', files: ['a.jpg', 'b b.jpg'], line: 2 },
      { className: 'bar', files: ['c.jpg'], line: 3 },
    ]);
    expect(parseSplitList(',0,1\ncroquet,x.jpg,y.jpg\n', 'S_test.csv')).toEqual([{ className: 'croquet', files: ['x.jpg', 'y.jpg'], line: 2 }]);
    expect(() => parseSplitList('a,b\n', 'bad.csv')).toThrow("bad.csv:1: the header has no file column '0'");
    expect(() => parseSplitList(',0\n,x.jpg\n', 'bad.csv')).toThrow('bad.csv:2: the class cell (column 1) is empty');
  });

  it('the paper lists hold the counts of the paper (Sport8 1,261 + 318, MIT67 12,466 + 3,153, Flowers102 6,507 + 1,682)', async () => {
    // Lists only: a folder of empty placeholder files named as the lists name them.
    for (const variant of ['sport8', 'mit67', 'flowers102'] as const) {
      const root = join(dir, `lists-${variant}`);
      await placeholders(root, variant);
      const lists = readVariantLists(root, SPLITS, variant);
      expect(lists.classes).toHaveLength(VARIANTS[variant].classes);
      expect(lists.train).toHaveLength(VARIANTS[variant].trainImages);
      expect(lists.test).toHaveLength(VARIANTS[variant].testImages);
      expect([...lists.classes]).toEqual([...lists.classes].sort());
    }
  });

  it('Sport8 against its folder: a missing listed file, a file under another class, an unknown class folder and an unlisted image are errors naming list, line and file', async () => {
    const root = join(dir, 'lists-sport8');
    // Sport8_test.csv line 2 is croquet; its first file:
    const line2 = readFileSync(join(SPLITS, 'Sport8_test.csv'), 'utf8').split('\n')[1]!.split(',');
    const [cls, file] = [line2[0]!, line2[1]!];
    expect(cls).toBe('croquet');
    const at = join(root, 'test', cls, file);
    await rename(at, join(root, 'test', 'polo', file));
    expect(() => readVariantLists(root, SPLITS, 'sport8')).toThrow(
      `Sport8_test.csv:2: croquet/${file} is listed but ${at} does not exist (a file of that name is in test/polo/${file})`,
    );
    await rm(join(root, 'test', 'polo', file));
    expect(() => readVariantLists(root, SPLITS, 'sport8')).toThrow(`Sport8_test.csv:2: croquet/${file} is listed but ${at} does not exist`);
    await writeFile(at, '');
    await mkdir(join(root, 'train', 'curling'));
    expect(() => readVariantLists(root, SPLITS, 'sport8')).toThrow(`${join(root, 'train', 'curling')}: class folder 'curling' is not named by the Sport8 lists (Sport8_train.csv)`);
    await rm(join(root, 'train', 'curling'), { recursive: true });
    await writeFile(join(root, 'train', 'croquet', 'extra.jpg'), '');
    expect(() => readVariantLists(root, SPLITS, 'sport8')).toThrow(`${join(root, 'train', 'croquet', 'extra.jpg')} is in the folder but in none of the Sport8 train lists`);
    await rm(join(root, 'train', 'croquet', 'extra.jpg'));
    expect(readVariantLists(root, SPLITS, 'sport8').test).toHaveLength(318);
    expect(() => readVariantLists(root, join(dir, 'nowhere'), 'sport8')).toThrow(/Sport8 split list not found: .*Sport8_train\.csv/);
  });

  it('search halves are a fixed, disjoint split of the training images', () => {
    const { searchTrain, searchValid } = searchHalves(1261, 0);
    expect(searchTrain.length).toBe(630);
    expect(searchValid.length).toBe(631);
    expect(new Set([...searchTrain, ...searchValid]).size).toBe(1261);
    expect(Array.from(searchHalves(1261, 0).searchTrain)).toEqual(Array.from(searchTrain));
    expect(Array.from(searchHalves(1261, 1).searchTrain)).not.toEqual(Array.from(searchTrain));
  });
});

/** Empty files at every path a variant's lists name. */
async function placeholders(root: string, variant: 'sport8' | 'mit67' | 'flowers102'): Promise<void> {
  const layout = VARIANTS[variant];
  for (const [split, lists] of [
    ['train', layout.trainLists],
    ['test', layout.testLists],
  ] as const) {
    for (const list of lists) {
      for (const row of parseSplitList(readFileSync(join(SPLITS, list), 'utf8'), list)) {
        mkdirSync(join(root, split, row.className), { recursive: true });
        for (const f of row.files) writeFileSync(join(root, split, row.className, f), '');
      }
    }
  }
  expect(readdirSync(join(root, 'train')).length).toBe(layout.classes);
}

describe('@naslab/dataset-image-folder: decoding, cache and batches', () => {
  let root: string;
  let cache: string;
  const open: ImageFolderDataset[] = [];
  const make = (o: Record<string, unknown> = {}) => {
    const d = createImageFolder({ path: root, cache, workers: 0, ...o });
    open.push(d);
    return d;
  };
  beforeAll(async () => {
    root = join(dir, 'folder');
    cache = join(dir, 'cache');
    await writeFolder(root);
  });
  afterAll(async () => {
    for (const d of open) await d.close();
  });

  it('reads class folders as ImageFolder does: sorted classes, 224×224×3, ImageNet statistics', () => {
    const d = make();
    expect(d.classes).toEqual(['cat', 'dog', 'eel']);
    expect(d.info).toMatchObject({ name: 'image-folder', classes: 3, shape: [224, 224, 3], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect(d.info.sizes).toEqual({ train: 24, test: 9, 'search-train': 12, 'search-valid': 12 });
  });

  it('decodes once into the cache; eval batches are Resize(256) + CenterCrop(224) of the decoded images, in file order', async () => {
    const d = make();
    const built = await d.prepare();
    expect(readdirSync(cache)).toEqual([built.split('/').pop()]);
    const index = JSON.parse(await readFile(join(built, 'index.json'), 'utf8'));
    expect(index.entries).toHaveLength(33);
    expect(index.entries[1]).toMatchObject({ width: 40, height: 70 });
    const batches = [];
    for await (const b of d.batches!('test', { batchSize: 4, mode: 'eval' })) batches.push(b);
    expect(batches.map((b) => b.count)).toEqual([4, 4, 1]);
    expect(Array.from(batches.flatMap((b) => Array.from(b.labels)))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // test/dog/dog1 is the 5th test image (the 29th written): compare with the transform of its decode.
    const file = join(root, 'test', 'dog', readdirSync(join(root, 'test', 'dog')).sort()[1]!);
    const expected = evalTransform(await decoded(file));
    const per = 224 * 224 * 3;
    expect(Buffer.from(batches[1]!.pixels.subarray(0, per)).equals(Buffer.from(expected.data))).toBe(true);
    // A second dataset on the same files finds the cache instead of decoding again.
    expect(await make().prepare()).toBe(built);
    // load() is the same images in memory.
    const all = await d.load('test');
    expect(all.count).toBe(9);
    expect(Buffer.from(all.pixels.subarray(4 * per, 5 * per)).equals(Buffer.from(expected.data))).toBe(true);
  });

  it('train batches: shuffled by the stream, each image augmented from its batch stream, bit-identical per seed, same on worker threads', async () => {
    const d = make();
    const pass = async (dataset: ImageFolderDataset, seed: string) => {
      const out: Buffer[] = [];
      const labels: number[] = [];
      for await (const b of dataset.batches!('train', { batchSize: 5, mode: 'train', rng: new Rng(seed) })) {
        out.push(Buffer.from(b.pixels));
        labels.push(...b.labels);
      }
      return { pixels: Buffer.concat(out), labels };
    };
    const a = await pass(d, 'epoch-0');
    const b = await pass(d, 'epoch-0');
    const c = await pass(d, 'epoch-1');
    expect(a.pixels.length).toBe(24 * 224 * 224 * 3);
    expect(a.pixels.equals(b.pixels)).toBe(true);
    expect(a.pixels.equals(c.pixels)).toBe(false);
    expect([...a.labels].sort()).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
    // The first image: position order[0] of the permutation, transformed with stream 'batch-0'.
    const rng = new Rng('epoch-0');
    const order = rng.permutation(24);
    const files = ['cat', 'dog', 'eel'].flatMap((c) => readdirSync(join(root, 'train', c)).sort().map((f) => join(root, 'train', c, f)));
    const first = trainTransform(await decoded(files[order[0]!]!), rng.split('batch-0'));
    expect(a.pixels.subarray(0, 224 * 224 * 3).equals(Buffer.from(first.data))).toBe(true);
    // Worker threads produce the same bytes.
    const threaded = make({ workers: 2, prefetch: 3 });
    expect((await pass(threaded, 'epoch-0')).pixels.equals(a.pixels)).toBe(true);
  });

  it('search-train / search-valid stream the two halves', async () => {
    const d = make();
    let n = 0;
    for await (const b of d.batches!('search-valid', { batchSize: 8, mode: 'eval' })) n += b.count;
    expect(n).toBe(12);
  });

  it('its data identity follows the bytes of the images', async () => {
    const o = imageFolderOptions.parse({ path: root, cache });
    const first = await imageFolderDataIdentity(o);
    expect(first).toMatch(/^folder:3:[0-9a-f]{16}$/);
    expect(await imageFolderDataIdentity(o)).toBe(first);
    const f = join(root, 'train', 'cat', 'cat0.png');
    const saved = await readFile(f);
    await writeImage(f, 64, 48, 99, 'png');
    expect(await imageFolderDataIdentity(o)).not.toBe(first);
    await writeFile(f, saved);
  });
});

describe('@naslab/dataset-image-folder: bad images', () => {
  let n = 0;
  /** A two-class folder with one extra image written by `bad` as train/b/bad.<ext>. */
  async function folderWith(ext: string, bad: (file: string) => Promise<void>): Promise<string> {
    const root = join(dir, `bad-${n++}`);
    for (const cls of ['a', 'b']) {
      for (const split of ['train', 'test']) {
        await mkdir(join(root, split, cls), { recursive: true });
        await writeImage(join(root, split, cls, 'ok.png'), 32, 32, 1, 'png');
      }
    }
    await bad(join(root, 'train', 'b', `bad.${ext}`));
    return root;
  }
  const identity = (root: string, o: Record<string, unknown> = {}) => imageFolderDataIdentity(imageFolderOptions.parse({ path: root, ...o }));
  const build = (root: string, o: Record<string, unknown> = {}) => createImageFolder({ path: root, cache: join(root, '.cache'), workers: 0, ...o }).prepare();

  it('a truncated JPEG passes the header check but fails the decode, naming the file', async () => {
    const root = await folderWith('jpg', async (f) => {
      await writeImage(f, 64, 64, 3, 'jpeg');
      await truncate(f, 400);
    });
    await expect(identity(root)).resolves.toMatch(/^folder:2:/);
    const file = join(root, 'train', 'b', 'bad.jpg');
    await expect(build(root)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(.*train/b\\): cannot decode: .*\\(truncated or corrupt\\?\\)`));
    // Nothing half-built is left as a cache.
    expect(readdirSync(join(root, '.cache'))).toEqual([]);
  });

  it('a corrupt file is refused at validate', async () => {
    const root = await folderWith('jpg', (f) => writeFile(f, Buffer.from('this is not a jpeg at all, only text')));
    await expect(identity(root)).rejects.toThrow(/bad\.jpg \(.*\): not a readable image: .*unsupported image format/);
  });

  it('a 1×1 image is refused at validate (minSide)', async () => {
    const root = await folderWith('png', (f) => writeImage(f, 1, 1, 0, 'png'));
    await expect(identity(root)).rejects.toThrow(/bad\.png \(.*\): 1×1 px, below the minimum side of 16 px \(option minSide\)/);
  });

  it('a grayscale image is read as RGB like PIL convert("RGB"), or refused with grayscale: error', async () => {
    const root = await folderWith('png', async (f) => {
      await writeFile(f, await sharp(Buffer.alloc(32 * 32, 77), { raw: { width: 32, height: 32, channels: 1 } }).toColourspace('b-w').png().toBuffer());
    });
    await expect(identity(root, { grayscale: 'error' })).rejects.toThrow(/bad\.png \(.*\): a grayscale image/);
    const d = createImageFolder({ path: root, cache: join(root, '.cache'), workers: 0 });
    const all = await d.load('train');
    // train/b/bad.png is the second image of class b (sorted: bad.png, ok.png → first).
    const per = 224 * 224 * 3;
    expect(new Set(all.pixels.subarray(1 * per, 2 * per))).toEqual(new Set([77]));
  });

  it('a CMYK image is refused at validate', async () => {
    const root = await folderWith('jpg', async (f) => {
      await writeFile(f, await sharp(pattern(32, 32, 5), { raw: { width: 32, height: 32, channels: 3 } }).toColourspace('cmyk').jpeg().toBuffer());
    });
    await expect(identity(root)).rejects.toThrow(/bad\.jpg \(.*\): a CMYK image; convert it to RGB first/);
  });

  it('an unsupported image format in a class folder is refused, not skipped', async () => {
    const root = await folderWith('bmp', (f) => writeFile(f, Buffer.alloc(10)));
    expect(() => createImageFolder({ path: root })).toThrow(/bad\.bmp: unsupported image format/);
  });
});
