/**
 * The search data of DARTS (quark0/darts `cnn/train_search.py`): the two halves of the training
 * set (`search-train` for the weights, `search-valid` for α), normalised per channel, with the
 * reference's training transform (RandomCrop(padding 4) + RandomHorizontalFlip) on both queues.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, ImageSet, Rng } from '@naslab/core';

export type SearchAugment = 'crop-flip' | 'none';

export interface SearchData {
  readonly train: ImageSet;
  readonly valid: ImageSet;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  /** byte value → normalised value, per channel (256·c entries). */
  readonly table: Float32Array;
}

/** First `n` images of a set (dataset splits are class-balanced prefixes). */
export function headOf(set: ImageSet, n: number | undefined): ImageSet {
  if (n === undefined || n >= set.count) return set;
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return { pixels: set.pixels.subarray(0, n * per), labels: set.labels.subarray(0, n), count: n, shape: set.shape };
}

export async function loadSearchData(
  dataset: Dataset,
  subsets: { trainSubset?: number; validSubset?: number } = {},
): Promise<SearchData> {
  const [train, valid] = await Promise.all([dataset.load('search-train'), dataset.load('search-valid')]);
  const { info } = dataset;
  const c = train.shape[2];
  const table = new Float32Array(256 * c);
  for (let ch = 0; ch < c; ch++) {
    const m = info.mean[ch] ?? info.mean[0] ?? 0;
    const s = info.std[ch] ?? info.std[0] ?? 1;
    for (let v = 0; v < 256; v++) table[ch * 256 + v] = (Math.fround(v / 255) - m) / s;
  }
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

/**
 * Gather images `indices`, augment (pad 4 with zero pixels, random crop back, flip with p 0.5,
 * as torchvision's RandomCrop/RandomHorizontalFlip on the PIL image), normalise.
 */
export function makeBatch(data: SearchData, set: ImageSet, indices: ArrayLike<number>, augment: SearchAugment, rng: Rng): Batch {
  const [h, w, c] = set.shape;
  const per = h * w * c;
  const n = indices.length;
  const x = new Float32Array(n * per);
  const labels = new Int32Array(n);
  const pad = 4;
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    labels[i] = set.labels[k]!;
    const src = set.pixels.subarray(k * per, (k + 1) * per);
    const out = i * per;
    if (augment === 'none') {
      for (let j = 0; j < per; j++) x[out + j] = data.table[(j % c) * 256 + src[j]!]!;
      continue;
    }
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const flip = rng.uniform() < 0.5;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let xx = 0; xx < w; xx++) {
        // crop, then flip the crop: output column xx reads crop column w−1−xx
        const sx = (flip ? w - 1 - xx : xx) + dx;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (let ch = 0; ch < c; ch++) {
          const v = inside ? src[(sy * w + sx) * c + ch]! : 0;
          x[out + (y * w + xx) * c + ch] = data.table[ch * 256 + v]!;
        }
      }
    }
  }
  return { x, labels, n };
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
