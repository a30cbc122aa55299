/**
 * Expected values written from the definitions (Pillow's Resample.c / Blend.c / Convert.c and
 * torchvision's transforms), worked out by hand in the comments; no torchvision at test time.
 */
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  applyColorJitter,
  centerCrop,
  drawColorJitter,
  evalTransform,
  flipHorizontal,
  PAPER_JITTER,
  pythonRound,
  randomResizedCropBox,
  resizeBilinear,
  resizeShorter,
  trainTransform,
  type RgbImage,
} from './transforms.js';

/** An image whose red channel is `reds` (one row), green and blue 0. */
function row(reds: number[]): RgbImage {
  const data = new Uint8Array(reds.length * 3);
  reds.forEach((r, i) => (data[i * 3] = r));
  return { width: reds.length, height: 1, data };
}
const reds = (img: RgbImage) => Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 3]!);
const pixel = (rgb: [number, number, number]): RgbImage => ({ width: 1, height: 1, data: new Uint8Array(rgb) });

function noise(width: number, height: number, seed: string): RgbImage {
  const rng = new Rng(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)) };
}

describe('Pillow bilinear resize', () => {
  it('shrinks 4 → 2 with the widened triangle filter and 22-bit weights', () => {
    // scale 2, support 2. Output 0: centre 1, inputs 0..2, triangle weights 0.75, 0.75, 0.25
    // → 3/7, 3/7, 1/7: 70·3/7 + 140/7 = 50 (fixed point: 50.4999… → 50). Output 1: centre 3,
    // inputs 1..3, weights 1/7, 3/7, 3/7: 10 + 60 + 90 = 160.
    expect(reds(resizeBilinear(row([0, 70, 140, 210]), 2, 1))).toEqual([50, 160]);
  });

  it('enlarges 2 → 4 with support 1 (edge pixels copy, inner ones interpolate 3:1)', () => {
    // scale 0.5: centres 0.25 (one tap), 0.75 (0.75·a + 0.25·b), 1.25 (0.25·a + 0.75·b), 1.75 (one tap).
    expect(reds(resizeBilinear(row([0, 100]), 4, 1))).toEqual([0, 25, 75, 100]);
  });

  it('runs the horizontal pass first, rounded to bytes, then the vertical one', () => {
    const img = noise(37, 23, 'resize');
    const both = resizeBilinear(img, 11, 7);
    const twoSteps = resizeBilinear(resizeBilinear(img, 11, 23), 11, 7);
    expect(Array.from(both.data)).toEqual(Array.from(twoSteps.data));
    expect([both.width, both.height]).toEqual([11, 7]);
    // A constant image stays constant at any scale (weights sum to 1 in fixed point).
    const grey = { width: 50, height: 30, data: new Uint8Array(50 * 30 * 3).fill(77) };
    expect(new Set(resizeBilinear(grey, 224, 224).data)).toEqual(new Set([77]));
    expect(new Set(resizeBilinear(grey, 9, 13).data)).toEqual(new Set([77]));
  });
});

describe('torchvision geometry', () => {
  it('Resize(256) scales the shorter side with int() of the other', () => {
    const r = resizeShorter(noise(300, 200, 'a'), 256);
    expect([r.width, r.height]).toEqual([384, 256]);
    const t = resizeShorter(noise(201, 333, 'b'), 256);
    expect([t.width, t.height]).toEqual([256, Math.trunc((256 * 333) / 201)]); // 424.1 → 424
    expect(t.height).toBe(424);
  });

  it('CenterCrop rounds the offsets half to even (Python round)', () => {
    expect([pythonRound(2.5), pythonRound(3.5), pythonRound(-0.5), pythonRound(1.4)]).toEqual([2, 4, -0, 1]);
    // 229 wide: (229 − 224) / 2 = 2.5 → 2; 231 high: 3.5 → 4.
    const img = noise(229, 231, 'c');
    const c = centerCrop(img, 224);
    expect([c.width, c.height]).toEqual([224, 224]);
    expect(Array.from(c.data.subarray(0, 3))).toEqual(Array.from(img.data.subarray((4 * 229 + 2) * 3, (4 * 229 + 2) * 3 + 3)));
  });

  it('evaluation transform is Resize(256) then CenterCrop(224)', () => {
    const img = noise(320, 240, 'd');
    const e = evalTransform(img);
    // 320×240 → 341×256, crop at left round(58.5) = 58, top 16.
    const resized = resizeShorter(img, 256);
    expect([resized.width, resized.height]).toEqual([341, 256]);
    const expected = centerCrop(resized, 224);
    expect(Array.from(e.data)).toEqual(Array.from(expected.data));
    const at = (16 * 341 + 58) * 3;
    expect(Array.from(e.data.subarray(0, 3))).toEqual(Array.from(resized.data.subarray(at, at + 3)));
  });

  it('RandomResizedCrop falls back to the central crop of the clamped ratio after ten attempts', () => {
    // 1000×10: every attempt needs h ≥ √(800 / (4/3)) ≈ 24.5 > 10, so the fallback: in_ratio 100 > 4/3,
    // h = 10, w = round(10 · 4/3) = 13, top 0, left (1000 − 13) // 2 = 493.
    expect(randomResizedCropBox(1000, 10, new Rng('x'))).toEqual({ top: 0, left: 493, height: 10, width: 13 });
    // 10×1000: in_ratio 0.01 < 3/4: w = 10, h = round(10 / 0.75) = 13, top (1000 − 13) // 2 = 493.
    expect(randomResizedCropBox(10, 1000, new Rng('x'))).toEqual({ top: 493, left: 0, height: 13, width: 10 });
  });

  it('RandomResizedCrop boxes lie in the image with the scale and ratio ranges', () => {
    const rng = new Rng('rrc');
    for (let k = 0; k < 500; k++) {
      const b = randomResizedCropBox(400, 300, rng);
      expect(b.left + b.width).toBeLessThanOrEqual(400);
      expect(b.top + b.height).toBeLessThanOrEqual(300);
      const area = (b.width * b.height) / (400 * 300);
      expect(area).toBeGreaterThan(0.07);
      expect(area).toBeLessThanOrEqual(1.02);
      const ratio = b.width / b.height;
      expect(ratio).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.42);
    }
  });

  it('flips rows left to right', () => {
    expect(reds(flipHorizontal(row([1, 2, 3, 4])))).toEqual([4, 3, 2, 1]);
  });
});

describe('ColorJitter on PIL images (ImageEnhance blends, Pillow HSV)', () => {
  it('brightness blends with black in float32 and truncates', () => {
    // 0.7f · 100 = 69.9999988 in double but 70.0 in float32: Pillow gives 70.
    expect(reds(adjustBrightness(row([100, 3, 200]), 0.7))).toEqual([70, 2, 140]);
    // 1.5 extrapolates and clips: 150, 4.5 → 4, 300 → 255.
    expect(reds(adjustBrightness(row([100, 3, 200]), 1.5))).toEqual([150, 4, 255]);
  });

  it('contrast blends with the rounded mean of the L image', () => {
    // L of black 0, of white (255·65536 + 0x8000) >> 16 = 255; mean 127.5 → int(128.0) = 128.
    const img: RgbImage = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 255, 255, 255]) };
    // factor 0.5: 128 + 0.5·(0 − 128) = 64; 128 + 0.5·127 = 191.5 → 191.
    expect(Array.from(adjustContrast(img, 0.5).data)).toEqual([64, 64, 64, 191, 191, 191]);
  });

  it('saturation blends with the grey image (L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16)', () => {
    // (200, 100, 50): L = 8172318 >> 16 = 124.
    expect(Array.from(adjustSaturation(pixel([200, 100, 50]), 0).data)).toEqual([124, 124, 124]);
    // factor 2: 124 + 2·76 = 276 → 255; 124 − 48 = 76; 124 − 148 < 0 → 0.
    expect(Array.from(adjustSaturation(pixel([200, 100, 50]), 2).data)).toEqual([255, 76, 0]);
  });

  it('hue rotates H by uint8(factor·255) with wrap-around through Pillow HSV', () => {
    // red: H 0, S 255, V 255. +0.2: shift 51; i = floor(51·6/255) = 1, f = 0.2f:
    // q = round(255·(1 − 0.2f)) = 204, p = 0 → sector 1: (q, v, p) = (204, 255, 0).
    expect(Array.from(adjustHue(pixel([255, 0, 0]), 0.2).data)).toEqual([204, 255, 0]);
    // −0.2: uint8(−51) = 205; i = 4, f = 0.8235294f: t = round(255·f) = 210 → (t, p, v) = (210, 0, 255).
    expect(Array.from(adjustHue(pixel([255, 0, 0]), -0.2).data)).toEqual([210, 0, 255]);
    // Grey has no hue: unchanged.
    expect(Array.from(adjustHue(pixel([90, 90, 90]), 0.2).data)).toEqual([90, 90, 90]);
    // A round trip with no shift is the identity on fully saturated primaries.
    expect(Array.from(adjustHue(pixel([0, 0, 255]), 0).data)).toEqual([0, 0, 255]);
    expect(() => adjustHue(pixel([1, 2, 3]), 0.6)).toThrow(/not in \[-0.5, 0.5\]/);
  });

  it('draws a random order then brightness, contrast, saturation in [0.6, 1.4] and hue in [−0.2, 0.2]', () => {
    const rng = new Rng('jitter');
    for (let k = 0; k < 200; k++) {
      const d = drawColorJitter(PAPER_JITTER, rng);
      expect([...d.order].sort()).toEqual([0, 1, 2, 3]);
      for (const f of [d.brightness, d.contrast, d.saturation]) {
        expect(f).toBeGreaterThanOrEqual(0.6);
        expect(f).toBeLessThan(1.4);
      }
      expect(Math.abs(d.hue)).toBeLessThanOrEqual(0.2);
    }
    // Applied in the drawn order: brightness then contrast differs from contrast then brightness.
    const img = noise(8, 8, 'order');
    // (saturation and hue switched off: even a zero hue shift goes through HSV, which is lossy)
    const only = { brightness: 0.4, contrast: 0.4, saturation: 0, hue: 0 };
    const base = { brightness: 1.3, contrast: 0.7, saturation: 1, hue: 0 };
    const a = applyColorJitter(img, { ...base, order: [0, 1, 2, 3] }, only);
    const b = applyColorJitter(img, { ...base, order: [1, 0, 2, 3] }, only);
    expect(Array.from(a.data)).toEqual(Array.from(adjustContrast(adjustBrightness(img, 1.3), 0.7).data));
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
  });
});

describe('the training transform', () => {
  it('is 224×224, bit-identical for a seed and different across seeds', () => {
    const img = noise(300, 250, 'train');
    const a = trainTransform(img, new Rng('seed-1'));
    const b = trainTransform(img, new Rng('seed-1'));
    const c = trainTransform(img, new Rng('seed-2'));
    expect([a.width, a.height, a.data.length]).toEqual([224, 224, 224 * 224 * 3]);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
  });

  it('draws crop, flip, jitter in that order from the stream', () => {
    const img = noise(300, 250, 'order');
    const rng = new Rng('draws');
    const replay = new Rng('draws');
    const box = randomResizedCropBox(300, 250, replay);
    const flip = replay.uniform() < 0.5;
    const jitter = drawColorJitter(PAPER_JITTER, replay);
    let expected = resizeBilinear(
      { width: box.width, height: box.height, data: crop(img, box) },
      224,
      224,
    );
    if (flip) expected = flipHorizontal(expected);
    expected = applyColorJitter(expected, jitter, PAPER_JITTER);
    expect(Buffer.from(trainTransform(img, rng).data).equals(Buffer.from(expected.data))).toBe(true);
    expect(rng.state()).toEqual(replay.state());
  });
});

function crop(img: RgbImage, b: { left: number; top: number; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(b.width * b.height * 3);
  for (let y = 0; y < b.height; y++) out.set(img.data.subarray(((b.top + y) * img.width + b.left) * 3, ((b.top + y) * img.width + b.left + b.width) * 3), y * b.width * 3);
  return out;
}
