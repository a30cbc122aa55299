import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir, writeManifest } from './helpers/cli.js';

interface PlannedRow {
  id: string;
  kind: string;
  parents: string[];
  protocol?: string;
  index?: number;
}

/** A manifest of experiments/; the paper-size ones read CIFAR-10, which a test swaps for the embedded Fashion-MNIST (the plan is the same). */
function manifest(name: string): string {
  const dir = tempDir();
  const text = readFileSync(join(repoRoot, 'experiments', name), 'utf8').replace(/ {2}- id: cifar\n {4}options: \{ path: data\/cifar-10, variant: cifar10 \}/, '  - id: fashion-mnist\n    options: { trainSize: 64, testSize: 32 }');
  return writeManifest(dir, name, text);
}

describe('the paper’s search-space studies as manifests', () => {
  it.each([
    ['paper-space-study-seeds.yaml', 32, ['seedA', 'seedB']],
    ['paper-space-study-depth-gap.yaml', 32, ['20-cells', '8-cells']],
    ['paper-space-study-seeds-tiny.yaml', 8, ['seedA', 'seedB']],
    ['paper-space-study-depth-gap-tiny.yaml', 8, ['6-cells', '3-cells']],
  ] as const)('%s: validates and plans %i architectures trained under both protocols', (name, n, protocols) => {
    const file = manifest(name);
    const v = naslab(['validate', file]);
    expect(v.code, v.stderr).toBe(0);
    const plan = naslab(['plan', file, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const jobs = JSON.parse(plan.stdout) as PlannedRow[];
    expect(jobs.filter((j) => j.kind === 'search')).toHaveLength(1);
    const trains = jobs.filter((j) => j.kind === 'train');
    expect(trains).toHaveLength(2 * n);
    const [a, b] = protocols.map((p) => trains.filter((t) => t.protocol === p));
    expect(a).toHaveLength(n);
    // The same architectures under both protocols, as different jobs.
    expect(b!.map((t) => [t.parents[0], t.index])).toEqual(a!.map((t) => [t.parents[0], t.index]));
    expect(new Set(trains.map((t) => t.id)).size).toBe(2 * n);
  });
});
