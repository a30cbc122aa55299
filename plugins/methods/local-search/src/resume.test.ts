import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@naslab/core';
import { openSearchCheckpoint, QueryBudget, SEARCH_CHECKPOINT_FILE } from '@naslab/search-kit';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import { runLocalSearch } from './local-search.js';

const space = new NasBench201Space();
const fakeAccuracy = (a: Nb201Arch) => ((space.index(a) * 7919) % 1000) / 10;
const options = { initialSamples: 10 };
class Cut extends Error {}

/** One attempt of a 150-query search whose checkpoint (every 7 queries) is in `dir`; `cutAt` throws right after that save. */
async function attempt(dir: string, cutAt?: number) {
  const calls = { n: 0 };
  const budget = new QueryBudget(150, (a: Nb201Arch) => (calls.n++, fakeAccuracy(a)), (a) => space.format(a));
  const checkpoint = openSearchCheckpoint({
    dir,
    method: 'local-search',
    identity: options,
    budget,
    parse: (t) => space.parse(t),
    cadence: { everyQueries: 7 },
    afterSave: (_, saves) => {
      if (saves === cutAt) throw new Cut();
    },
  });
  const stop = await runLocalSearch(space, budget, new Rng('ls/resume'), options, checkpoint).catch((e: unknown) => {
    if (e instanceof Cut) return 'cut' as const;
    throw e;
  });
  return { stop, calls: calls.n, history: budget.history('budget'), best: budget.best };
}

describe('resuming from the checkpoint', () => {
  it('a search cut after k queries (initial samples, mid-neighbourhood, after restarts) resumes to the uninterrupted result, spending only the rest', async () => {
    const plain = await attempt(mkdtempSync(join(tmpdir(), 'ls-plain-')));
    expect(plain.stop).toBe('budget');
    let midWalk = 0;
    // 150 queries in 21 checkpoints: every other cut point, some inside a neighbourhood walk.
    for (let cutAt = 1; cutAt <= 21; cutAt += 2) {
      const dir = mkdtempSync(join(tmpdir(), 'ls-cut-'));
      const cut = await attempt(dir, cutAt);
      expect(cut.stop).toBe('cut');
      const spent = cut.calls;
      expect(spent).toBe(7 * cutAt);
      const walk = JSON.parse(readFileSync(join(dir, SEARCH_CHECKPOINT_FILE), 'utf8')).state.walk;
      if (walk && walk.next > 0 && walk.next < walk.order.length) midWalk++;
      const resumed = await attempt(dir);
      expect(resumed.stop).toBe('budget');
      expect(resumed.calls).toBe(150 - spent);
      expect(resumed.history).toEqual(plain.history);
      expect(resumed.best).toEqual(plain.best);
    }
    expect(midWalk).toBeGreaterThan(3);
  });
});
