#!/usr/bin/env node
/**
 * The whole quick start (experiments/quickstart.yaml: random sampling ×2 and DARTS first order,
 * 2 seeds, Fashion-MNIST 2000/1000 — 16 jobs) on each named backend, from an empty results store,
 * timed end to end through the CLI. The manifest is the quick start's with only `backend:` and
 * `store:` changed, so the jobs (and, per backend, the numbers) are those of `npm start`.
 *
 *   npm run build && node bench/quickstart-backends/run.mjs [--backends libtorch,wasm] [--threads 2]
 *
 * Prints each run's wall time, its study summary and the RI table, then one table of wall times
 * with each backend's time relative to the fastest. A benchmark that prints numbers, not a test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, option as opt, repoRoot as root } from '../lib/options.mjs';

const backends = opt('backends', 'libtorch,wasm').split(',');
const threads = opt('threads', undefined);
const cli = join(root, 'packages/cli/dist/main.js');
const quickstart = readFileSync(join(root, 'experiments/quickstart.yaml'), 'utf8');

const rows = [];
for (const backend of backends) {
  const dir = mkdtempSync(join(tmpdir(), `naslab-quickstart-${backend}-`));
  const manifest = join(dir, 'quickstart.yaml');
  // The store line is replaced, the backend line appended: everything else is the quick start.
  writeFileSync(manifest, `${quickstart.replace(/^store:.*$/m, `store: ${join(dir, 'store')}`)}\nbackend: ${backend}\n`);
  console.log(`\n## ${backend} (${manifest})`);
  const started = performance.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', manifest, ...(threads ? ['--threads', threads] : [])], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const seconds = (performance.now() - started) / 1000;
  rows.push({ backend, seconds, code });
  console.log(`\n${backend}: exit ${code}, ${fmt(seconds)}`);
  if (code === 0 && !flag('keep')) rmSync(dir, { recursive: true, force: true });
}

const fastest = Math.min(...rows.filter((r) => r.code === 0).map((r) => r.seconds));
console.log('\n| backend | wall time | × fastest | exit |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.backend} | ${fmt(r.seconds)} | ${(r.seconds / fastest).toFixed(2)} | ${r.code} |`);

function fmt(s) {
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}
