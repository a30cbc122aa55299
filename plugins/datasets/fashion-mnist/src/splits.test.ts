import { describe, expect, it } from 'vitest';
import { splitImages, splitSizes, TEST_PER_CLASS, TRAIN_PER_CLASS, type ImageRef } from './splits.js';

const FULL = { trainSize: 60000, testSize: 10000 };

function classCounts(refs: readonly ImageRef[]): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const r of refs) counts[r.label]!++;
  return counts;
}

const key = (r: ImageRef) => r.label * 10000 + r.index;

describe('fashion-mnist splits', () => {
  it('train holds images 0–5999 and test images 6000–6999 of every class, disjoint', () => {
    const train = splitImages('train', FULL, 10);
    const test = splitImages('test', FULL, 10);
    expect(train).toHaveLength(60000);
    expect(test).toHaveLength(10000);
    expect(classCounts(train)).toEqual(new Array(10).fill(TRAIN_PER_CLASS));
    expect(classCounts(test)).toEqual(new Array(10).fill(TEST_PER_CLASS));
    expect(train.every((r) => r.index < 6000)).toBe(true);
    expect(test.every((r) => r.index >= 6000 && r.index < 7000)).toBe(true);
    expect(new Set(train.map(key)).size).toBe(60000);
    expect(new Set(test.map(key)).size).toBe(10000);
  });

  it('is deterministic and not periodic in the labels', () => {
    expect(splitImages('train', FULL, 10).slice(0, 50)).toEqual(splitImages('train', FULL, 10).slice(0, 50));
    const labels = splitImages('train', FULL, 10).slice(0, 100).map((r) => r.label);
    const blocks = new Set(Array.from({ length: 10 }, (_, b) => labels.slice(b * 10, b * 10 + 10).join(',')));
    expect(blocks.size).toBeGreaterThan(1);
  });

  it('every prefix is class-balanced: trainSize/testSize subsample evenly', () => {
    for (const n of [10, 37, 1000, 2345]) {
      const counts = classCounts(splitImages('train', { trainSize: n, testSize: 10 }, 10));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    expect(classCounts(splitImages('test', { trainSize: 10, testSize: 500 }, 10))).toEqual(new Array(10).fill(50));
  });

  it('search-train and search-valid are the first and second half of train (DARTS train_portion 0.5)', () => {
    for (const sizes of [FULL, { trainSize: 1001, testSize: 10 }]) {
      const train = splitImages('train', sizes, 10);
      const a = splitImages('search-train', sizes, 10);
      const b = splitImages('search-valid', sizes, 10);
      expect(a).toEqual(train.slice(0, Math.floor(sizes.trainSize / 2)));
      expect(b).toEqual(train.slice(Math.floor(sizes.trainSize / 2)));
      expect(a.length + b.length).toBe(sizes.trainSize);
      expect(splitSizes(sizes)).toEqual({ train: sizes.trainSize, test: sizes.testSize, 'search-train': a.length, 'search-valid': b.length });
    }
  });
});
