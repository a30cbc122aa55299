import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir, writeManifest } from './helpers/cli.js';

const table = join(repoRoot, '..', 'shared', 'data', 'nb201', 'nb201_cifar10_200ep.csv');

describe('a study with both baselines', () => {
  it('gives RI over random sampling and over budget-matched random search, in the summary and the report', () => {
    const dir = tempDir();
    const file = writeManifest(
      dir,
      'both.yaml',
      `name: both
seeds: 2
datasets: [cifar10]
space: nas-bench-201
methods:
  - id: random-sampling
    options: { samples: 2 }
  - id: random-search
    options: { queries: 8 }
  - id: local-search
    options: { queries: 8, initialSamples: 2 }
baseline: random-sampling
benchmark: { id: nas-bench-201, options: { path: '${table}' } }
store: results
`,
    );
    const r = naslab(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Relative improvement over random-sampling/);
    const second = r.stdout.split('Relative improvement over random-search (budget-matched random search)')[1];
    expect(second, r.stdout).toBeDefined();
    // Against random search only local search is compared (random search is the reference there).
    const rows = second!.split('\n\n')[0]!.split('\n').filter((l) => l.startsWith('|') && /cifar10/.test(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/local-search/);
    const reportDir = join(dir, 'results', 'reports', 'both');
    const html = readFileSync(join(reportDir, readdirSync(reportDir).find((f) => f.endsWith('.html'))!), 'utf8');
    expect(html).toMatch(/Relative improvement over random-search \(budget-matched random search\)/);
  });
});
