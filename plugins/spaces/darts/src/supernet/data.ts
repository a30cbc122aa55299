/**
 * The search data of DARTS (quark0/darts `cnn/train_search.py`): the two halves of the training
 * set (`search-train` for the weights, `search-valid` for α), normalised per channel, with the
 * reference's training transform (RandomCrop(padding 4) + RandomHorizontalFlip) on both queues —
 * applied by the `crop-flip` trick's hook, which the method hands in (`PixelAugment`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, ImageSet, Rng } from '@naslab/core';
import { imageSetHead, normalisationTable, normaliseWithTable, type PixelBatch } from '@naslab/engine';

export type SearchAugment = 'crop-flip' | 'none';

/** An `augmentPixels` hook: raw 0–255 batch in place (or a new array), drawing from `rng`. */
export type PixelAugment = (batch: PixelBatch, rng: Rng) => Uint8Array | void;

export interface SearchData {
  readonly train: ImageSet;
  readonly valid: ImageSet;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  /** byte value → normalised value, per channel (256·c entries). */
  readonly table: Float32Array;
}

/** First `n` images of a set (the engine's `imageSetHead`, under this package's older name). */
export const headOf = imageSetHead;

/**
 * pt.darts' split (antoyang/NAS-Benchmark `DARTS/search.py`: `random.shuffle(indices)`, first half
 * to train, second to valid): both search splits pooled, shuffled with `rng`, halved. The
 * reference's `random` is never seeded; here the shuffle is the job's seed's.
 */
export function shuffledSearchSplit(train: ImageSet, valid: ImageSet, rng: Rng): { train: ImageSet; valid: ImageSet } {
  const per = train.shape[0] * train.shape[1] * train.shape[2];
  const count = train.count + valid.count;
  const order = rng.permutation(count);
  const half = Math.floor(count / 2);
  const gather = (from: number, to: number): ImageSet => {
    const n = to - from;
    const pixels = new Uint8Array(n * per);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = order[from + i]!;
      const [set, j] = k < train.count ? [train, k] : [valid, k - train.count];
      pixels.set(set.pixels.subarray(j * per, (j + 1) * per), i * per);
      labels[i] = set.labels[j]!;
    }
    return { pixels, labels, count: n, shape: train.shape };
  };
  return { train: gather(0, half), valid: gather(half, count) };
}

export async function loadSearchData(
  dataset: Dataset,
  subsets: { trainSubset?: number; validSubset?: number } = {},
  /** pt.darts' shuffled half/half split of the pooled search splits (`shuffledSearchSplit`). */
  shuffleSplit?: Rng,
): Promise<SearchData> {
  const [loadedTrain, loadedValid] = await Promise.all([dataset.load('search-train'), dataset.load('search-valid')]);
  const { train, valid } = shuffleSplit ? shuffledSearchSplit(loadedTrain, loadedValid, shuffleSplit) : { train: loadedTrain, valid: loadedValid };
  const { info } = dataset;
  const table = normalisationTable(info.mean, info.std, train.shape[2]);
  return {
    train: headOf(train, subsets.trainSubset),
    valid: headOf(valid, subsets.validSubset),
    shape: train.shape,
    classes: info.classes,
    table,
  };
}

export interface Batch {
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
}

/** Gather images `indices`, augment them (the hook, when given), normalise. */
export function makeBatch(data: SearchData, set: ImageSet, indices: ArrayLike<number>, augment: PixelAugment | undefined, rng: Rng): Batch {
  const [h, w, c] = set.shape;
  const per = h * w * c;
  const n = indices.length;
  let pixels: Uint8Array = new Uint8Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    labels[i] = set.labels[k]!;
    pixels.set(set.pixels.subarray(k * per, (k + 1) * per), i * per);
  }
  if (augment) pixels = augment({ pixels, labels, count: n, shape: set.shape }, rng) ?? pixels;
  return { x: normaliseWithTable(pixels, data.table, c), labels, n };
}

export function batchTensors(data: SearchData, b: Batch): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [h, w, c] = data.shape;
  return { x: tf.tensor4d(b.x, [b.n, h, w, c]), y: tf.tensor1d(b.labels, 'int32') };
}

/** k distinct indices of 0..n-1 (partial Fisher–Yates): one `next(iter(valid_queue))` batch. */
export function randomSubset(rng: Rng, n: number, k: number): Int32Array {
  const m = Math.min(n, k);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p.subarray(0, m);
}
