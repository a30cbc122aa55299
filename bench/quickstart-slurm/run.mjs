#!/usr/bin/env node
/**
 * The quick start (experiments/quickstart.yaml, 16 jobs) with the local executor and with the
 * Slurm executor, from empty stores, and whether the two print the same tables. Both manifests
 * are the quick start's with only `store:` changed and, for Slurm, an `executor:` appended; each
 * Slurm task gets as many CPUs (= threads) as the local run uses, so on a multi-threaded backend
 * (libtorch) the numbers are the same to the last bit.
 *
 *   SLURM_CONF=… node bench/quickstart-slurm/run.mjs [--threads 2] [--partition debug] [--keep]
 *
 * Needs a Slurm controller (`.ci/slurm start` gives a single-node one) and takes two quick starts'
 * time (≈ 12 min on 2 cores). A benchmark that prints numbers, not a test.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flag, option, repoRoot as root } from '../lib/options.mjs';

const threads = Number(option('threads', String(availableParallelism())));
const partition = option('partition', undefined);
const cli = join(root, 'packages/cli/dist/main.js');
const quickstart = readFileSync(join(root, 'experiments/quickstart.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'naslab-quickstart-slurm-'));

const slurmExecutor = `executor: { id: slurm, options: { cpus: ${threads}, pollSeconds: 2${partition ? `, partition: ${partition}` : ''} } }`;
const runs = [
  { name: 'local', executor: '', args: ['--threads', String(threads)] },
  { name: 'slurm', executor: slurmExecutor, args: [] },
];
const results = [];
for (const r of runs) {
  const manifest = join(dir, `${r.name}.yaml`);
  writeFileSync(manifest, `${quickstart.replace(/^store:.*$/m, `store: ${join(dir, r.name)}`)}\n${r.executor}\n`);
  console.log(`\n## ${r.name} (${manifest})`);
  const started = performance.now();
  let stdout = '';
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', manifest, ...r.args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => (process.stdout.write(d), (stdout += d)));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  results.push({ ...r, code, seconds: (performance.now() - started) / 1000, tables: tables(stdout) });
}

console.log('\n| executor | wall time | exit |');
console.log('|---|---|---|');
for (const r of results) console.log(`| ${r.name} | ${fmt(r.seconds)} | ${r.code} |`);
const same = results[0].tables === results[1].tables && results[0].tables.length > 0;
console.log(`\ntables ${same ? 'identical' : 'DIFFER'} (local vs slurm, ${threads} thread(s) per job)`);
if (!flag('keep')) rmSync(dir, { recursive: true, force: true });
process.exitCode = same && results.every((r) => r.code === 0) ? 0 : 1;

/** The accuracy and RI tables `naslab run` prints, without paths. */
function tables(stdout) {
  const start = stdout.indexOf('Test accuracy');
  return start < 0 ? '' : stdout.slice(start, stdout.indexOf('\nreport:', start));
}

function fmt(s) {
  return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}
