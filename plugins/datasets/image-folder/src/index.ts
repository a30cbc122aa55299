/**
 * `@naslab/dataset-image-folder`: a `root/<split>/<class>/<image>` folder of JPEG, PNG, WebP or
 * TIFF images at 224 px, and the paper's Sport8, MIT67 and Flowers102 with its split lists.
 * Images are decoded once (libvips, through `sharp`) into a disk cache, then streamed in batches
 * with the reference preprocessing (train: RandomResizedCrop(224), flip, ColorJitter(0.4, 0.4,
 * 0.4, 0.2); test: Resize(256), CenterCrop(224)) by worker threads that run ahead of training.
 */
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  definePlugin,
  fileDigest,
  pathOption,
  Rng,
  z,
  type BatchOptions,
  type Dataset,
  type DatasetInfo,
  type DatasetSplit,
  type ImageBatch,
  type ImageSet,
} from '@naslab/core';
import { checkHeader, ensureCache, type DecodeOptions } from './decoded-cache.js';
import { BatchWorkers, InlineBatches, streamBatches, type BatchRunner, type TransformOptions } from './pipeline.js';
import { readFolderLists, readVariantLists, VARIANTS, type ImageLists, type ListedImage } from './splits.js';
import { PAPER_JITTER } from './transforms.js';

export * from './transforms.js';
export { VARIANTS, parseSplitList, readVariantLists, readFolderLists, ImageListError, type ImageLists, type ListedImage, type Variant } from './splits.js';
export { CacheReader, ensureCache, decodeImage, checkHeader, ImageDecodeError, type DecodeOptions } from './decoded-cache.js';
export { produceBatch, streamBatches, BatchWorkers, InlineBatches, type BatchJob, type TransformOptions } from './pipeline.js';

/** ImageNet channel statistics, as the reference normalises the 224-px datasets. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export const imageFolderOptions = z
  .object({
    /** Dataset folder: `train/<class>/<image>` and `test/<class>/<image>`. */
    path: pathOption('Dataset folder (train/<class>/…, test/<class>/…), relative to the manifest; $VAR / ${VAR} expand from the environment'),
    /** `folder`: every image of the class folders; a paper dataset: the images of its split lists. */
    variant: z.enum(['folder', 'sport8', 'mit67', 'flowers102']).default('folder'),
    /** Folder of the paper's split CSVs (e.g. `Sport8_train.csv`, `Sport8_test.csv`); required by a paper variant. */
    splits: pathOption('Folder of the split CSVs, relative to the manifest').optional(),
    /** Decoded-image cache folder (default `~/.cache/naslab/image-folder`). */
    cache: pathOption('Decoded-image cache folder, relative to the manifest').optional(),
    /** Side of the square network input. */
    size: z.number().int().min(8).max(4096, 'at most 4096 px').default(224),
    /** Shorter side of the test images before the centre crop (`Resize(256)`). */
    resize: z.number().int().min(8).max(8192, 'at most 8192 px').default(256),
    /** Random horizontal flip of training images. */
    flip: z.boolean().default(true),
    /** `ColorJitter` of training images; 0 switches an adjustment off. */
    colorJitter: z
      .object({
        brightness: z.number().min(0).default(PAPER_JITTER.brightness),
        contrast: z.number().min(0).default(PAPER_JITTER.contrast),
        saturation: z.number().min(0).default(PAPER_JITTER.saturation),
        hue: z.number().min(0).max(0.5).default(PAPER_JITTER.hue),
      })
      .strict()
      .default({ ...PAPER_JITTER }),
    /** Images whose shorter side is below this are refused. */
    minSide: z.number().int().min(1).default(16),
    /** A grey image: `replicate` (RGB as PIL's `convert('RGB')`) or `error`. */
    grayscale: z.enum(['replicate', 'error']).default('replicate'),
    /** Worker threads that decode and augment batches ahead of training; 0: inline. */
    workers: z.number().int().min(0).max(64).default(2),
    /** Batches in flight ahead of the trainer. */
    prefetch: z.number().int().min(1).max(64).default(4),
    /** Seed of the fixed shuffle that halves the training images into search-train / search-valid. */
    searchSplitSeed: z.number().int().min(0).default(0),
    /** At `validate`: read every image's header (format, colour space, size), not only the lists. */
    checkImages: z.boolean().default(true),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.variant !== 'folder' && !o.splits) ctx.addIssue({ code: 'custom', path: ['splits'], message: `variant '${o.variant}' reads the paper's split lists: set 'splits' to their folder` });
    if (o.resize < o.size) ctx.addIssue({ code: 'custom', path: ['resize'], message: `resize ${o.resize} is smaller than the crop size ${o.size}` });
  });
export type ImageFolderOptions = z.output<typeof imageFolderOptions>;

export function defaultCacheFolder(): string {
  return join(homedir(), '.cache', 'naslab', 'image-folder');
}

/** The lists of the dataset (the split CSVs of a paper variant, or the class folders). */
export function readLists(o: Pick<ImageFolderOptions, 'path' | 'variant' | 'splits'>): ImageLists {
  return o.variant === 'folder' ? readFolderLists(o.path) : readVariantLists(o.path, o.splits!, o.variant);
}

/** The fixed halving of the training images for weight-sharing searches (DARTS `train_portion` 0.5). */
export function searchHalves(trainCount: number, seed: number): { searchTrain: Int32Array; searchValid: Int32Array } {
  const order = new Rng(`image-folder/search-split/${seed}`).permutation(trainCount);
  const half = Math.floor(trainCount / 2);
  return { searchTrain: order.slice(0, half).sort(), searchValid: order.slice(half).sort() };
}

function decodeOptions(o: ImageFolderOptions): DecodeOptions {
  return { minSide: o.minSide, grayscale: o.grayscale };
}

/** Runs `fn` on every item, `concurrency` at a time; the first error wins. */
async function forEachLimited<T>(items: readonly T[], concurrency: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * The data identity (run at `validate` and `plan`): the lists are read and checked against the
 * folder, every image's header is checked (`checkImages`), and the digest covers the bytes of
 * the lists and of every image.
 */
export async function imageFolderDataIdentity(options: ImageFolderOptions): Promise<string> {
  const lists = readLists(options);
  const images = [...lists.train, ...lists.test];
  if (options.checkImages) await forEachLimited(images, 8, (img) => checkHeader(join(options.path, img.file), img, decodeOptions(options)));
  const digest = await fileDigest([...lists.listFiles, ...images.map((i) => join(options.path, i.file))]);
  return `${options.variant}:${lists.classes.length}:${digest}`;
}

export interface ImageFolderDataset extends Dataset {
  readonly classes: readonly string[];
  /** Builds the decoded-image cache if needed; the first `batches` or `load` does it too. */
  prepare(): Promise<string>;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

export function createImageFolder(input: Partial<ImageFolderOptions> & { path: string }): ImageFolderDataset {
  const o = imageFolderOptions.parse(input);
  const root = realpathSync(resolve(o.path));
  const lists = readLists({ ...o, path: root });
  const images: ListedImage[] = [...lists.train, ...lists.test];
  const nTrain = lists.train.length;
  const { searchTrain, searchValid } = searchHalves(nTrain, o.searchSplitSeed);
  const positions: Record<DatasetSplit, number[]> = {
    train: lists.train.map((_, i) => i),
    test: lists.test.map((_, i) => nTrain + i),
    'search-train': Array.from(searchTrain),
    'search-valid': Array.from(searchValid),
  };
  const labelsOf = (split: DatasetSplit) => positions[split].map((p) => images[p]!.label);
  const transform: TransformOptions = { size: o.size, resize: o.resize, flip: o.flip, jitter: o.colorJitter };
  const info: DatasetInfo = {
    name: o.variant === 'folder' ? 'image-folder' : o.variant,
    classes: lists.classes.length,
    shape: [o.size, o.size, 3],
    mean: [...IMAGENET_MEAN],
    std: [...IMAGENET_STD],
    sizes: { train: nTrain, test: lists.test.length, 'search-train': searchTrain.length, 'search-valid': searchValid.length },
  };
  let cacheDir: Promise<string> | undefined;
  const prepare = () => {
    cacheDir ??= ensureCache(root, images, o.cache ? resolve(o.cache) : defaultCacheFolder(), decodeOptions(o));
    cacheDir.catch(() => {
      cacheDir = undefined;
    });
    return cacheDir;
  };
  let runner: BatchRunner | undefined;
  const getRunner = () => (runner ??= o.workers > 0 ? new BatchWorkers(o.workers) : new InlineBatches());

  async function* batches(split: DatasetSplit, b: BatchOptions): AsyncGenerator<ImageBatch> {
    const dir = await prepare();
    yield* streamBatches(getRunner(), {
      cacheDir: dir,
      indices: positions[split],
      labels: labelsOf(split),
      batchSize: b.batchSize,
      mode: b.mode,
      rng: b.rng,
      transform,
      prefetch: o.prefetch,
      signal: b.signal,
    });
  }

  return {
    info,
    classes: lists.classes,
    prepare,
    batches,
    /** Every image of the split with the evaluation preprocessing, in memory (prefer `batches`). */
    async load(split: DatasetSplit): Promise<ImageSet> {
      const per = o.size * o.size * 3;
      const count = positions[split].length;
      const pixels = new Uint8Array(count * per);
      const labels = new Int32Array(count);
      let n = 0;
      for await (const batch of batches(split, { batchSize: 64, mode: 'eval' })) {
        pixels.set(batch.pixels, n * per);
        labels.set(batch.labels, n);
        n += batch.count;
      }
      return { pixels, labels, count, shape: [o.size, o.size, 3] };
    },
    async close() {
      await runner?.close();
      runner = undefined;
    },
  };
}

export { VARIANTS as IMAGE_FOLDER_VARIANTS };

export default definePlugin({
  kind: 'dataset',
  id: 'image-folder',
  description: "Folders of JPEG/PNG/WebP images at 224 px (Sport8, MIT67, Flowers102 with the paper's split lists), decoded once into a disk cache and streamed.",
  options: imageFolderOptions,
  dataIdentity: (options) => imageFolderDataIdentity(options),
  create: ({ options }) => createImageFolder(options),
});
