import { describe, expect, it } from 'vitest';
import { Rng } from '@naslab/core';
import * as ops from './ops.js';
import type { PixelImage } from './ops.js';
import { applyOperation, applyPolicyToBatch, CIFAR10_POLICY, MAGNITUDES } from './policy.js';

/** 4×4×3 fixture: pixel (x, y) = (10·x + 40·y, 200 − 10·x, 7·(x + y)). */
function fixture(): PixelImage {
  const data = new Uint8Array(4 * 4 * 3);
  for (let y = 0; y < 4; y++)
    for (let x = 0; x < 4; x++) data.set([10 * x + 40 * y, 200 - 10 * x, 7 * (x + y)], (y * 4 + x) * 3);
  return { data, height: 4, width: 4, channels: 3 };
}
const px = (img: PixelImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x + 1) * 3));
const FILL = [128, 128, 128];

describe('point operations on a 4×4×3 fixture, expected values computed by hand', () => {
  it('invert: 255 − v', () => {
    const out = ops.invert(fixture());
    expect(px(out, 2, 1)).toEqual([255 - 60, 255 - 180, 255 - 21]);
  });
  it('posterize at bin 9 (4 bits) clears the 4 low bits', () => {
    expect(MAGNITUDES.posterize[9]).toBe(4);
    const out = applyOperation(fixture(), 'posterize', 4, 1);
    expect(px(out, 3, 3)).toEqual([150 & 0xf0, 170 & 0xf0, 42 & 0xf0]); // 144, 160, 32
  });
  it('solarize at bin 5 (threshold 113.78): values ≥ threshold are inverted', () => {
    const out = applyOperation(fixture(), 'solarize', MAGNITUDES.solarize[5]!, 1);
    expect(px(out, 3, 2)).toEqual([110, 255 - 170, 35]); // R 110 < 113.78 kept
    expect(px(out, 0, 3)).toEqual([255 - 120, 255 - 200, 21]);
  });
  it('autocontrast stretches each channel to [0, 255] (int(v·scale + offset))', () => {
    const out = ops.autoContrast(fixture());
    // R spans 0..150: scale 1.7; G spans 170..200: scale 8.5; B spans 0..42: scale 255/42.
    expect(px(out, 1, 1)).toEqual([Math.trunc(50 * 1.7), Math.trunc(190 * 8.5 - 170 * 8.5), Math.trunc(14 * (255 / 42))]);
    expect(px(out, 3, 3)).toEqual([255, 0, 255]);
  });
  it('equalize follows Pillow integer recipe: counts 255/255/2 map to 0/128/255', () => {
    const data = new Uint8Array(512);
    data.fill(50, 0, 255).fill(100, 255, 510).fill(150, 510);
    const out = ops.equalize({ data, height: 16, width: 32, channels: 1 });
    // step = (512 − 2) // 255 = 2; lut[v] = (1 + count below v) // 2
    expect([out.data[0], out.data[300], out.data[511]]).toEqual([0, 128, 255]);
  });
});

describe('enhancements: blend with a degenerate image in float32, truncated', () => {
  it('color at factor 1.9 extrapolates from the luma and clips', () => {
    const img = { data: Uint8Array.from([200, 100, 50]), height: 1, width: 1, channels: 3 };
    // luma = (200·19595 + 100·38470 + 50·7471 + 32768) >> 16 = 124
    expect(ops.luma(200, 100, 50)).toBe(124);
    expect(Array.from(ops.color(img, 1.9).data)).toEqual([255, 78, 0]); // 268.4, 78.4, −16.6
  });
  it('brightness at bin 5 with sign −1 (factor 0.5) halves and truncates', () => {
    const out = applyOperation(fixture(), 'brightness', MAGNITUDES.brightness[5]!, -1);
    expect(px(out, 1, 3)).toEqual([65, 95, 14]); // 130·0.5, 190·0.5 = 95, 28·0.5
    expect(px(out, 1, 2)).toEqual([45, 95, 10]); // 90·0.5, 95, 21·0.5 = 10.5 → 10
  });
  it('contrast at factor 0 is the uniform mean-luma image', () => {
    const img = fixture();
    let sum = 0;
    for (let p = 0; p < 16; p++) sum += ops.luma(img.data[3 * p]!, img.data[3 * p + 1]!, img.data[3 * p + 2]!);
    const mean = Math.trunc(sum / 16 + 0.5);
    expect(new Set(ops.contrast(img, 0).data)).toEqual(new Set([mean]));
  });
  it('sharpness keeps the border and extrapolates from the 3×3 SMOOTH blur inside', () => {
    const img = fixture();
    const out = ops.sharpness(img, 1.9);
    expect(px(out, 0, 2)).toEqual(px(img, 0, 2));
    expect(px(out, 3, 1)).toEqual(px(img, 3, 1));
    // R channel at (1, 1) is 50, its neighbours are 0,10,20,40,60,80,90,100 (sum 400):
    // blur = (400 + 5·50)/13 = 50 → out = 50. G at (1,1) = 190, neighbours 200,190,180 ×2 + 200,180 = 1520:
    // blur = (1520 + 950)/13 = 190 → 190. B: centre 14, neighbours 0,7,14,7,21,14,21,28 = 112: (112+70)/13 = 14.
    expect(px(out, 1, 1)).toEqual([50, 190, 14]);
    // A spike: centre 130 among zeros: blur = round(650/13) = 50; out = 50 + 1.9·80 = 202.
    const spike = { data: new Uint8Array(9), height: 3, width: 3, channels: 1 };
    spike.data[4] = 130;
    expect(ops.sharpness(spike, 1.9).data[4]).toBe(202);
  });
});

describe('geometric operations: the reference affine maps, fill 128', () => {
  it('translateX at bin 9, sign +1 (1.81 px): input x = ⌊x + ½ + 1.81⌋, columns 2,3 move to 0,1', () => {
    const img = fixture();
    const out = applyOperation(img, 'translateX', MAGNITUDES.translateX[9]!, 1);
    for (let y = 0; y < 4; y++) {
      expect(px(out, 0, y)).toEqual(px(img, 2, y));
      expect(px(out, 1, y)).toEqual(px(img, 3, y));
      expect(px(out, 2, y)).toEqual(FILL);
      expect(px(out, 3, y)).toEqual(FILL);
    }
  });
  it('translateY at bin 9, sign −1: rows 0,1 move to 2,3', () => {
    const img = fixture();
    const out = applyOperation(img, 'translateY', MAGNITUDES.translateY[9]!, -1);
    for (let x = 0; x < 4; x++) {
      expect(px(out, x, 0)).toEqual(FILL);
      expect(px(out, x, 1)).toEqual(FILL);
      expect(px(out, x, 2)).toEqual(px(img, x, 0));
      expect(px(out, x, 3)).toEqual(px(img, x, 1));
    }
  });
  it('shearX at 0.3: rows shift by 0.3·(y+½); samples past the right edge are filled', () => {
    // Rows constant along x: the cubic reproduces the row value wherever the sample lands.
    const data = new Uint8Array(16 * 3);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) data.set([10 + y, 20 + y, 30 + y], (y * 4 + x) * 3);
    const img = { data, height: 4, width: 4, channels: 3 };
    const out = ops.shearX(img, 0.3, 128);
    expect(px(out, 3, 1)).toEqual([11, 21, 31]); // 3.5 + 0.45 = 3.95 < 4
    expect(px(out, 3, 2)).toEqual(FILL); // 3.5 + 0.75 = 4.25 ≥ 4
    expect(px(out, 3, 3)).toEqual(FILL);
    expect(px(out, 0, 3)).toEqual([13, 23, 33]);
    // Pillow's cubic on the R ramp 0,10,20,30 of row 0 at (x=1): sample 1.5 + 0.15 − ½ = 1.15,
    // taps x = 0,1,2,3, d = 0.15: v = 10 + d(20 + d(−30 + d·0)) = 12.325 → 12
    expect(ops.shearX(fixture(), 0.3, 128).data[3]).toBe(12);
  });
  it('shearY at −0.3 fills the samples above the top edge', () => {
    const out = ops.shearY(fixture(), -0.3, 128);
    expect(px(out, 3, 0)).toEqual(FILL); // y_in = 0.5 − 0.3·3.5 = −0.55
    expect(px(out, 0, 0)).toEqual(px(fixture(), 0, 0)); // 0.5 − 0.15 → row 0, d = 0 on x
  });
  it('rotate 30° counter-clockwise: nearest sample of the inverse map at pixel centres', () => {
    const img = fixture();
    const out = applyOperation(img, 'rotate', MAGNITUDES.rotate[9]!, 1);
    const c = Math.cos(Math.PI / 6);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) {
        const u = x + 0.5 - 2;
        const v = y + 0.5 - 2;
        const sx = Math.floor(c * u - 0.5 * v + 2);
        const sy = Math.floor(0.5 * u + c * v + 2);
        const inside = sx >= 0 && sx < 4 && sy >= 0 && sy < 4;
        expect(px(out, x, y)).toEqual(inside ? px(img, sx, sy) : FILL);
      }
  });
  it('rotate by 0 (bin 0) is the identity', () => {
    expect(applyOperation(fixture(), 'rotate', 0, 1).data).toEqual(fixture().data);
  });
});

describe('policy', () => {
  it('has the 25 CIFAR-10 sub-policies with bins in 0..9', () => {
    expect(CIFAR10_POLICY).toHaveLength(25);
    for (const s of CIFAR10_POLICY) {
      expect(s.bin1).toBeGreaterThanOrEqual(0);
      expect(s.bin2).toBeLessThanOrEqual(9);
    }
  });
  it('applies in place per image, reproducibly for a seed, and changes some images', () => {
    const n = 64;
    const pixels = new Uint8Array(n * 48);
    const init = new Rng(1);
    for (let i = 0; i < pixels.length; i++) pixels[i] = init.int(256);
    const a = applyPolicyToBatch(pixels.slice(), n, [4, 4, 3], new Rng('aa'));
    const b = applyPolicyToBatch(pixels.slice(), n, [4, 4, 3], new Rng('aa'));
    expect(a).toEqual(b);
    let changed = 0;
    for (let i = 0; i < n; i++) if (Buffer.compare(a.subarray(i * 48, (i + 1) * 48), pixels.subarray(i * 48, (i + 1) * 48)) !== 0) changed++;
    expect(changed).toBeGreaterThan(n / 4);
    expect(changed).toBeLessThan(n);
  });
});
