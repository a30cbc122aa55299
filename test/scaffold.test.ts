import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir } from './helpers/cli.js';

const KINDS = ['method', 'space', 'dataset', 'trick', 'backend', 'executor', 'benchmark', 'trainer'] as const;
const bin = (tool: string) => join(repoRoot, 'node_modules', '.bin', tool);

describe('naslab new: a scaffold of each kind builds, passes its test and runs in a manifest, with no edits', () => {
  it('scaffolds, builds, tests and runs all eight kinds outside the repository', () => {
    const dir = tempDir('naslab-scaffold-');
    // What `npm install` would give each package: the published @naslab packages, TypeScript, vitest.
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    for (const kind of KINDS) {
      const r = naslab(['new', kind, `my-${kind}`, '--dir', join(dir, kind)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${kind} plugin in `));
    }
    // `npm run build` of each (one tsc process for all eight).
    const build = spawnSync(bin('tsc'), ['-b', ...KINDS.map((k) => join(dir, k, 'tsconfig.build.json'))], { encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    // `npm test` of each (one vitest process for all eight).
    const test = spawnSync(bin('vitest'), ['run', '--root', dir], { encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' } });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/Tests\s+8 passed/);

    // A study made of them: space, dataset, method, trainer, trick, backend, executor, named by path.
    writeFileSync(
      join(dir, 'train.yaml'),
      `name: scaffolds
seeds: [0]
datasets: [./dataset]
space: ./space
methods:
  - { id: ./method, name: random-sampling, options: { samples: 1 } }
trainer: ./trainer
protocol: { epochs: 1, batchSize: 16, channels: 4, cells: 3, tricks: [./trick] }
backend: ./backend
executor: ./executor
store: results
`,
    );
    const train = naslab(['run', join(dir, 'train.yaml'), '--quiet']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/3\/3 jobs done/);
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const row = db.prepare(`SELECT result FROM jobs WHERE kind = 'train' AND status = 'done'`).get() as { result: string };
    db.close();
    expect(JSON.parse(row.result)).toMatchObject({ backend: 'my-backend' });

    // And the benchmark, by look-up of a table of the scaffolded space's 27 architectures.
    const ops = ['conv_3x3', 'conv_1x1', 'skip'];
    const archs = ops.flatMap((a) => ops.flatMap((b) => ops.map((c) => `${a}-${b}-${c}`)));
    writeFileSync(join(dir, 'table.csv'), `arch,valid,test\n${archs.map((a, i) => `${a},${49 + i},${50 + i}`).join('\n')}\n`);
    writeFileSync(
      join(dir, 'lookup.yaml'),
      `name: scaffolds-lookup
seeds: 2
datasets: [table]
space: ./space
methods:
  - { id: ./method, name: random-sampling, options: { samples: 2 } }
benchmark: { id: ./benchmark, options: { file: '${join(dir, 'table.csv')}' } }
executor: ./executor
store: results
`,
    );
    const lookup = naslab(['run', join(dir, 'lookup.yaml'), '--quiet']);
    expect(lookup.code, lookup.stderr).toBe(0);
    expect(lookup.stdout).toMatch(/table\s+benchmark\s+random-sampling\s+4\s/);
  });

  it('refuses a misspelt trick hook at compile time (the engine types core’s TrickHooks)', () => {
    const dir = tempDir('naslab-hooks-');
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    expect(naslab(['new', 'trick', 'typo', '--dir', join(dir, 'trick')]).code).toBe(0);
    const index = join(dir, 'trick', 'src', 'index.ts');
    const text = spawnSync('sed', ['-i', 's/augmentPixels({/augmentPixel({/', index]);
    expect(text.status).toBe(0);
    const build = spawnSync(bin('tsc'), ['-p', join(dir, 'trick', 'tsconfig.build.json'), '--noEmit'], { encoding: 'utf8' });
    expect(build.status).not.toBe(0);
    expect(build.stdout).toMatch(/'augmentPixel' does not exist in type 'TrickHooks'\. Did you mean to write 'augmentPixels'\?/);
  });
});
