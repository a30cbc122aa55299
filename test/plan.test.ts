import { describe, expect, it } from 'vitest';
import { naslab, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

describe('naslab plan', () => {
  const dir = tempDir();
  const extra = `  - id: '@acme/naslab-method-foo'\n    name: foo-long\n    options: { tries: 20 }`;
  const file = writeManifest(dir, 'grid.yaml', toyManifest({ datasets: 2, seeds: 3, outputs: 2, extraMethods: extra }));

  it('expands 2 datasets × 3 methods × 3 seeds into the expected DAG', () => {
    const r = naslab(['plan', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.stdout) as { id: string; kind: string; parents: string[]; dataset: string; method: string; seed: number }[];
    // Per dataset × method × seed: one search; per returned architecture one train + one evaluate.
    // random-sampling returns 2 architectures, foo and foo-long 1 each: (1 + 2·2) + (1 + 2) + (1 + 2) = 11 per cell of 6.
    expect(jobs.filter((j) => j.kind === 'search')).toHaveLength(2 * 3 * 3);
    expect(jobs.filter((j) => j.kind === 'train')).toHaveLength(2 * 3 * (2 + 1 + 1));
    expect(jobs.filter((j) => j.kind === 'evaluate')).toHaveLength(2 * 3 * (2 + 1 + 1));
    expect(jobs).toHaveLength(18 + 24 + 24);
    const ids = new Set(jobs.map((j) => j.id));
    expect(ids.size).toBe(jobs.length);
    // Parents come first and exist.
    const seen = new Set<string>();
    for (const j of jobs) {
      for (const p of j.parents) expect(seen.has(p)).toBe(true);
      seen.add(j.id);
    }
    expect(new Set(jobs.map((j) => j.dataset))).toEqual(new Set(['toy0', 'toy1']));
    expect(new Set(jobs.map((j) => j.method))).toEqual(new Set(['random-sampling', 'foo', 'foo-long']));
    expect(new Set(jobs.map((j) => j.seed))).toEqual(new Set([0, 1, 2]));
  });

  it('gives the same job ids for the same manifest, and new ids when an input changes', () => {
    const a = JSON.parse(naslab(['plan', file, '--json']).stdout) as { id: string }[];
    const b = JSON.parse(naslab(['plan', file, '--json']).stdout) as { id: string }[];
    expect(b.map((j) => j.id)).toEqual(a.map((j) => j.id));
    const changed = writeManifest(dir, 'changed.yaml', toyManifest({ datasets: 2, seeds: 3, outputs: 2, extraMethods: extra, epochs: 4 }));
    const c = JSON.parse(naslab(['plan', changed, '--json']).stdout) as { id: string; kind: string }[];
    // Searches do not depend on the training protocol; train and evaluate jobs do.
    const kinds = (jobs: { id: string; kind: string }[], k: string) => jobs.filter((j) => j.kind === k).map((j) => j.id);
    expect(kinds(c, 'search')).toEqual(kinds(a as { id: string; kind: string }[], 'search'));
    expect(kinds(c, 'train').some((id) => kinds(a as { id: string; kind: string }[], 'train').includes(id))).toBe(false);
  });

  it('prints a readable plan without --json', () => {
    const r = naslab(['plan', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/66 jobs — 18 search, 24 train, 24 evaluate/);
  });
});
