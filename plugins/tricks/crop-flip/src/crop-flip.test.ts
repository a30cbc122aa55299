import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { cropAndFlip } from './crop-flip.js';

const image = (h: number, w: number, c: number) => Uint8Array.from({ length: h * w * c }, (_, i) => (i % 250) + 1);

describe('cropAndFlip', () => {
  it('is the identity without padding and flip', () => {
    const px = image(4, 4, 3);
    const before = px.slice();
    cropAndFlip(px, 1, [4, 4, 3], { padding: 0, flip: false, fill: 0 }, new Rng(1));
    expect(px).toEqual(before);
  });

  it('shifts by the drawn offset and fills the uncovered border', () => {
    // Find a seed whose first draws give offset (top, left) = (+1, -2) with padding 2: int(5) → 3, 0.
    let seed = 0;
    for (; seed < 1000; seed++) {
      const r = new Rng(seed);
      if (r.int(5) === 3 && r.int(5) === 0) break;
    }
    const px = image(5, 5, 1);
    const src = px.slice();
    cropAndFlip(px, 1, [5, 5, 1], { padding: 2, flip: false, fill: 7 }, new Rng(seed));
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 5; x++) {
        const sy = y + 1;
        const sx = x - 2;
        const expected = sy < 5 && sx >= 0 ? src[sy * 5 + sx] : 7;
        expect(px[y * 5 + x]).toBe(expected);
      }
  });

  it('mirrors about half the images and keeps pixel values of the others', () => {
    const n = 2000;
    const px = new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) px.set([10, 20], i * 2);
    cropAndFlip(px, n, [1, 2, 1], { padding: 0, flip: true, fill: 0 }, new Rng(3));
    let flipped = 0;
    for (let i = 0; i < n; i++) {
      const pair = [px[2 * i], px[2 * i + 1]];
      expect([[10, 20], [20, 10]]).toContainEqual(pair);
      if (pair[0] === 20) flipped++;
    }
    // Binomial(2000, 1/2): 4 standard deviations ≈ 89.
    expect(Math.abs(flipped - n / 2)).toBeLessThan(90);
  });

  it('draws crop offsets uniformly over [-padding, padding]', () => {
    const counts = new Map<number, number>();
    const rng = new Rng(9);
    for (let i = 0; i < 9000; i++) {
      // A single bright pixel in the middle of a 9×9 image moves by (top, left).
      const px = new Uint8Array(81);
      px[40] = 255;
      cropAndFlip(px, 1, [9, 9, 1], { padding: 4, flip: false, fill: 0 }, rng);
      const at = px.indexOf(255);
      const dy = 4 - Math.floor(at / 9);
      counts.set(dy, (counts.get(dy) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(130); // ~4.2 sd
  });
});
