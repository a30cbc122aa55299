#!/usr/bin/env node
/**
 * kill -9 at random moments of an NB201 look-up study with WeakNAS, then one plain rerun:
 * are all jobs done, with the table of an uninterrupted run, and were the cut attempts recorded
 * as interrupted (not failed)?
 *
 *   node bench/kill-resume/run.mjs [--kills 20] [--seeds 4] [--queries 60] [--seed 1] [--max-delay 6] [--table FILE]
 *
 * Each kill spawns `naslab run` and sends SIGKILL after a seeded random delay in
 * [0.3, max-delay] s. Prints the uninterrupted run's time, the kills that cut a running job,
 * the attempts that resumed from a search checkpoint (and after how many queries), the attempt
 * outcomes in the store, the rerun's summary and whether its tables equal the reference's.
 * Build the packages first (npm run build).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    seeds: { type: 'string', default: '4' },
    queries: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'max-delay': { type: 'string', default: '6' },
    table: { type: 'string', default: process.env.NB201_TABLE ?? fileURLToPath(new URL('../../../shared/data/nb201/nb201_cifar10_200ep.csv', import.meta.url)) },
  },
});
const repo = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(repo, 'packages/cli/dist/main.js');
const Database = createRequire(join(repo, 'packages/store/package.json'))('better-sqlite3');

const manifest = `name: kill-resume
seeds: ${Number(args.seeds)}
datasets: [cifar10]
space: nas-bench-201
methods:
  - id: random-sampling
    options: { samples: 10 }
  - id: random-search
    options: { queries: ${Number(args.queries)} }
  - id: weaknas
    options: { queries: ${Number(args.queries)}, initialSamples: 10, topK: 20, samplesPerIteration: 10, hiddenLayers: [16, 16] }
baseline: random-sampling
benchmark: { id: nas-bench-201, options: { path: '${args.table}', metric: valid } }
store: results
`;

/** mulberry32: the kill moments are the same for the same --seed. */
function uniform(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const tables = (out) => {
  const start = out.indexOf('Test accuracy');
  const ends = ['\nreport:', '\nstudy '].map((m) => out.indexOf(m, start)).filter((i) => i >= 0);
  return out.slice(start, Math.min(...ends));
};
const run = (file) => spawnSync(process.execPath, [cli, 'run', file], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
const folder = (name) => {
  const dir = mkdtempSync(join(tmpdir(), `naslab-kill-${name}-`));
  const file = join(dir, 'study.yaml');
  writeFileSync(file, manifest);
  return { dir, file };
};

let t = performance.now();
const ref = folder('ref');
const refRun = run(ref.file);
if (refRun.status !== 0) throw new Error(`the uninterrupted run failed:\n${refRun.stderr}`);
console.log(`uninterrupted run: ${((performance.now() - t) / 1000).toFixed(1)} s`);

const study = folder('killed');
const next = uniform(Number(args.seed));
const maxDelay = Number(args['max-delay']);
let finishedBeforeKill = 0;
let logs = '';
t = performance.now();
for (let k = 0; k < Number(args.kills); k++) {
  // Not --quiet: the logger's info lines say where a search resumed from its checkpoint.
  const child = spawn(process.execPath, [cli, 'run', study.file], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => (logs += d));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  const delay = 300 + next() * (maxDelay - 0.3) * 1000;
  const timer = setTimeout(() => child.kill('SIGKILL'), delay);
  const code = await exited;
  clearTimeout(timer);
  if (code !== null) finishedBeforeKill++;
}
console.log(`${args.kills} kills at seeded moments in [0.3, ${maxDelay}] s: ${((performance.now() - t) / 1000).toFixed(1)} s (${finishedBeforeKill} runs had finished before their kill)`);

t = performance.now();
const rerun = run(study.file);
console.log(`plain rerun: exit ${rerun.status}, ${((performance.now() - t) / 1000).toFixed(1)} s; ${/study kill-resume: [^\n]*/.exec(rerun.stdout)?.[0]}`);
const db = new Database(join(study.dir, 'results', 'naslab.db'), { readonly: true });
const outcomes = db.prepare(`SELECT outcome, COUNT(*) AS n FROM attempts GROUP BY outcome`).all();
const perJob = db.prepare(`SELECT j.kind, j.status, j.interrupted, (SELECT COUNT(*) FROM attempts a WHERE a.job_id = j.id) AS attempts FROM jobs j`).all();
db.close();
const resumed = [...(logs + rerun.stderr).matchAll(/(\w[\w-]*): resuming after (\d+) queries/g)];
console.log(`attempts resumed from a search checkpoint: ${resumed.length}${resumed.length ? ` (${resumed.map((m) => `${m[1]} after ${m[2]}`).join(', ')})` : ''}`);
console.log(`attempts by outcome: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}`);
console.log(`jobs: ${perJob.length}, done ${perJob.filter((j) => j.status === 'done').length}, failed ${perJob.filter((j) => j.status === 'failed').length}; most interrupted attempts of one job: ${Math.max(...perJob.map((j) => j.interrupted))}`);
console.log(`tables identical to the uninterrupted run: ${tables(rerun.stdout) === tables(refRun.stdout)}`);
