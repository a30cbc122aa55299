import type { Rng } from '@naslab/core';

export interface CropFlipOptions {
  /** Zero padding on each side before the random crop back to the original size (DARTS: 4). */
  readonly padding: number;
  /** Mirror left–right with probability 1/2 (DARTS: on). */
  readonly flip: boolean;
  /** Padding value on the 0–255 pixel scale (torchvision's RandomCrop default: 0). */
  readonly fill: number;
}

/**
 * torchvision's `RandomCrop(size, padding)` followed by `RandomHorizontalFlip()`, per image, in
 * place on raw NHWC pixels: pad by `padding` with `fill`, take the window whose top-left corner
 * is uniform in [0, 2·padding]², then mirror with probability 1/2. Draw order per image: row
 * offset, column offset, flip.
 */
export function cropAndFlip(
  pixels: Uint8Array,
  count: number,
  shape: readonly [number, number, number],
  options: CropFlipOptions,
  rng: Rng,
): void {
  const [h, w, c] = shape;
  const size = h * w * c;
  const source = new Uint8Array(size);
  for (let n = 0; n < count; n++) {
    const image = pixels.subarray(n * size, (n + 1) * size);
    const top = options.padding ? rng.int(2 * options.padding + 1) - options.padding : 0;
    const left = options.padding ? rng.int(2 * options.padding + 1) - options.padding : 0;
    const mirror = options.flip && rng.uniform() < 0.5;
    if (top === 0 && left === 0 && !mirror) continue;
    source.set(image);
    for (let y = 0; y < h; y++) {
      const sy = y + top;
      for (let x = 0; x < w; x++) {
        // The output column x shows the cropped column (w-1-x) when mirrored.
        const sx = (mirror ? w - 1 - x : x) + left;
        const out = (y * w + x) * c;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) image.fill(options.fill, out, out + c);
        else image.set(source.subarray((sy * w + sx) * c, (sy * w + sx) * c + c), out);
      }
    }
  }
}
