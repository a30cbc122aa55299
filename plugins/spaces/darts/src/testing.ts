/**
 * Test support for the weight-sharing methods on this space's supernet (`@naslab/space-darts/testing`):
 * a tiny synthetic dataset, a search context on it, and the kill/resume harness their search
 * tests share. Only tests import it; no runtime code path does.
 */
import { cpSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Rng, type Dataset, type DatasetSplit, type ImageSet, type SearchContext, type SearchMethod, type SearchResult, type SearchSpace } from '@naslab/core';
import { builtinCpuBackend } from '@naslab/engine';

/** `perSplit` 8×8 grey images per split, of 3 classes (a bright quadrant per class plus noise). */
export function syntheticDataset(perSplit = 4): Dataset {
  const make = (split: DatasetSplit): ImageSet => {
    const r = new Rng(`synthetic/${split}`);
    const pixels = new Uint8Array(perSplit * 64);
    const labels = new Uint8Array(perSplit);
    for (let i = 0; i < perSplit; i++) {
      const label = i % 3;
      labels[i] = label;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          const bright = (label === 0 && y < 4) || (label === 1 && x < 4) || (label === 2 && x >= 4 && y >= 4);
          pixels[i * 64 + y * 8 + x] = Math.min(255, (bright ? 180 : 40) + r.int(60));
        }
    }
    return { pixels, labels, count: perSplit, shape: [8, 8, 1] };
  };
  return {
    info: {
      name: 'synthetic',
      classes: 3,
      shape: [8, 8, 1],
      mean: [0.4],
      std: [0.3],
      sizes: { train: 2 * perSplit, test: perSplit, 'search-train': perSplit, 'search-valid': perSplit },
    },
    load: async (split) => make(split),
  };
}

/** Search contexts on `space` over the synthetic dataset, each with a fresh checkpoint folder; `cleanup` removes the folders. */
export interface SearchFixture<G> {
  context(seed: number, extra?: Partial<SearchContext<G>>): Promise<SearchContext<G>>;
  cleanup(): Promise<void>;
}

/** A fixture whose checkpoint folders are named `naslab-<name>-…` in the system's temp folder. */
export function searchFixture<G>(name: string, space: () => SearchSpace<G>): SearchFixture<G> {
  const dirs: string[] = [];
  return {
    context: async (seed, extra = {}) => {
      const dir = await mkdtemp(join(tmpdir(), `naslab-${name}-`));
      dirs.push(dir);
      return {
        space: space(),
        dataset: syntheticDataset(),
        rng: new Rng(seed),
        seed,
        logger: createLogger({ level: 'error' } as never),
        signal: new AbortController().signal,
        checkpointDir: dir,
        threads: 1,
        backends: [builtinCpuBackend],
        recordMetric: () => {},
        ...extra,
      };
    },
    cleanup: async () => {
      for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
    },
  };
}

/** The context with a recordMetric that copies its checkpoint folder into `to` after `epochs` epochs. */
export function snapshotAfter<G>(ctx: SearchContext<G>, epochs: number, to: string): SearchContext<G> {
  let seen = 0;
  return { ...ctx, recordMetric: () => void (++seen === epochs && cpSync(ctx.checkpointDir, to, { recursive: true })) };
}

/** What `killAndResume` returns: the uninterrupted search, and the one resumed from its mid-search checkpoint. */
export interface KilledAndResumed<G> {
  readonly full: SearchResult<G>;
  readonly resumed: SearchResult<G>;
}

/**
 * The kill/resume harness: one uninterrupted search on `context(seed)`, whose checkpoint after
 * `afterEpochs` epochs is copied into a second context (what a kill there leaves behind); a
 * search on that second context with an aborted signal must fail with the abort's reason
 * (`killed`); then the search resumes there to the end.
 */
export async function killAndResume<G>(
  method: SearchMethod<G>,
  context: (seed: number) => Promise<SearchContext<G>>,
  seed: number,
  afterEpochs: number,
): Promise<KilledAndResumed<G>> {
  const killedAt = await context(seed);
  const full = await method.search(snapshotAfter(await context(seed), afterEpochs, killedAt.checkpointDir));
  const abort = new AbortController();
  abort.abort(new Error('killed'));
  const killed = await method.search({ ...killedAt, signal: abort.signal }).then(
    () => new Error('the search with an aborted signal did not stop'),
    (e: unknown) => (e instanceof Error && e.message.includes('killed') ? null : (e as Error)),
  );
  if (killed) throw killed;
  return { full, resumed: await method.search(killedAt) };
}
