/**
 * Cutout (DeVries & Taylor, 2017) as the DARTS evaluation pipeline applies it
 * (quark0/darts cnn/utils.py `Cutout`, also antoyang/NAS-Benchmark Augmentation/preproc.py):
 * after normalisation, per image, a hole centre (y, x) uniform over every pixel, the square
 * [y − ⌊L/2⌋, y + ⌊L/2⌋) × [x − ⌊L/2⌋, x + ⌊L/2⌋) clipped at the borders, set to 0 in every channel.
 */
import type { Rng } from '@naslab/core';

export interface CutoutOptions {
  /** Side of the square (DARTS: 16 on CIFAR-10). */
  readonly length: number;
  /** Holes per image (DARTS: 1). */
  readonly holes: number;
}

export interface Hole {
  readonly y1: number;
  readonly y2: number;
  readonly x1: number;
  readonly x2: number;
}

const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);

/** One hole as the reference draws it: centre first y then x, the square clipped (end exclusive). */
export function drawHole(height: number, width: number, length: number, rng: Rng): Hole {
  const y = rng.int(height);
  const x = rng.int(width);
  const half = Math.floor(length / 2);
  return { y1: clip(y - half, height), y2: clip(y + half, height), x1: clip(x - half, width), x2: clip(x + half, width) };
}

/**
 * Per-pixel keep mask for a batch, [count, height, width] (1 keep, 0 cut), shared by all
 * channels of an image.
 */
export function cutoutMask(count: number, height: number, width: number, options: CutoutOptions, rng: Rng): Float32Array {
  const mask = new Float32Array(count * height * width).fill(1);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < options.holes; k++) {
      const { y1, y2, x1, x2 } = drawHole(height, width, options.length, rng);
      for (let y = y1; y < y2; y++) mask.fill(0, (n * height + y) * width + x1, (n * height + y) * width + x2);
    }
  }
  return mask;
}

/** Apply cutout in place to a normalised NHWC batch. */
export function applyCutout(
  data: Float32Array,
  shape: readonly [number, number, number, number],
  options: CutoutOptions,
  rng: Rng,
): Float32Array {
  const [count, height, width, channels] = shape;
  const mask = cutoutMask(count, height, width, options, rng);
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) data.fill(0, p * channels, (p + 1) * channels);
  }
  return data;
}
