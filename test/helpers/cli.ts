import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliMain = join(repoRoot, 'packages/cli/dist/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built `naslab` CLI synchronously. */
export function naslab(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [cliMain, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, CI: '1', ...options.env },
    encoding: 'utf8',
    // `plan --json` of a paper-size manifest prints more than spawnSync's 1 MB default.
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI asynchronously (many in parallel). */
export function naslabAsync(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliMain, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, CI: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'naslab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write a manifest into `dir` and return its path. */
export function writeManifest(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A toy study on the fixture plugins (no training): `methods` × `seeds` on `datasets`. */
export function toyManifest(opts: {
  name?: string;
  datasets?: number;
  seeds?: number;
  outputs?: number;
  epochs?: number;
  epochSeconds?: number;
  extraMethods?: string;
  workers?: number;
  failOnSeed?: number;
}): string {
  const datasets = Array.from({ length: opts.datasets ?? 1 }, (_, i) => `  - id: '@naslab-fixtures/dataset-toy'\n    name: toy${i}\n    options: { size: ${8 + 2 * i} }`).join('\n');
  return `name: ${opts.name ?? 'toy-study'}
seeds: ${opts.seeds ?? 2}
datasets:
${datasets}
space: '@naslab-fixtures/space-toy'
methods:
  - id: '@naslab-fixtures/method-toy'
    name: random-sampling
    options: { outputs: ${opts.outputs ?? 2}${opts.failOnSeed !== undefined ? `, failOnSeed: ${opts.failOnSeed}` : ''} }
  - id: '@acme/naslab-method-foo'
    name: foo
${opts.extraMethods ?? ''}
trainer: { id: '@naslab-fixtures/trainer-toy', options: { epochSeconds: ${opts.epochSeconds ?? 0} } }
protocol: { epochs: ${opts.epochs ?? 3} }
executor: { id: local, options: { workers: ${opts.workers ?? 1} } }
store: results
`;
}

/** The result tables `naslab run` prints (accuracy summary and RI table), without paths. */
export function resultTables(stdout: string): string {
  const start = stdout.indexOf('Test accuracy');
  const ends = ['\nreport:', '\nstudy '].map((m) => stdout.indexOf(m, start)).filter((i) => i >= 0);
  return stdout.slice(start, Math.min(...ends));
}
