import { describe, expect, it } from 'vitest';
import type { Benchmark } from './contracts.js';
import { observationOf, storeRefusedToSearch, withoutTestSplit } from './search-isolation.js';
import { syntheticImageDataset } from './testing.js';

describe('what a search sees', () => {
  const full: Benchmark<string> = {
    query: (a) => ({ finalAccuracy: 91, bestAccuracy: 92, source: 'benchmark:x', extra: { searchAccuracy: a === 'a' ? 88 : 87, searchSeconds: 12, test: 91 } }),
  };

  it('an observation is a frozen object with the search metric and cost only', async () => {
    const o = await observationOf(full, 'a', 'a', { dataset: 'd' }, 'x');
    expect(o).toEqual({ accuracy: 88, seconds: 12 });
    expect(Object.keys(o)).toEqual(['accuracy', 'seconds']);
    expect(Object.isFrozen(o)).toBe(true);
    expect(JSON.stringify(o)).not.toMatch(/91|92/);
  });

  it('prefers the benchmark’s observe and refuses a benchmark without a search metric (no fallback to test)', async () => {
    expect(await observationOf({ ...full, observe: () => ({ accuracy: 70 }) }, 'a', 'a', { dataset: 'd' }, 'x')).toEqual({ accuracy: 70 });
    const testOnly: Benchmark<string> = { query: () => ({ finalAccuracy: 91, bestAccuracy: 91, source: 'benchmark:y' }) };
    await expect(observationOf(testOnly, 'a', 'a', { dataset: 'd' }, 'y')).rejects.toThrow(/benchmark y gives no search accuracy for a .*never the test accuracy/);
  });

  it('a search’s dataset refuses the test split and its store refuses every use', async () => {
    const d = withoutTestSplit(syntheticImageDataset(), 'm');
    await expect(d.load('search-valid')).resolves.toMatchObject({ count: expect.any(Number) });
    await expect(async () => d.load('test')).rejects.toThrow(/m: a search job cannot read the test split/);
    const store = storeRefusedToSearch('m');
    expect(() => store.getJob('x')).toThrow(/no access to the result store/);
    expect(() => Object.keys(store)).toThrow(/no access to the result store/);
  });
});
