import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, z, type EnumerableSpace, type Logger, type RngState, type SearchContext } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { defineQueryMethod } from './define-query-method.js';
import { QueryBudget } from './query-budget.js';
import { runRandomSearch } from './random-search.js';
import { openSearchCheckpoint, SEARCH_CHECKPOINT_FILE, type SearchCheckpointOptions } from './search-checkpoint.js';

/** 500 architectures 0..499; architecture i scores (i × 37) mod 101. */
const space = {
  size: 500,
  atIndex: (i: number) => i,
  sample: (rng: Rng) => rng.int(500),
  format: (a: number) => `a${a}`,
  parse: (text: string) => Number(text.slice(1)),
} as unknown as EnumerableSpace<number>;
const score = (a: number) => (a * 37) % 101;

class Cut extends Error {}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warnings, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {}, child: () => logger };
  return logger;
}

/** A budget that counts its benchmark calls, and its checkpoint in `dir`. */
function setup(dir: string, queries: number, extra: Partial<SearchCheckpointOptions<number>> = {}) {
  const calls = { n: 0 };
  const budget = new QueryBudget<number>(queries, (a) => (calls.n++, score(a)), space.format);
  const checkpoint = openSearchCheckpoint({ dir, method: 'random-search', identity: { queries }, budget, parse: space.parse, cadence: { everyQueries: 7 }, ...extra });
  return { calls, budget, checkpoint };
}

describe('QueryBudget snapshot and restore', () => {
  it('takes over the queries without evaluating them: same trajectory, best, seconds; the rest of the budget only', async () => {
    const a = new QueryBudget<number>(6, (x) => ({ accuracy: score(x), seconds: x }), space.format, { timeBudget: 1000 });
    for (const x of [3, 40, 7]) await a.query(x);
    let calls = 0;
    const b = new QueryBudget<number>(6, (x) => (calls++, { accuracy: score(x), seconds: x }), space.format, { timeBudget: 1000 });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())), space.parse);
    expect(calls).toBe(0);
    expect(b.trajectory).toEqual(a.trajectory);
    expect(b.best).toEqual(a.best);
    expect(b.seconds).toBe(50);
    expect(b.remaining).toBe(3);
    expect(b.isFresh(40)).toBe(false);
    await expect(b.query(40)).rejects.toThrow(/already queried/);
  });

  it('refuses a snapshot of another budget, or one whose records do not follow, and stays unused', async () => {
    const a = new QueryBudget<number>(4, score, space.format);
    for (const x of [1, 2]) await a.query(x);
    const snap = a.snapshot();
    expect(() => new QueryBudget<number>(5, score, space.format).restore(snap, space.parse)).toThrow(/budget is 4 queries/);
    expect(() => new QueryBudget<number>(4, score, space.format, { allowRepeats: true }).restore(snap, space.parse)).toThrow(/repeats/);
    const forged = new QueryBudget<number>(4, score, space.format);
    expect(() => forged.restore({ ...snap, trajectory: [snap.trajectory[0]!, { ...snap.trajectory[1]!, best: 99 }] }, space.parse)).toThrow(/best does not follow/);
    expect(forged.used).toBe(0);
    expect(forged.best).toBeUndefined();
  });
});

describe('search checkpoint', () => {
  it('random search cut right after a checkpoint resumes to the uninterrupted result, spending only the remaining queries', async () => {
    const plain = setup(mkdtempSync(join(tmpdir(), 'ckpt-plain-')), 60);
    expect(await runRandomSearch(space, plain.budget, new Rng('rs'), plain.checkpoint)).toBe('budget');

    const dir = mkdtempSync(join(tmpdir(), 'ckpt-cut-'));
    // Cut after the third checkpoint (21 queries), as a kill right after writing it would.
    const cut = setup(dir, 60, { afterSave: (_, saves) => { if (saves === 3) throw new Cut(); } });
    await expect(runRandomSearch(space, cut.budget, new Rng('rs'), cut.checkpoint)).rejects.toThrow(Cut);
    expect(cut.calls.n).toBe(21);
    const saved = JSON.parse(readFileSync(join(dir, SEARCH_CHECKPOINT_FILE), 'utf8'));
    expect(saved.budget.trajectory).toHaveLength(21);

    const resumed = setup(dir, 60);
    expect(await runRandomSearch(space, resumed.budget, new Rng('rs'), resumed.checkpoint)).toBe('budget');
    expect(resumed.calls.n).toBe(60 - 21);
    expect(resumed.budget.history('budget')).toEqual(plain.budget.history('budget'));
    expect(resumed.budget.best).toEqual(plain.budget.best);
  });

  it('ignores, with a warning, a checkpoint of other options, another method, another version or a corrupt one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-bad-'));
    const first = setup(dir, 30, { afterSave: (_, saves) => { if (saves === 2) throw new Cut(); } });
    await expect(runRandomSearch(space, first.budget, new Rng('rs'), first.checkpoint)).rejects.toThrow(Cut);
    const file = join(dir, SEARCH_CHECKPOINT_FILE);
    const good = readFileSync(file, 'utf8');
    const content = JSON.parse(good);

    const cases: [string, () => void, RegExp, Partial<SearchCheckpointOptions<number>>?][] = [
      ['options', () => writeFileSync(file, good), /other options or another seed/, { identity: { queries: 31 } }],
      ['method', () => writeFileSync(file, good), /written by random-search/, { method: 'local-search' }],
      ['version', () => writeFileSync(file, JSON.stringify({ ...content, version: 99 })), /format version 99/],
      ['truncated', () => writeFileSync(file, good.slice(0, good.length / 2)), /not JSON/],
      ['stream', () => writeFileSync(file, JSON.stringify({ ...content, state: { ...content.state, rng: new Rng('other').state() } })), /corrupt: no state of the stream rs/],
      ['trajectory', () => writeFileSync(file, JSON.stringify({ ...content, budget: { ...content.budget, trajectory: content.budget.trajectory.slice(1) } })), /corrupt: snapshot query 1 is malformed/],
    ];
    for (const [what, write, warning, extra] of cases) {
      write();
      const logger = recordingLogger();
      const run = setup(dir, 30, { logger, ...extra });
      await runRandomSearch(space, run.budget, new Rng('rs'), run.checkpoint);
      expect(logger.warnings, what).toHaveLength(1);
      expect(logger.warnings[0], what).toMatch(warning);
      // Nothing of it trusted: the whole budget spent afresh.
      expect(run.calls.n, what).toBe(30);
    }
  });

  it('saveIfDue writes every N queries; save always; the file is replaced whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-cadence-'));
    const saves: number[] = [];
    const { budget, checkpoint } = setup(dir, 20, { afterSave: () => saves.push(budget.used) });
    await runRandomSearch(space, budget, new Rng('rs'), checkpoint);
    expect(saves).toEqual([7, 14]);
    checkpoint.save({ done: true });
    expect(JSON.parse(readFileSync(join(dir, SEARCH_CHECKPOINT_FILE), 'utf8'))).toMatchObject({ version: 1, method: 'random-search', state: { done: true } });
    checkpoint.discard();
    expect(() => readFileSync(join(dir, SEARCH_CHECKPOINT_FILE))).toThrow(/ENOENT/);
  });
});

describe('defineQueryMethod with a checkpoint folder', () => {
  const method = defineQueryMethod({
    id: 'random-search-every-5',
    options: z.object({ queries: z.number(), allowRepeats: z.boolean().default(false) }),
    checkpointCadence: { everyQueries: 5 },
    search: ({ space, budget, rng, checkpoint }) => runRandomSearch(space, budget, rng, checkpoint),
  });

  /** One job attempt: noisy observations with simulated seconds under a time budget, cut by aborting the signal after `abortAfter` calls. */
  async function attempt(dir: string, abortAfter?: number) {
    const abort = new AbortController();
    let calls = 0;
    let observations = new Rng('observations');
    const ctx = {
      space,
      rng: new Rng('job'),
      signal: abort.signal,
      checkpointDir: dir,
      timeBudget: 1e6,
      query: async (a: number) => {
        if (++calls === abortAfter) abort.abort(new Error('cut'));
        return { accuracy: score(a) + observations.int(3), seconds: 10 + (a % 7) };
      },
      queryStream: { state: () => observations.state(), restore: (s: RngState) => void (observations = Rng.fromState(s)) },
      logger: recordingLogger(),
    };
    const search = await method.create({ options: { queries: 40, allowRepeats: false }, label: 'rs', resolve: () => { throw new Error('unused'); } });
    const result = await search.search(ctx as unknown as SearchContext<number>).catch((e: Error) => e);
    return { result, calls };
  }

  it('a job cut after 23 queries resumes from the checkpoint at 20: the uninterrupted result and cost, 20 more queries', async () => {
    const plain = await attempt(mkdtempSync(join(tmpdir(), 'ckpt-job-plain-')));
    expect(plain.calls).toBe(40);
    expect(plain.result).toMatchObject({ cost: { queries: 40 } });
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-job-cut-'));
    expect((await attempt(dir, 23)).result).toBeInstanceOf(Error);
    const resumed = await attempt(dir);
    expect(resumed.calls).toBe(20);
    expect(resumed.result).toEqual(plain.result);
    expect((resumed.result as { cost: { simulatedSeconds: number } }).cost.simulatedSeconds).toBeGreaterThan(400);
    expect(existsSync(join(dir, SEARCH_CHECKPOINT_FILE))).toBe(false);
  });
});
