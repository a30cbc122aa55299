import { describe, expect, it } from 'vitest';
import { Rng } from '@naslab/core';
import { dropPathMask, dropPathProbability } from './drop-path.js';

describe('drop-path maths', () => {
  it('ramps p linearly as DARTS train.py (0-based epoch) or keeps it constant', () => {
    expect(dropPathProbability(0.2, 0, 600, 'linear')).toBe(0);
    expect(dropPathProbability(0.2, 300, 600, 'linear')).toBeCloseTo(0.1, 15);
    expect(dropPathProbability(0.2, 599, 600, 'linear')).toBeCloseTo(0.2 * (599 / 600), 15);
    expect(dropPathProbability(0.2, 0, 600, 'constant')).toBe(0.2);
  });

  it('keeps a fraction 1 − p of samples within a 4σ binomial bound, and scales kept ones by exactly 1/(1 − p)', () => {
    for (const p of [0.1, 0.2, 0.5]) {
      const n = 100_000;
      const mask = dropPathMask(n, p, new Rng(`p${p}`));
      let kept = 0;
      const scaled = new Set<number>();
      for (const v of mask) {
        if (v !== 0) {
          kept++;
          scaled.add(v);
        }
      }
      expect([...scaled]).toEqual([Math.fround(1 / (1 - p))]);
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(kept - n * (1 - p))).toBeLessThan(4 * sigma);
    }
  });

  it('keeps the expected value: mean multiplier ≈ 1', () => {
    const mask = dropPathMask(200_000, 0.3, new Rng('mean'));
    const mean = mask.reduce((s, v) => s + v, 0) / mask.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.02);
  });

  it('drops nothing at p = 0', () => {
    expect(Array.from(dropPathMask(5, 0, new Rng(1)))).toEqual([1, 1, 1, 1, 1]);
  });
});
