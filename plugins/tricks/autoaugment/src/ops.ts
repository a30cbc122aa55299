/**
 * The 14 AutoAugment image operations on uint8 HWC images, with Pillow's semantics (the
 * reference policies run through PIL: `Image.transform`, `ImageOps`, `ImageEnhance`).
 * Rounding follows Pillow's C code: truncation where it truncates, float32 where it computes
 * in float32, 16.16 fixed point for nearest-neighbour affine maps — so that a pixel comes out
 * exactly as the paper's data loader would have produced it.
 */

/** An image as stored by datasets: `height × width × channels` bytes, row-major (HWC). */
export interface PixelImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** The reference code's fill colour for pixels an affine map brings in from outside. */
export const DEFAULT_FILL = 128;

const f32 = Math.fround;

function blank(img: PixelImage, fill?: number): PixelImage {
  const data = new Uint8Array(img.data.length);
  if (fill !== undefined) data.fill(fill);
  return { data, height: img.height, width: img.width, channels: img.channels };
}

function mapLut(img: PixelImage, lutFor: (channel: number) => ArrayLike<number>): PixelImage {
  const out = blank(img);
  const c = img.channels;
  for (let ch = 0; ch < c; ch++) {
    const lut = lutFor(ch);
    for (let i = ch; i < img.data.length; i += c) out.data[i] = lut[img.data[i]!]!;
  }
  return out;
}

function histogram(img: PixelImage, channel: number): number[] {
  const h = new Array<number>(256).fill(0);
  for (let i = channel; i < img.data.length; i += img.channels) h[img.data[i]!]! += 1;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Point operations (ImageOps)

/** `ImageOps.invert`: 255 − v. */
export function invert(img: PixelImage): PixelImage {
  const out = blank(img);
  for (let i = 0; i < img.data.length; i++) out.data[i] = 255 - img.data[i]!;
  return out;
}

/** `ImageOps.posterize(img, bits)`: keep the `bits` most significant bits. */
export function posterize(img: PixelImage, bits: number): PixelImage {
  const mask = ~(2 ** (8 - bits) - 1) & 0xff;
  const lut = Array.from({ length: 256 }, (_, i) => i & mask);
  return mapLut(img, () => lut);
}

/** `ImageOps.solarize(img, threshold)`: values ≥ threshold are inverted. */
export function solarize(img: PixelImage, threshold: number): PixelImage {
  const lut = Array.from({ length: 256 }, (_, i) => (i < threshold ? i : 255 - i));
  return mapLut(img, () => lut);
}

/** `ImageOps.autocontrast(img)` (cutoff 0): per channel, stretch [lo, hi] to [0, 255]. */
export function autoContrast(img: PixelImage): PixelImage {
  return mapLut(img, (ch) => {
    const h = histogram(img, ch);
    let lo = 0;
    while (lo < 255 && !h[lo]) lo++;
    let hi = 255;
    while (hi > 0 && !h[hi]) hi--;
    if (hi <= lo) return Array.from({ length: 256 }, (_, i) => i);
    const scale = 255 / (hi - lo);
    const offset = -lo * scale;
    return Array.from({ length: 256 }, (_, i) => Math.min(255, Math.max(0, Math.trunc(i * scale + offset))));
  });
}

/** `ImageOps.equalize(img)`: per-channel histogram equalisation, Pillow's integer recipe. */
export function equalize(img: PixelImage): PixelImage {
  return mapLut(img, (ch) => {
    const h = histogram(img, ch);
    const nonZero = h.filter((v) => v > 0);
    const identity = Array.from({ length: 256 }, (_, i) => i);
    if (nonZero.length <= 1) return identity;
    const step = Math.floor((nonZero.reduce((a, b) => a + b, 0) - nonZero[nonZero.length - 1]!) / 255);
    if (!step) return identity;
    const lut: number[] = [];
    let n = Math.floor(step / 2);
    for (let i = 0; i < 256; i++) {
      // Pillow's lookup table clips entries above 255 (they occur when the last bin is small).
      lut.push(Math.min(255, Math.floor(n / step)));
      n += h[i]!;
    }
    return lut;
  });
}

// ---------------------------------------------------------------------------------------------
// Enhancements (ImageEnhance): blend the image with a "degenerate" version of itself

/** `Image.blend(degenerate, image, factor)` in Pillow's float32 arithmetic. */
export function blend(degenerate: Uint8Array, img: PixelImage, factor: number): PixelImage {
  const alpha = f32(factor);
  if (alpha === 0) return { ...img, data: degenerate.slice() };
  if (alpha === 1) return { ...img, data: img.data.slice() };
  const out = blank(img);
  const interpolate = alpha >= 0 && alpha <= 1;
  for (let i = 0; i < img.data.length; i++) {
    const a = degenerate[i]!;
    const v = f32(a + f32(alpha * (img.data[i]! - a)));
    out.data[i] = interpolate ? Math.trunc(v) : v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return out;
}

/** ITU-R 601-2 luma as Pillow's RGB → L conversion computes it (16-bit fixed point, rounded). */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

function grayscale(img: PixelImage): Uint8Array {
  const n = img.height * img.width;
  const gray = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const i = p * img.channels;
    gray[p] = img.channels >= 3 ? luma(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!) : img.data[i]!;
  }
  return gray;
}

/** `ImageEnhance.Color`: degenerate = the grayscale image (a no-op on 1-channel images). */
export function color(img: PixelImage, factor: number): PixelImage {
  if (img.channels < 3) return { ...img, data: img.data.slice() };
  const gray = grayscale(img);
  const degenerate = new Uint8Array(img.data.length);
  for (let p = 0; p < gray.length; p++) degenerate.fill(gray[p]!, p * img.channels, (p + 1) * img.channels);
  return blend(degenerate, img, factor);
}

/** `ImageEnhance.Contrast`: degenerate = uniform image at the rounded mean luma. */
export function contrast(img: PixelImage, factor: number): PixelImage {
  const gray = grayscale(img);
  let sum = 0;
  for (const v of gray) sum += v;
  const mean = Math.trunc(sum / gray.length + 0.5);
  return blend(new Uint8Array(img.data.length).fill(mean), img, factor);
}

/** `ImageEnhance.Brightness`: degenerate = black. */
export function brightness(img: PixelImage, factor: number): PixelImage {
  return blend(new Uint8Array(img.data.length), img, factor);
}

/**
 * Pillow's `ImageFilter.SMOOTH` (3×3 kernel 1 1 1 / 1 5 1 / 1 1 1, divided by 13): float32
 * sums with +0.5 for rounding; the one-pixel border is copied unchanged, as Pillow does.
 */
export function smooth(img: PixelImage): Uint8Array {
  const { height: h, width: w, channels: c, data } = img;
  const out = data.slice();
  const k1 = f32(1 / 13);
  const k5 = f32(5 / 13);
  const row = (y: number, x: number, ch: number, centre: number) => {
    const i = (y * w + x) * c + ch;
    return f32(f32(f32(data[i - c]! * k1) + f32(data[i]! * centre)) + f32(data[i + c]! * k1));
  };
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let ch = 0; ch < c; ch++) {
        let ss = f32(0.5);
        ss = f32(ss + row(y + 1, x, ch, k1));
        ss = f32(ss + row(y, x, ch, k5));
        ss = f32(ss + row(y - 1, x, ch, k1));
        out[(y * w + x) * c + ch] = ss <= 0 ? 0 : ss >= 255 ? 255 : Math.trunc(ss);
      }
    }
  }
  return out;
}

/** `ImageEnhance.Sharpness`: degenerate = the SMOOTH-filtered image. */
export function sharpness(img: PixelImage, factor: number): PixelImage {
  return blend(smooth(img), img, factor);
}

// ---------------------------------------------------------------------------------------------
// Geometric operations (Image.transform with an AFFINE map from output to input pixels)

/**
 * `Image.transform(size, AFFINE, (a, b, c, d, e, f), BICUBIC, fillcolor)`: output pixel (x, y)
 * samples the input at (a(x+½) + b(y+½) + c, d(x+½) + e(y+½) + f) with Pillow's cubic kernel
 * (edge-clamped taps); a sample point outside the image keeps the fill colour.
 */
export function affineBicubic(img: PixelImage, m: readonly number[], fill: number): PixelImage {
  const { height: h, width: w, channels: c, data } = img;
  const out = blank(img, fill);
  const [a0, a1, a2, a3, a4, a5] = m as [number, number, number, number, number, number];
  const cubic = (v1: number, v2: number, v3: number, v4: number, d: number) => {
    const p1 = v2;
    const p2 = -v1 + v3;
    const p3 = 2 * (v1 - v2) + v3 - v4;
    const p4 = -v1 + v2 - v3 + v4;
    return p1 + d * (p2 + d * (p3 + d * p4));
  };
  const clipX = (x: number) => (x < 0 ? 0 : x < w ? x : w - 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let xin = a0 * (x + 0.5) + a1 * (y + 0.5) + a2;
      let yin = a3 * (x + 0.5) + a4 * (y + 0.5) + a5;
      if (xin < 0 || xin >= w || yin < 0 || yin >= h) continue;
      xin -= 0.5;
      yin -= 0.5;
      const fx = Math.floor(xin);
      const fy = Math.floor(yin);
      const dx = xin - fx;
      const dy = yin - fy;
      const x0 = fx - 1;
      const y0 = fy - 1;
      const xs = [clipX(x0), clipX(x0 + 1), clipX(x0 + 2), clipX(x0 + 3)];
      for (let ch = 0; ch < c; ch++) {
        const rowValue = (yy: number) => {
          const base = yy * w * c + ch;
          return cubic(data[base + xs[0]! * c]!, data[base + xs[1]! * c]!, data[base + xs[2]! * c]!, data[base + xs[3]! * c]!, dx);
        };
        // First tap row is clamped; the others fall back to the previous row's value.
        const v1 = rowValue(y0 < 0 ? 0 : y0 < h ? y0 : h - 1);
        const v2 = y0 + 1 >= 0 && y0 + 1 < h ? rowValue(y0 + 1) : v1;
        const v3 = y0 + 2 >= 0 && y0 + 2 < h ? rowValue(y0 + 2) : v2;
        const v4 = y0 + 3 >= 0 && y0 + 3 < h ? rowValue(y0 + 3) : v3;
        const v = cubic(v1, v2, v3, v4, dy);
        out.data[(y * w + x) * c + ch] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
      }
    }
  }
  return out;
}

/** `COORD` in Pillow: truncation toward zero, −1 for negative coordinates. */
const coord = (v: number) => (v < 0 ? -1 : Math.trunc(v));

function copyPixel(src: PixelImage, si: number, dst: PixelImage, di: number): void {
  const c = src.channels;
  for (let ch = 0; ch < c; ch++) dst.data[di * c + ch] = src.data[si * c + ch]!;
}

/** Nearest-neighbour translation (Pillow's scale-affine path): input x = x + tx, y = y + ty. */
export function translate(img: PixelImage, tx: number, ty: number, fill: number): PixelImage {
  const { height: h, width: w } = img;
  const out = blank(img, fill);
  const xin = new Int32Array(w);
  let xo = tx + 0.5;
  for (let x = 0; x < w; x++) {
    xin[x] = coord(xo);
    xo += 1;
  }
  let yo = ty + 0.5;
  for (let y = 0; y < h; y++) {
    const yi = coord(yo);
    yo += 1;
    if (yi < 0 || yi >= h) continue;
    for (let x = 0; x < w; x++) {
      const xi = xin[x]!;
      if (xi >= 0 && xi < w) copyPixel(img, yi * w + xi, out, y * w + x);
    }
  }
  return out;
}

/**
 * `img.rotate(degrees)` (counter-clockwise, about the centre, nearest neighbour, same size) with
 * the reference's fill: Pillow's 16.16 fixed-point affine path; exact multiples of 90° take
 * Pillow's transpose shortcuts.
 */
export function rotate(img: PixelImage, degrees: number, fill: number): PixelImage {
  const { height: h, width: w } = img;
  const angle = ((degrees % 360) + 360) % 360;
  if (angle === 0) return { ...img, data: img.data.slice() };
  const out = blank(img, fill);
  if (angle === 180 || ((angle === 90 || angle === 270) && w === h)) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const [sx, sy] = angle === 180 ? [w - 1 - x, h - 1 - y] : angle === 90 ? [w - 1 - y, x] : [y, h - 1 - x];
        copyPixel(img, sy * w + sx, out, y * w + x);
      }
    return out;
  }
  const rad = -(angle * Math.PI) / 180;
  const round15 = (v: number) => Math.round(v * 1e15) / 1e15;
  const m = [round15(Math.cos(rad)), round15(Math.sin(rad)), 0, round15(-Math.sin(rad)), round15(Math.cos(rad)), 0];
  const cx = w / 2;
  const cy = h / 2;
  m[2] = m[0]! * -cx + m[1]! * -cy + m[2]! + cx;
  m[5] = m[3]! * -cx + m[4]! * -cy + m[5]! + cy;
  const fix = (v: number) => Math.floor(v * 65536 + 0.5);
  const a0 = fix(m[0]!);
  const a1 = fix(m[1]!);
  const a3 = fix(m[3]!);
  const a4 = fix(m[4]!);
  let a2 = fix(m[2]! + m[0]! * 0.5 + m[1]! * 0.5);
  let a5 = fix(m[5]! + m[3]! * 0.5 + m[4]! * 0.5);
  for (let y = 0; y < h; y++) {
    let xx = a2;
    let yy = a5;
    for (let x = 0; x < w; x++) {
      const xi = xx >> 16;
      const yi = yy >> 16;
      if (xi >= 0 && xi < w && yi >= 0 && yi < h) copyPixel(img, yi * w + xi, out, y * w + x);
      xx += a0;
      yy += a3;
    }
    a2 += a1;
    a5 += a4;
  }
  return out;
}

/** ShearX: input x = x + s·y (Pillow bicubic). */
export function shearX(img: PixelImage, s: number, fill: number): PixelImage {
  return affineBicubic(img, [1, s, 0, 0, 1, 0], fill);
}

/** ShearY: input y = s·x + y (Pillow bicubic). */
export function shearY(img: PixelImage, s: number, fill: number): PixelImage {
  return affineBicubic(img, [1, 0, 0, s, 1, 0], fill);
}
