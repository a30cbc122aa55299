import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is deterministic for equal seeds and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('splits into streams that do not depend on how much the parent has drawn', () => {
    const a = new Rng('study');
    const b = new Rng('study');
    for (let i = 0; i < 17; i++) b.uniform();
    expect(a.split('train').uniform()).toBe(b.split('train').uniform());
    expect(a.split('train').uniform()).not.toBe(a.split('search').uniform());
  });

  it('resumes exactly from a saved state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.uniform();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const next = Array.from({ length: 5 }, () => a.uniform());
    const b = Rng.fromState(saved);
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(next);
  });

  it('draws uniform integers without bias (chi-square over 7 bins)', () => {
    const rng = new Rng(1);
    const n = 70_000;
    const counts = new Array(7).fill(0);
    for (let i = 0; i < n; i++) counts[rng.int(7)]++;
    const expected = n / 7;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
    expect(chi2).toBeLessThan(22.46);
  });

  it('gives uniform floats in [0, 1) and standard normals with mean 0, variance 1', () => {
    const rng = new Rng(3);
    const u = Array.from({ length: 20_000 }, () => rng.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const z = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = z.reduce((a, b) => a + b) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.03); // 4.2 standard errors
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles into permutations and samples without replacement', () => {
    const rng = new Rng(5);
    const p = Array.from(rng.permutation(50));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const s = rng.sampleWithoutReplacement(10, 10);
    expect(new Set(s).size).toBe(10);
    expect(() => rng.sampleWithoutReplacement(3, 4)).toThrow(/k=4 > n=3/);
    expect(() => rng.int(0)).toThrow(/positive integer/);
  });
});
