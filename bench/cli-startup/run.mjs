#!/usr/bin/env node
/**
 * Start-up time of the `naslab` command: each call is started `--runs` times (after one warm-up
 * run that is not counted) through the linked bin, as a user's shell starts it, and timed from
 * outside, whole process. Runs alternate between the calls, and between them and a bare
 * `node -e 0` (the floor any Node program pays), so that a machine whose speed drifts moves
 * every column alike. Prints a Markdown table of min / median / max wall seconds. Not a test.
 *
 *   npm run build && node bench/cli-startup/run.mjs [--runs 15]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { option, repoRoot } from '../lib/options.mjs';

const runs = Number(option('runs', '15'));
const bin = join(repoRoot, 'node_modules', '.bin', 'naslab');
const calls = [
  { label: 'node -e 0 (floor)', file: process.execPath, args: ['-e', '0'] },
  { label: 'naslab --version', file: bin, args: ['--version'] },
  { label: 'naslab --help', file: bin, args: ['--help'] },
  { label: 'naslab run --help', file: bin, args: ['run', '--help'] },
  { label: 'naslab validate experiments/quickstart.yaml', file: bin, args: ['validate', 'experiments/quickstart.yaml'] },
  { label: 'naslab plan experiments/quickstart.yaml', file: bin, args: ['plan', 'experiments/quickstart.yaml'] },
];

function once(call) {
  const start = performance.now();
  const r = spawnSync(call.file, call.args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: '1' } });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${call.label} exited ${r.status}: ${r.stderr}`);
  return seconds;
}

const times = calls.map(() => []);
for (const call of calls) once(call);
for (let i = 0; i < runs; i++) calls.forEach((call, c) => times[c].push(once(call)));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (x) => x.toFixed(3);
const floor = median(times[0]);
console.log(`naslab start-up, ${runs} runs each (Node ${process.version}); wall seconds\n`);
console.log('| call | min | median | max | median − floor |');
console.log('|---|---:|---:|---:|---:|');
calls.forEach((call, c) => {
  const m = median(times[c]);
  console.log(`| \`${call.label}\` | ${f(Math.min(...times[c]))} | ${f(m)} | ${f(Math.max(...times[c]))} | ${c === 0 ? '' : f(m - floor)} |`);
});
