/**
 * The preprocessing of the reference code (antoyang/NAS-Benchmark `DARTS/preproc.py`, the
 * `LARGE_DATASETS` branch) with torchvision's semantics on PIL images, written from their
 * definitions:
 *
 * - train: `RandomResizedCrop(224)`, `RandomHorizontalFlip()`, `ColorJitter(0.4, 0.4, 0.4, 0.2)`;
 * - test: `Resize(256)`, `CenterCrop(224)`.
 *
 * Resampling is Pillow's `Image.resize(..., BILINEAR)` (`libImaging/Resample.c`: a triangle
 * filter widened by the scale when shrinking, 22-bit fixed-point coefficients, horizontal pass
 * rounded to 8 bits before the vertical one). The colour adjustments are `ImageEnhance`'s
 * blends (`libImaging/Blend.c`, float arithmetic, truncation) and Pillow's RGB↔HSV conversions
 * (`libImaging/Convert.c`). Every random draw comes from the caller's `Rng`, in torchvision's
 * order; the draws themselves are not torch's generator (see the README).
 */
import type { Rng } from '@naslab/core';

/** An 8-bit RGB image, rows top to bottom, pixels interleaved (HWC). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Python's `round()` (half to even), as torchvision's `int(round(x))` uses it. */
export function pythonRound(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; Python rounds it to the even neighbour.
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** C's `round()` (half away from zero). */
function cRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function clip8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v;
}

interface Coefficients {
  readonly ksize: number;
  /** xmin, count per output pixel. */
  readonly bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output pixel. */
  readonly weights: Int32Array;
}

/** `precompute_coeffs` + `normalize_coeffs_8bpc` of Pillow for the bilinear (triangle) filter. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      let t = (x + xmin - center + 0.5) * ss;
      if (t < 0) t = -t;
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

/** `fixed >> PRECISION_BITS`, clamped to a byte (Pillow's `clip8`). */
function shiftClip(ss: number): number {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Pillow's `img.resize((outWidth, outHeight), Image.BILINEAR)` of an RGB image (box = the whole
 * image, no `reducing_gap`).
 */
export function resizeBilinear(img: RgbImage, outWidth: number, outHeight: number): RgbImage {
  const { width: w, height: h, data } = img;
  if (outWidth === w && outHeight === h) return { width: w, height: h, data: data.slice() };
  const needH = outWidth !== w;
  const needV = outHeight !== h;
  const vert = coefficients(h, outHeight);
  let src = data;
  let srcWidth = w;
  let rowOffset = 0;
  if (needH) {
    const horiz = coefficients(w, outWidth);
    const first = vert.bounds[0]!;
    const last = vert.bounds[outHeight * 2 - 2]! + vert.bounds[outHeight * 2 - 1]!;
    const rows = needV ? last - first : h;
    const from = needV ? first : 0;
    const tmp = new Uint8Array(rows * outWidth * 3);
    const { ksize, bounds, weights } = horiz;
    for (let y = 0; y < rows; y++) {
      const inRow = (y + from) * w * 3;
      const outRow = y * outWidth * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = bounds[xx * 2]!;
        const count = bounds[xx * 2 + 1]!;
        const kb = xx * ksize;
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < count; x++) {
          const kw = weights[kb + x]!;
          const p = inRow + (x + xmin) * 3;
          s0 += data[p]! * kw;
          s1 += data[p + 1]! * kw;
          s2 += data[p + 2]! * kw;
        }
        const o = outRow + xx * 3;
        tmp[o] = shiftClip(s0);
        tmp[o + 1] = shiftClip(s1);
        tmp[o + 2] = shiftClip(s2);
      }
    }
    if (!needV) return { width: outWidth, height: h, data: tmp };
    src = tmp;
    srcWidth = outWidth;
    rowOffset = first;
  }
  const out = new Uint8Array(outHeight * srcWidth * 3);
  const { ksize, bounds, weights } = vert;
  const stride = srcWidth * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2]! - rowOffset;
    const count = bounds[yy * 2 + 1]!;
    const kb = yy * ksize;
    const outRow = yy * stride;
    for (let i = 0; i < stride; i++) {
      let s = HALF;
      for (let y = 0; y < count; y++) s += src[(y + ymin) * stride + i]! * weights[kb + y]!;
      out[outRow + i] = shiftClip(s);
    }
  }
  return { width: srcWidth, height: outHeight, data: out };
}

/** PIL `img.crop((left, top, left + width, top + height))` inside the image. */
export function crop(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  if (left < 0 || top < 0 || left + width > img.width || top + height > img.height || width <= 0 || height <= 0) {
    throw new RangeError(`crop ${width}×${height} at (${left}, ${top}) is outside the ${img.width}×${img.height} image`);
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    out.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data: out };
}

export function flipHorizontal(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width, height, data: out };
}

/** torchvision `Resize(size)` with an int size: the shorter side becomes `size`, bilinear. */
export function resizeShorter(img: RgbImage, size: number): RgbImage {
  const { width: w, height: h } = img;
  if ((w <= h && w === size) || (h <= w && h === size)) return img;
  if (w < h) return resizeBilinear(img, size, Math.trunc((size * h) / w));
  return resizeBilinear(img, Math.trunc((size * w) / h), size);
}

/** torchvision `CenterCrop(size)` (the image is at least `size` on both sides). */
export function centerCrop(img: RgbImage, size: number): RgbImage {
  const top = Math.trunc(pythonRound((img.height - size) / 2));
  const left = Math.trunc(pythonRound((img.width - size) / 2));
  return crop(img, left, top, size, size);
}

/** The evaluation transform: `Resize(resize)` then `CenterCrop(size)`. */
export function evalTransform(img: RgbImage, size = 224, resize = 256): RgbImage {
  return centerCrop(resizeShorter(img, resize), size);
}

/** A uniform draw in [a, b) from `rng` (torch's `uniform_(a, b)`). */
function uniform(rng: Rng, a: number, b: number): number {
  return a + (b - a) * rng.uniform();
}

/** torchvision `randint(low, high)` (high exclusive). */
function randint(rng: Rng, low: number, high: number): number {
  return low + rng.int(high - low);
}

export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * `RandomResizedCrop.get_params(img, scale=(0.08, 1), ratio=(3/4, 4/3))`: ten attempts at an area
 * fraction and a log-uniform aspect ratio, then the central crop of the clamped ratio.
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: Rng,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): CropBox {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniform(rng, scale[0], scale[1]);
    const aspect = Math.exp(uniform(rng, logRatio[0], logRatio[1]));
    const w = pythonRound(Math.sqrt(targetArea * aspect));
    const h = pythonRound(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = randint(rng, 0, height - h + 1);
      const left = randint(rng, 0, width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w: number;
  let h: number;
  if (inRatio < Math.min(...ratio)) {
    w = width;
    h = pythonRound(w / Math.min(...ratio));
  } else if (inRatio > Math.max(...ratio)) {
    h = height;
    w = pythonRound(h * Math.max(...ratio));
  } else {
    w = width;
    h = height;
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

// ---------------------------------------------------------------------------------------------
// Colour adjustments (ImageEnhance on RGB images)

/** `Image.blend(degenerate, img, factor)`: Pillow's float arithmetic, truncated to bytes. */
function blendInto(out: Uint8Array, degenerate: (i: number) => number, img: Uint8Array, factor: number): void {
  const alpha = Math.fround(factor);
  const interpolate = alpha >= 0 && alpha <= 1;
  for (let i = 0; i < img.length; i++) {
    const a = degenerate(i);
    const v = Math.fround(a + Math.fround(alpha * (img[i]! - a)));
    if (interpolate) out[i] = Math.trunc(v);
    else out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
}

/** Pillow's RGB → L: `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16`. */
function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/** `ImageEnhance.Brightness(img).enhance(factor)`: a blend with black. */
export function adjustBrightness(img: RgbImage, factor: number): RgbImage {
  const out = new Uint8Array(img.data.length);
  blendInto(out, () => 0, img.data, factor);
  return { ...img, data: out };
}

/** `ImageEnhance.Contrast(img).enhance(factor)`: a blend with the rounded mean of its L image. */
export function adjustContrast(img: RgbImage, factor: number): RgbImage {
  const d = img.data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 3) sum += luma(d[i]!, d[i + 1]!, d[i + 2]!);
  const mean = Math.trunc(sum / (d.length / 3) + 0.5);
  const out = new Uint8Array(d.length);
  blendInto(out, () => mean, d, factor);
  return { ...img, data: out };
}

/** `ImageEnhance.Color(img).enhance(factor)`: a blend with its grey (L → RGB) image. */
export function adjustSaturation(img: RgbImage, factor: number): RgbImage {
  const d = img.data;
  const grey = new Uint8Array(d.length / 3);
  for (let p = 0; p < grey.length; p++) grey[p] = luma(d[p * 3]!, d[p * 3 + 1]!, d[p * 3 + 2]!);
  const out = new Uint8Array(d.length);
  blendInto(out, (i) => grey[(i / 3) | 0]!, d, factor);
  return { ...img, data: out };
}

const f32 = Math.fround;

/** Pillow's `rgb2hsv_row` (float intermediates as the C code has them). */
function rgbToHsv(r: number, g: number, b: number, out: Uint8Array, o: number): void {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  out[o + 2] = maxc;
  if (minc === maxc) {
    out[o] = 0;
    out[o + 1] = 0;
    return;
  }
  const cr = maxc - minc;
  const s = f32(cr / maxc);
  const rc = f32((maxc - r) / cr);
  const gc = f32((maxc - g) / cr);
  const bc = f32((maxc - b) / cr);
  let h: number;
  if (r === maxc) h = f32(bc - gc);
  else if (g === maxc) h = f32(2.0 + rc - bc);
  else h = f32(4.0 + gc - rc);
  h = f32((h / 6.0 + 1.0) % 1.0);
  out[o] = clip8(Math.trunc(h * 255.0));
  out[o + 1] = clip8(Math.trunc(s * 255.0));
}

/** Pillow's `hsv2rgb`. */
function hsvToRgb(h: number, s: number, v: number, out: Uint8Array, o: number): void {
  if (s === 0) {
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
    return;
  }
  const i = Math.floor((h * 6.0) / 255.0);
  const f = f32((h * 6.0) / 255.0 - i);
  const fs = f32(s / 255.0);
  const p = clip8(cRound(v * (1.0 - fs)));
  const q = clip8(cRound(v * (1.0 - f32(fs * f))));
  const t = clip8(cRound(v * (1.0 - fs * (1.0 - f))));
  let r: number;
  let g: number;
  let b: number;
  switch (i % 6) {
    case 0:
      [r, g, b] = [v, t, p];
      break;
    case 1:
      [r, g, b] = [q, v, p];
      break;
    case 2:
      [r, g, b] = [p, v, t];
      break;
    case 3:
      [r, g, b] = [p, q, v];
      break;
    case 4:
      [r, g, b] = [t, p, v];
      break;
    default:
      [r, g, b] = [v, p, q];
  }
  out[o] = r;
  out[o + 1] = g;
  out[o + 2] = b;
}

/**
 * torchvision `adjust_hue` on a PIL image: to HSV, `H += uint8(hue_factor · 255)` with uint8
 * wrap-around, back to RGB.
 */
export function adjustHue(img: RgbImage, hueFactor: number): RgbImage {
  if (!(hueFactor >= -0.5 && hueFactor <= 0.5)) throw new RangeError(`hue factor ${hueFactor} is not in [-0.5, 0.5]`);
  const shift = (((Math.trunc(hueFactor * 255) % 256) + 256) % 256) | 0;
  const d = img.data;
  const out = new Uint8Array(d.length);
  const hsv = new Uint8Array(3);
  for (let i = 0; i < d.length; i += 3) {
    rgbToHsv(d[i]!, d[i + 1]!, d[i + 2]!, hsv, 0);
    hsvToRgb((hsv[0]! + shift) & 255, hsv[1]!, hsv[2]!, out, i);
  }
  return { ...img, data: out };
}

export interface ColorJitterOptions {
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
}

export interface JitterDraw {
  /** Order of the four adjustments: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
  readonly order: readonly number[];
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
}

/** `ColorJitter.get_params`: a random order (`randperm(4)`), then one factor per adjustment. */
export function drawColorJitter(o: ColorJitterOptions, rng: Rng): JitterDraw {
  const order = Array.from(rng.permutation(4));
  // An adjustment switched off (0) has no range and draws nothing, as torchvision's `None`.
  const factor = (x: number) => (x > 0 ? uniform(rng, Math.max(0, 1 - x), 1 + x) : 1);
  const brightness = factor(o.brightness);
  const contrast = factor(o.contrast);
  const saturation = factor(o.saturation);
  const hue = o.hue > 0 ? uniform(rng, -o.hue, o.hue) : 0;
  return { order, brightness, contrast, saturation, hue };
}

export function applyColorJitter(img: RgbImage, draw: JitterDraw, o: ColorJitterOptions): RgbImage {
  let out = img;
  for (const fn of draw.order) {
    if (fn === 0 && o.brightness > 0) out = adjustBrightness(out, draw.brightness);
    else if (fn === 1 && o.contrast > 0) out = adjustContrast(out, draw.contrast);
    else if (fn === 2 && o.saturation > 0) out = adjustSaturation(out, draw.saturation);
    else if (fn === 3 && o.hue > 0) out = adjustHue(out, draw.hue);
  }
  return out;
}

export interface TrainTransformOptions {
  readonly size: number;
  readonly flip: boolean;
  readonly jitter: ColorJitterOptions;
}

export const PAPER_JITTER: ColorJitterOptions = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.2 };

/**
 * The training transform: `RandomResizedCrop(size)`, `RandomHorizontalFlip()` (p = 0.5),
 * `ColorJitter(...)`, draws in that order from `rng`.
 */
export function trainTransform(img: RgbImage, rng: Rng, o: TrainTransformOptions = { size: 224, flip: true, jitter: PAPER_JITTER }): RgbImage {
  const box = randomResizedCropBox(img.width, img.height, rng);
  let out = resizeBilinear(crop(img, box.left, box.top, box.width, box.height), o.size, o.size);
  if (o.flip && rng.uniform() < 0.5) out = flipHorizontal(out);
  const j = o.jitter;
  if (j.brightness > 0 || j.contrast > 0 || j.saturation > 0 || j.hue > 0) out = applyColorJitter(out, drawColorJitter(j, rng), j);
  return out;
}
