import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naslab, repoRoot } from './helpers/cli.js';

// The ENAS and NSGA-Net micro spaces through the CLI: the published counts, located input errors,
// and their toy random-baseline manifests validated and planned.
describe('naslab arch on the enas-micro and nsganet-micro spaces', { timeout: 60_000 }, () => {
  it('ENAS (repo arc) at F = 36, 17 layers: 3,894,372 parameters; NSGANet at 34 / +4 / SE: 2,419,860', () => {
    const enas = naslab(['arch', 'ENAS', '--space', 'enas-micro', '--json', '--no-flops']);
    expect(enas.stderr).toBe('');
    expect(JSON.parse(enas.stdout)).toMatchObject({ space: 'enas-micro', cells: 17, channels: 36, params: 3_894_372 });
    const text = '2 0 0 0 6 0 0 0 6 1 3 3 0 1 4 3 3 1 3 0 1 0 3 1 5 1 0 0 2 2 6 1 2 2 1 1 6 1 5 1';
    const nsga = naslab(['arch', text, '--space', 'nsganet-micro', '--json', '--no-flops']);
    expect(JSON.parse(nsga.stdout)).toMatchObject({ space: 'nsganet-micro', architecture: text, cells: 20, channels: 34, params: 2_419_860 });
  });

  it('malformed native text: exit 2 and the position, no stack trace', () => {
    const r = naslab(['arch', `${'0 0 0 0 '.repeat(9)}0 0 0 5`, '--space', 'enas-micro', '--no-flops']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/<architecture>:1:79: reduce cell, node 6, y_op: op 5 is not an ENAS op/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the toy random-baseline manifests of the two spaces', { timeout: 60_000 }, () => {
  for (const [file, space] of [
    ['random-enas-micro-tiny.yaml', 'enas-micro'],
    ['random-nsganet-micro-tiny.yaml', 'nsganet-micro'],
  ] as const) {
    it(`${file}: validates and plans 1 search, 2 trainings, 2 evaluations in the ${space} space`, () => {
      const path = join(repoRoot, 'experiments', file);
      const v = naslab(['validate', path]);
      expect(v.code).toBe(0);
      expect(v.stdout).toContain(`@naslab/space-${space}@`);
      const jobs = JSON.parse(naslab(['plan', path, '--json']).stdout) as Array<{ kind: string; method: string }>;
      expect(jobs.map((j) => j.kind).sort()).toEqual(['evaluate', 'evaluate', 'search', 'train', 'train']);
      expect(new Set(jobs.map((j) => j.method))).toEqual(new Set(['random-sampling']));
    });
  }
});

describe('experiments/random-spaces-tiny.yaml: random sampling in every space, one study', { timeout: 60_000 }, () => {
  it('validates, and plans one search, training and evaluation per space, each search in its method’s space', () => {
    const path = join(repoRoot, 'experiments', 'random-spaces-tiny.yaml');
    const v = naslab(['validate', path]);
    expect(v.code).toBe(0);
    const spaces = ['darts', 'pdarts', 'cnas', 'nao', 'enas-micro', 'nsganet-micro'];
    for (const s of spaces) expect(v.stdout).toContain(`@naslab/space-${s}@`);
    const jobs = JSON.parse(naslab(['plan', path, '--json']).stdout) as Array<{ id: string; kind: string; method: string }>;
    const searches = jobs.filter((j) => j.kind === 'search');
    expect(searches.map((j) => j.method)).toEqual(spaces.map((s) => `random-${s}`));
    // The six methods are the same plugin with the same options: only their spaces tell their searches apart.
    expect(new Set(searches.map((j) => j.id)).size).toBe(6);
    expect(jobs.filter((j) => j.kind === 'train')).toHaveLength(6);
  });
});
