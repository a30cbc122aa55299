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

  it.each([
    ['paper-space-study-cells.yaml', 16, ['20-cells', '4-cells', '6-cells', '8-cells', '12-cells', '16-cells', '24-cells']],
    ['paper-space-study-cells-tiny.yaml', 6, ['6-cells', '3-cells', '4-cells']],
  ] as const)('%s: plans the same %i architectures at every cell count', (name, n, protocols) => {
    const file = manifest(name);
    const plan = naslab(['plan', file, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const jobs = JSON.parse(plan.stdout) as PlannedRow[];
    expect(jobs.filter((j) => j.kind === 'search')).toHaveLength(1);
    const trains = jobs.filter((j) => j.kind === 'train');
    expect(trains).toHaveLength(protocols.length * n);
    const key = (t: PlannedRow) => `${t.parents[0]}#${t.index}`;
    const base = trains.filter((t) => t.protocol === protocols[0]).map(key);
    expect(base).toHaveLength(n);
    for (const p of protocols) expect(trains.filter((t) => t.protocol === p).map(key)).toEqual(base);
  });

  it.each([
    ['paper-space-study-ops.yaml', 214, 56],
    ['paper-space-study-ops-tiny.yaml', 10, 10],
  ] as const)('%s: validates and plans %i DARTS-op and %i modified-op random architectures, one sampler per op set', (name, nDefault, nModified) => {
    const file = manifest(name);
    const v = naslab(['validate', file]);
    expect(v.code, v.stderr).toBe(0);
    const plan = naslab(['plan', file, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const jobs = JSON.parse(plan.stdout) as Array<PlannedRow & { method: string }>;
    const trains = jobs.filter((j) => j.kind === 'train');
    expect(jobs.filter((j) => j.kind === 'search').map((j) => j.method).sort()).toEqual(['random-darts-ops', 'random-modified-ops']);
    expect(trains.filter((t) => t.method === 'random-darts-ops')).toHaveLength(nDefault);
    expect(trains.filter((t) => t.method === 'random-modified-ops')).toHaveLength(nModified);
  });

  it('an op the DARTS space does not build is refused at its place in the manifest, naming the known ops', () => {
    const dir = tempDir();
    const text = readFileSync(join(repoRoot, 'experiments', 'paper-space-study-ops-tiny.yaml'), 'utf8').replace('conv_11x11]', 'conv_13x13]');
    const r = naslab(['validate', writeManifest(dir, 'bad-ops.yaml', text)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad-ops\.yaml:\d+:\d+: methods\[1\]\.space\.options\.ops\[7\]: unknown op "conv_13x13"; the DARTS space builds none, .*conv_11x11, max_pool_5x5/);
  });
});
