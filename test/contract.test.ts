import { appendFileSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

const local = (name: string) => join(repoRoot, 'test', 'local-plugins', name);

describe('the plugin contract, end to end', () => {
  it('backend: auto finds a third-party backend by keyword and kind, and its priority puts it first', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'node_modules', '@acme'), { recursive: true });
    symlinkSync(local('backend-fast'), join(dir, 'node_modules', '@acme', 'naslab-backend-fast'), 'dir');
    const file = writeManifest(
      dir,
      'fast.yaml',
      `name: fast
seeds: [0]
datasets:
  - id: fashion-mnist
    options: { trainSize: 16, testSize: 8 }
space: darts
methods:
  - id: random-sampling
    options: { samples: 1 }
protocol: { epochs: 1, batchSize: 16, channels: 2, cells: 3 }
store: results
`,
    );
    const r = naslab(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const row = db.prepare(`SELECT result FROM jobs WHERE kind = 'train' AND status = 'done'`).get() as { result: string };
    db.close();
    // A backend is recorded by its plugin id.
    expect((JSON.parse(row.result) as { backend: string }).backend).toBe('fast');
  });

  it('refuses a trick whose hook the trainer never calls, at validate, naming the valid hook', () => {
    const dir = tempDir();
    const file = writeManifest(
      dir,
      'typo.yaml',
      `name: typo
seeds: [0]
datasets: [fashion-mnist]
space: darts
methods: [random-sampling]
protocol: { epochs: 1, tricks: ['${local('trick-typo')}'] }
`,
    );
    const r = naslab(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.yaml:\d+:\d+: protocol\.tricks\[0\]: trick ".*trick-typo" \(@acme\/naslab-trick-typo\) has a hook "augmentBach" that @naslab\/engine\/trainer never calls \(did you mean "augmentBatch"\?\)/);
  });

  it('checks what a method requires of the space when the study is prepared, at the method’s line', () => {
    const dir = tempDir();
    const file = writeManifest(
      dir,
      'caps.yaml',
      `name: caps
seeds: 1
datasets: [cifar10]
space: darts
methods:
  - random-sampling
  - regularized-evolution
benchmark: { id: nas-bench-201, options: { path: '${join(repoRoot, '..', 'shared', 'data', 'nb201', 'nb201_cifar10_200ep.csv')}' } }
`,
    );
    const r = naslab(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/caps\.yaml:7:5: methods\[1\]: method "regularized-evolution" needs a space that is "mutable"; space "darts" \(@naslab\/space-darts\) declares trainable, cost/);
  });

  it('a plugin named by a path is loaded from there, and editing its code changes the job ids', () => {
    const dir = tempDir();
    cpSync(join(repoRoot, 'test', 'fixtures', 'acme-method-foo'), join(dir, 'my-method'), { recursive: true });
    // What `npm install` in the plugin's folder would give it: @naslab/core to import.
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'my-method', 'node_modules'), 'dir');
    const file = writeManifest(dir, 'path.yaml', toyManifest({ seeds: 1 }).replace("id: '@acme/naslab-method-foo'", "id: './my-method'"));
    const ids = () => {
      const r = naslab(['plan', file, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { id: string; method: string }[]).filter((j) => j.method === 'foo').map((j) => j.id);
    };
    const before = ids();
    expect(before.length).toBeGreaterThan(0);
    expect(ids()).toEqual(before);
    appendFileSync(join(dir, 'my-method', 'index.js'), '\n// edited\n');
    const after = ids();
    expect(after).toHaveLength(before.length);
    for (const id of after) expect(before).not.toContain(id);
  });

  it('naslab run --rerun reruns the selected jobs and what depends on them', () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'rerun.yaml', toyManifest({ seeds: 2, outputs: 1 }));
    expect(naslab(['run', file, '--quiet']).code).toBe(0);
    const again = naslab(['run', file, '--quiet', '--rerun', 'method=foo,seed=1']);
    expect(again.code, again.stderr).toBe(0);
    // foo, seed 1: its search, train and evaluate.
    expect(again.stdout).toMatch(/\(3 run now\)/);
    const bad = naslab(['run', file, '--quiet', '--rerun', 'colour=red']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rerun: .*unknown key "colour"/);
  });
});
