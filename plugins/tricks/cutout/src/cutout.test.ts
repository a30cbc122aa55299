import { describe, expect, it } from 'vitest';
import { Rng } from '@naslab/core';
import { applyCutout, cutoutMask, drawHole } from './cutout.js';

function batch(count: number, h: number, w: number, c: number): Float32Array {
  const data = new Float32Array(count * h * w * c);
  for (let i = 0; i < data.length; i++) data[i] = 1 + (i % 97) / 10; // never 0
  return data;
}

describe('cutout', () => {
  it('zeroes exactly one length×length square per image (interior centre), other pixels untouched', () => {
    const [h, w, c, L] = [32, 32, 3, 16];
    for (let seed = 0; seed < 20; seed++) {
      const original = batch(1, h, w, c);
      const hole = drawHole(h, w, L, new Rng(seed));
      const out = applyCutout(original.slice(), [1, h, w, c], { length: L, holes: 1 }, new Rng(seed));
      let wrong = 0;
      let zeroed = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            const i = (y * w + x) * c + ch;
            const inside = y >= hole.y1 && y < hole.y2 && x >= hole.x1 && x < hole.x2;
            if (out[i] !== (inside ? 0 : original[i])) wrong++;
            if (out[i] === 0) zeroed++;
          }
      expect(wrong).toBe(0);
      expect(zeroed).toBe((hole.y2 - hole.y1) * (hole.x2 - hole.x1) * c);
      // The square is L×L before clipping: each side is L minus what the border cut.
      expect(hole.y2 - hole.y1).toBeLessThanOrEqual(L);
      const unclippedY = hole.y1 > 0 && hole.y2 < h;
      if (unclippedY) expect(hole.y2 - hole.y1).toBe(L);
    }
  });

  it('clips the square at the borders: centre (0,0) cuts [0,8)², centre (31,31) cuts [23,32)²', () => {
    // A stand-in stream that returns the given centre (y first, then x), as the reference draws.
    const fixed = (...values: number[]) => ({ int: () => values.shift()! }) as unknown as Rng;
    expect(drawHole(32, 32, 16, fixed(0, 0))).toEqual({ y1: 0, y2: 8, x1: 0, x2: 8 });
    expect(drawHole(32, 32, 16, fixed(31, 31))).toEqual({ y1: 23, y2: 32, x1: 23, x2: 32 });
    expect(drawHole(32, 32, 16, fixed(10, 20))).toEqual({ y1: 2, y2: 18, x1: 12, x2: 28 });
    const mask = cutoutMask(1, 32, 32, { length: 16, holes: 1 }, fixed(31, 0));
    expect(mask.reduce((s, v) => s + (v === 0 ? 1 : 0), 0)).toBe(9 * 8);
    expect(mask[31 * 32 + 0]).toBe(0);
    expect(mask[22 * 32 + 0]).toBe(1);
    expect(mask[31 * 32 + 8]).toBe(1);
  });

  it('draws a hole centre uniform over the image (each row about equally often)', () => {
    const rng = new Rng('uniform');
    const counts = new Array<number>(8).fill(0);
    const draws = 8000;
    for (let i = 0; i < draws; i++) {
      const hole = drawHole(8, 8, 2, rng); // centre y = y1 + 1 unless clipped at the top
      counts[hole.y2 - 1]! += 1;
    }
    for (const k of counts) expect(Math.abs(k - draws / 8)).toBeLessThan(5 * Math.sqrt((draws / 8) * (7 / 8)));
  });

  it('uses independent holes per image and n holes when asked', () => {
    const mask = cutoutMask(50, 16, 16, { length: 4, holes: 2 }, new Rng(9));
    const perImage = Array.from({ length: 50 }, (_, n) => mask.subarray(n * 256, (n + 1) * 256).reduce((s, v) => s + (1 - v), 0));
    expect(Math.max(...perImage)).toBeGreaterThan(16); // two holes can cover more than one
    expect(new Set(perImage.map(String)).size).toBeGreaterThan(1);
  });
});
