import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './helpers/cli.js';

const bin = join(repoRoot, 'node_modules', '.bin', 'naslab');

/** Run the linked `naslab` as a shell would (its own shebang, no `node` in front). */
function linked(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(bin, args, { cwd: repoRoot, env: { ...process.env, CI: '1', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** The files a `naslab` call imports (a module-loading hook writes them down), relative to the repository. */
function importedBy(args: string[]): string[] {
  const dir = tempDir('naslab-imports-');
  const log = join(dir, 'imports.txt');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, bin, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  expect(r.status, r.stderr).toBe(0);
  const root = pathToFileURL(repoRoot).href;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((u) => (u.startsWith(root) ? u.slice(root.length) : u));
}

describe('the naslab command as the README runs it', () => {
  it('is linked by the install into node_modules/.bin, to a committed executable file', () => {
    expect(realpathSync(bin)).toBe(join(repoRoot, 'packages/cli/bin/naslab.js'));
    accessSync(bin, constants.X_OK);
    // Git keeps the exec bit, so a fresh clone's install links an executable.
    const staged = spawnSync('git', ['ls-files', '-s', 'packages/cli/bin/naslab.js'], { cwd: repoRoot, encoding: 'utf8' });
    if (staged.status === 0 && staged.stdout) expect(staged.stdout.split(' ')[0]).toBe('100755');
    const r = linked(['--version']);
    expect(r.error).toBeUndefined();
    expect(r.code, r.stderr).toBe(0);
    const version = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')).version as string;
    expect(r.stdout.trim()).toBe(`${version} (@naslab/core ${JSON.parse(readFileSync(join(repoRoot, 'packages/core/package.json'), 'utf8')).version})`);
  });

  it("validates and plans the quick start's manifest", () => {
    const v = linked(['validate', 'experiments/quickstart.yaml']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^experiments\/quickstart\.yaml: valid \(7 plugins: /);
    const p = linked(['plan', 'experiments/quickstart.yaml']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^study quickstart \(manifest [0-9a-f]+\): 16 jobs — 4 search, 6 train, 6 evaluate\n/);
  });

  it('--help lists every command and imports none of their modules, nor yargs', () => {
    const files = importedBy(['--help']);
    expect(files.filter((f) => f.includes('/node_modules/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('packages/cli/dist/commands/'))).toEqual(['packages/cli/dist/commands/index.js']);
    expect(files.filter((f) => /\/(packages|plugins)\//.test(f) && !f.startsWith('packages/cli/'))).toEqual([]);
    const help = linked(['--help']).stdout;
    for (const c of ['run', 'plan', 'validate', 'status', 'report', 'analyze', 'arch', 'plugins', 'new', 'schema', 'worker']) expect(help).toContain(`naslab ${c} `);
  });

  it('--version imports nothing but the CLI entry and its command table', () => {
    expect(importedBy(['--version']).filter((f) => !f.startsWith('packages/cli/bin/'))).toEqual([
      'packages/cli/dist/main.js',
      'packages/cli/dist/cli.js',
      'packages/cli/dist/commands/index.js',
      'packages/cli/dist/help-text.js',
    ]);
  });

  it('validate imports its own command only, and no training, report or database code', () => {
    const files = importedBy(['validate', 'experiments/quickstart.yaml']);
    expect(files.filter((f) => /node_modules\/(yargs|cliui)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('packages/cli/dist/commands/'))).toEqual(['packages/cli/dist/commands/index.js', 'packages/cli/dist/commands/validate.js']);
    const heavy = files.filter((f) => /node_modules\/(@tensorflow|vega|vega-lite|better-sqlite3|d3-[a-z-]+)\/|packages\/(report|store|analysis)\//.test(f));
    expect(heavy).toEqual([]);
  });

  it("prints no TensorFlow.js banner: naslab names its backend itself", () => {
    const r = linked(['arch', 'DARTS_V2', '--cells', '3', '--channels', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('parameters    2,858');
    expect(`${r.stdout}${r.stderr}`).not.toContain('TensorFlow.js in Node.js');
  });
});
