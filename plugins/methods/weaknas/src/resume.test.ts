import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type RngState, type SearchContext, type SearchObservation } from '@naslab/core';
import { builtinCpuBackend } from '@naslab/engine';
import { SEARCH_CHECKPOINT_FILE } from '@naslab/search-kit';
import { NasBench201Space, type Nb201Arch } from '@naslab/space-nas-bench-201';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

const space = new NasBench201Space();
const fakeAccuracy = (a: Nb201Arch) => ((space.index(a) * 7919) % 1000) / 10;

/**
 * One attempt of the plugin's search in `dir`, as a study job runs it: observations are noisy,
 * drawn from a stream the checkpoint must carry (`queryStream`), and `abortAfter` aborts the job's
 * signal after that many benchmark calls (the next query throws, as a cut job's would).
 */
async function attempt(dir: string, abortAfter?: number) {
  const options = plugin.options!.parse({ queries: 40, initialSamples: 10, samplesPerIteration: 10, topK: 20, hiddenLayers: [8], epochs: 5 });
  const method = await plugin.create({ options, label: 'weaknas', resolve: () => { throw new Error('unused'); } });
  const abort = new AbortController();
  let calls = 0;
  let observations = new Rng('observations');
  const query = async (a: Nb201Arch): Promise<SearchObservation> => {
    calls++;
    if (calls === abortAfter) abort.abort(new Error('cut'));
    return { accuracy: fakeAccuracy(a) + observations.int(5) };
  };
  const queryStream = { state: () => observations.state(), restore: (s: RngState) => void (observations = Rng.fromState(s)) };
  const ctx = { space, rng: new Rng('wn/resume'), signal: abort.signal, checkpointDir: dir, query, queryStream, backends: [builtinCpuBackend], threads: 1 };
  const result = await method.search(ctx as unknown as SearchContext<Nb201Arch>).catch((e: Error) => e);
  return { result, calls };
}

describe('resuming from the checkpoint', () => {
  it('a search cut mid-iteration resumes from the last iteration boundary to the uninterrupted result, spending only the rest', async () => {
    const plain = await attempt(mkdtempSync(join(tmpdir(), 'wn-plain-')));
    expect(plain.calls).toBe(40);
    expect(plain.result).not.toBeInstanceOf(Error);
    const dir = mkdtempSync(join(tmpdir(), 'wn-cut-'));
    // Cut in the third batch: the checkpoint after the first iteration's batch (20 queries, iteration 2 next) holds.
    const cut = await attempt(dir, 25);
    expect(cut.result).toBeInstanceOf(Error);
    const saved = JSON.parse(readFileSync(join(dir, SEARCH_CHECKPOINT_FILE), 'utf8'));
    expect(saved.budget.trajectory).toHaveLength(20);
    expect(saved.state.iteration).toBe(2);
    const resumed = await attempt(dir);
    expect(resumed.calls).toBe(40 - 20);
    expect(resumed.result).toEqual(plain.result);
    // Done: the checkpoint is removed, so a later run of the folder starts afresh.
    expect(() => readFileSync(join(dir, SEARCH_CHECKPOINT_FILE))).toThrow(/ENOENT/);
  });
});
