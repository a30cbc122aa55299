/** Slices of a loaded `ImageSet` that every trainer and weight-sharing search takes. */
import type { ImageSet } from '@naslab/core';

/** The first `n` images of a set (dataset splits are class-balanced prefixes); the set itself when `n` is unset or not smaller. */
export function imageSetHead(set: ImageSet, n: number | undefined): ImageSet {
  if (n === undefined || n >= set.count) return set;
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return { pixels: set.pixels.subarray(0, n * per), labels: set.labels.subarray(0, n), count: n, shape: set.shape };
}

/** The images at `indices`, copied in that order: the pixels and labels of one batch. */
export function gatherImages(set: ImageSet, indices: ArrayLike<number>): { pixels: Uint8Array; labels: Int32Array } {
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  const pixels = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    pixels.set(set.pixels.subarray(k * per, (k + 1) * per), i * per);
    labels[i] = set.labels[k]!;
  }
  return { pixels, labels };
}
