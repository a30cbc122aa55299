import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@naslab/core';
import { openSearchCheckpoint, QueryBudget } from '@naslab/search-kit';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import { runRegularizedEvolution } from './regularized-evolution.js';

const space = new NasBench201Space();
const fakeAccuracy = (a: Nb201Arch) => ((space.index(a) * 7919) % 1000) / 10;
const options = { populationSize: 10, sampleSize: 3, mutationAttempts: 100 };
class Cut extends Error {}

/** One attempt of a 100-query search whose checkpoint (every 9 queries) is in `dir`; `cutAt` throws right after that save. */
async function attempt(dir: string, cutAt?: number) {
  const calls = { n: 0 };
  const budget = new QueryBudget(100, (a: Nb201Arch) => (calls.n++, fakeAccuracy(a)), (a) => space.format(a));
  const checkpoint = openSearchCheckpoint({
    dir,
    method: 'regularized-evolution',
    identity: options,
    budget,
    parse: (t) => space.parse(t),
    cadence: { everyQueries: 9 },
    afterSave: (_, saves) => {
      if (saves === cutAt) throw new Cut();
    },
  });
  const stop = await runRegularizedEvolution(space, budget, new Rng('re/resume'), options, checkpoint).catch((e: unknown) => {
    if (e instanceof Cut) return 'cut' as const;
    throw e;
  });
  return { stop, calls: calls.n, history: budget.history('budget'), best: budget.best };
}

describe('resuming from the checkpoint', () => {
  it('a search cut after k queries (in the initial population and after it) resumes to the uninterrupted result, spending only the rest', async () => {
    const plain = await attempt(mkdtempSync(join(tmpdir(), 're-plain-')));
    expect(plain.stop).toBe('budget');
    for (const cutAt of [1, 2, 6]) {
      const dir = mkdtempSync(join(tmpdir(), 're-cut-'));
      const cut = await attempt(dir, cutAt);
      expect(cut).toMatchObject({ stop: 'cut', calls: 9 * cutAt });
      const resumed = await attempt(dir);
      expect(resumed.stop).toBe('budget');
      expect(resumed.calls).toBe(100 - 9 * cutAt);
      expect(resumed.history).toEqual(plain.history);
      expect(resumed.best).toEqual(plain.best);
    }
  });
});
