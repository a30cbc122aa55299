/**
 * `@naslab/dataset-cifar`: CIFAR-10 / CIFAR-100 from the official binary files in a folder the
 * user names. Never downloads. Splits: `train` = the 50,000 training images in file order
 * (`data_batch_1` … `data_batch_5`), `test` = the 10,000 test images, `search-train` /
 * `search-valid` = first / second half of `train` as DARTS (`train_portion` 0.5).
 */
import { join } from 'node:path';
import { definePlugin, fileDigest, pathOption, z, type Dataset, type DatasetInfo, type DatasetSplit, type ImageSet } from '@naslab/core';
import {
  balancedPrefix,
  checkFiles,
  checkLabels,
  classCount,
  LAYOUTS,
  locateFolder,
  PIXEL_BYTES,
  readRecords,
  SIDE,
  CHANNELS,
  type DecodedSet,
} from './binary.js';

export { LAYOUTS, balancedPrefix, type CifarVariant, type CifarLabels } from './binary.js';

/** CIFAR-10 channel mean / std (0–1 scale) of the DARTS reference code (`utils.py`). */
export const CIFAR10_MEAN = [0.49139968, 0.48215827, 0.44653124] as const;
export const CIFAR10_STD = [0.24703233, 0.24348505, 0.26158768] as const;
/**
 * CIFAR-100 channel mean / std as in PC-DARTS `utils.py` (also in antoyang/NAS-Benchmark);
 * that repo's `Augmentation/preproc.py` reuses the CIFAR-10 values instead (see README).
 */
export const CIFAR100_MEAN = [0.5071, 0.4867, 0.4408] as const;
export const CIFAR100_STD = [0.2675, 0.2565, 0.2761] as const;

export const cifarOptions = z
  .object({
    /** Folder with the binary files (or the folder that holds `cifar-10-batches-bin` / `cifar-100-binary`). */
    path: pathOption('Folder of the binary files, relative to the manifest; $VAR / ${VAR} expand from the environment'),
    variant: z.enum(['cifar10', 'cifar100']).default('cifar10'),
    /** CIFAR-100 only: the 100 fine labels or the 20 coarse super-classes. */
    labels: z.enum(['fine', 'coarse']).default('fine'),
    /** Keep a class-balanced subset of N training images (file order); default all. */
    trainSize: z.number().int().min(2).optional(),
    /** Keep a class-balanced subset of N test images (file order); default all. */
    testSize: z.number().int().min(1).optional(),
    /**
     * Require the official file sizes (10,000 or 50,000 records). Off: any whole number of
     * records (hand-made subsets, test fixtures).
     */
    officialSizes: z.boolean().default(true),
  })
  .strict();
export type CifarOptions = z.output<typeof cifarOptions>;

function subset(set: DecodedSet, indices: Int32Array): DecodedSet {
  const pixels = new Uint8Array(indices.length * PIXEL_BYTES);
  const labels = new Uint8Array(indices.length);
  indices.forEach((i, n) => {
    pixels.set(set.pixels.subarray(i * PIXEL_BYTES, (i + 1) * PIXEL_BYTES), n * PIXEL_BYTES);
    labels[n] = set.labels[i]!;
  });
  return { pixels, labels };
}

function imageSet(set: DecodedSet, from = 0, to = set.labels.length): ImageSet {
  return {
    pixels: set.pixels.subarray(from * PIXEL_BYTES, to * PIXEL_BYTES),
    labels: set.labels.subarray(from, to),
    count: to - from,
    shape: [SIDE, SIDE, CHANNELS],
  };
}

/** The folder of the files `o` names, and each file's record count (a missing or truncated file fails). */
function checkedFiles(o: CifarOptions) {
  const layout = LAYOUTS[o.variant];
  const dir = locateFolder(o.path, layout);
  return {
    layout,
    dir,
    trainCounts: checkFiles(dir, layout, layout.train, o.officialSizes),
    testCounts: checkFiles(dir, layout, layout.test, o.officialSizes),
  };
}

/** Checks the files now (a missing or truncated file fails here); reads them on `load`. */
export function createCifar(input: z.input<typeof cifarOptions>): Dataset {
  const o = cifarOptions.parse(input);
  const { layout, dir, trainCounts, testCounts } = checkedFiles(o);
  const classes = classCount(o.variant, o.labels);
  const available = { train: trainCounts.reduce((a, b) => a + b, 0), test: testCounts.reduce((a, b) => a + b, 0) };
  for (const [split, size] of [['train', o.trainSize], ['test', o.testSize]] as const) {
    if (size !== undefined && size > available[split]) {
      throw new Error(`${layout.title}: ${split}Size ${size} exceeds the ${available[split]} ${split} images in ${dir}`);
    }
  }
  const trainSize = o.trainSize ?? available.train;
  const testSize = o.testSize ?? available.test;
  const half = Math.floor(0.5 * trainSize);
  const info: DatasetInfo = {
    name: o.variant === 'cifar100' && o.labels === 'coarse' ? 'cifar100-coarse' : o.variant,
    classes,
    shape: [SIDE, SIDE, CHANNELS],
    mean: o.variant === 'cifar10' ? [...CIFAR10_MEAN] : [...CIFAR100_MEAN],
    std: o.variant === 'cifar10' ? [...CIFAR10_STD] : [...CIFAR100_STD],
    sizes: { train: trainSize, test: testSize, 'search-train': half, 'search-valid': trainSize - half },
  };

  const cache = new Map<'train' | 'test', Promise<DecodedSet>>();
  const read = (part: 'train' | 'test'): Promise<DecodedSet> => {
    let pending = cache.get(part);
    if (!pending) {
      pending = (async () => {
        const files = part === 'train' ? layout.train : layout.test;
        const counts = part === 'train' ? trainCounts : testCounts;
        const all = await readRecords(dir, layout, files, counts, o.labels, classes);
        const wanted = part === 'train' ? trainSize : testSize;
        return wanted === all.labels.length ? all : subset(all, balancedPrefix(all.labels, wanted, classes));
      })();
      pending.catch(() => cache.delete(part));
      cache.set(part, pending);
    }
    return pending;
  };

  return {
    info,
    async load(split: DatasetSplit): Promise<ImageSet> {
      switch (split) {
        case 'train':
          return imageSet(await read('train'));
        case 'test':
          return imageSet(await read('test'));
        case 'search-train':
          return imageSet(await read('train'), 0, half);
        case 'search-valid':
          return imageSet(await read('train'), half, trainSize);
        default:
          throw new Error(`${layout.title}: unknown split '${String(split)}'`);
      }
    },
  };
}

/** Digest of the binary files the options read (missing or truncated files fail as in `createCifar`). */
export function cifarDataIdentity(input: z.input<typeof cifarOptions>): Promise<string> {
  const { layout, dir } = checkedFiles(cifarOptions.parse(input));
  return fileDigest([...layout.train, ...layout.test].map((f) => join(dir, f.name)));
}

export default definePlugin({
  kind: 'dataset',
  id: 'cifar',
  description: 'CIFAR-10 / CIFAR-100 from the official binary files in a local folder (never downloaded).',
  options: cifarOptions,
  dataIdentity: (options) => cifarDataIdentity(options),
  // Sizes and every label at validate: a corrupt file is an input error, not a failed training.
  checkData: (options) => {
    const { layout, dir } = checkedFiles(options);
    checkLabels(dir, layout, [...layout.train, ...layout.test]);
  },
  create: ({ options }) => createCifar(options),
});
