import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cliMain, naslab, repoRoot, resultTables, tempDir, toyManifest, writeManifest, type CliResult } from './helpers/cli.js';
import { metricLines, slurmHere, slurmManifest, slurmStates, submissions } from './helpers/slurm.js';

const slurm = slurmHere();
if (!slurm.ok) {
  // One visible line, never a silent skip: CI has Slurm (.ci/run starts it), a laptop may not.
  console.warn(`SKIPPED the Slurm executor tests: no Slurm here (${slurm.why}); \`.ci/slurm start\` and SLURM_CONF bring one up`);
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
const sorted = (file: string) => lines(file).sort();

interface StatusRow {
  total: number;
  done: number;
  running: number;
  pending: number;
  failed: number;
  skipped: number;
  ingested?: number;
  failures: { id: string; error: string }[];
}
const status = (file: string): { row: StatusRow; stdout: string } => {
  const r = naslab(['status', file, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return { row: (JSON.parse(r.stdout) as StatusRow[])[0]!, stdout: r.stdout };
};

/**
 * The local executor's tables (and fixture log) for the same study: what Slurm must reproduce.
 * The study's name and the trainer's sleep change no number, so studies that differ only there
 * share one reference run.
 */
const references = new Map<string, { tables: string; log: string }>();
function localReference(opts: Parameters<typeof toyManifest>[0]): { tables: string; log: string } {
  const key = JSON.stringify({ ...opts, name: undefined, epochSeconds: undefined });
  if (!references.has(key)) references.set(key, runLocal(opts));
  return references.get(key)!;
}
function runLocal(opts: Parameters<typeof toyManifest>[0]): { tables: string; log: string } {
  const dir = tempDir();
  const log = join(dir, 'runs.log');
  const r = naslab(['run', writeManifest(dir, 'study.yaml', toyManifest({ ...opts, epochSeconds: 0 })), '--quiet'], { env: { NASLAB_FIXTURE_LOG: log } });
  expect([0, 1]).toContain(r.code);
  return { tables: resultTables(r.stdout), log };
}

function runAsync(args: string[], env: Record<string, string>): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliMain, ...args], { cwd: repoRoot, env: { ...process.env, CI: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

async function until(what: string, test: () => boolean, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!slurm.ok)('slurm executor against a real Slurm', () => {
  afterEach(() => {
    // Jobs outlive a failed test: cancel whatever the tests' job names still hold.
    for (const kind of ['search', 'train', 'evaluate']) spawnSync('scancel', ['--name', `naslab-test-${kind}`]);
  });

  it('runs the DAG as job arrays with dependencies and prints the same tables as local, with the same provenance', () => {
    const opts = { name: 'arrays', seeds: 2, outputs: 2, epochs: 3 };
    const ref = localReference(opts);
    const dir = tempDir();
    const log = join(dir, 'runs.log');
    const r = naslab(['run', writeManifest(dir, 'study.yaml', slurmManifest(opts))], { env: { NASLAB_FIXTURE_LOG: log } });
    expect(r.code, r.stderr).toBe(0);
    // 4 searches in one array; 6 trainings in 2 arrays (K = 2 siblings of random sampling's
    // searches), each task after its own search (aftercorr); their 6 evaluations likewise.
    expect(r.stderr).toMatch(/submitted 16 jobs as 5 arrays: search 4 in 1 \(\d+\); train 6 in 2 \(\d+, \d+\); evaluate 6 in 2/);
    const scripts = readdirSync(join(dir, 'results', 'slurm', 'scripts')).map((f) => readFileSync(join(dir, 'results', 'slurm', 'scripts', f), 'utf8'));
    expect(scripts.filter((s) => /--dependency=aftercorr:\d+/.test(s))).toHaveLength(4);
    expect(scripts.every((s) => s.includes('--kill-on-invalid-dep=yes') || !s.includes('--dependency'))).toBe(true);
    expect(resultTables(r.stdout)).toEqual(ref.tables);
    expect(sorted(log)).toEqual(sorted(ref.log));
    expect(r.stdout).toMatch(/16\/16 jobs done \(16 run now\)/);
    expect(submissions(join(dir, 'results'))).toEqual({});

    // Each task recorded what a local run records: the same plugins, core and manifest.
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const rows = db.prepare(`SELECT provenance, attempts, status FROM jobs`).all() as { provenance: string; attempts: number; status: string }[];
    db.close();
    const refDb = new Database(join(ref.log, '..', 'results', 'naslab.db'), { readonly: true });
    const refProv = JSON.parse((refDb.prepare(`SELECT provenance FROM jobs LIMIT 1`).get() as { provenance: string }).provenance);
    refDb.close();
    // Provenance names the executor too; everything else must match.
    const plugins = (p: Record<string, string>) => Object.fromEntries(Object.entries(p).filter(([name]) => !name.startsWith('@naslab/executor-')));
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'done', attempts: 1 });
      const p = JSON.parse(row.provenance);
      expect(p.plugins['@naslab/executor-slurm']).toBeDefined();
      expect({ plugins: plugins(p.plugins), core: p.core, manifestHash: typeof p.manifestHash, threads: p.threads }).toEqual({
        plugins: plugins(refProv.plugins),
        core: refProv.core,
        manifestHash: 'string',
        threads: 1,
      });
    }
  });

  it("does not run a failed search's dependents, reports them skipped, and finishes the rest", () => {
    // One output per search: the failed search still has dependents to skip, in fewer Slurm tasks.
    const opts = { name: 'parent-fails', seeds: 2, outputs: 1, failOnSeed: 1 };
    const ref = localReference(opts);
    const dir = tempDir();
    const log = join(dir, 'runs.log');
    const file = writeManifest(dir, 'study.yaml', slurmManifest(opts));
    const r = naslab(['run', file, '--quiet'], { env: { NASLAB_FIXTURE_LOG: log } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/toy method told to fail on seed 1/);
    // The same work ran as under the local executor: nothing of the failed search's subtree.
    expect(sorted(log)).toEqual(sorted(ref.log));
    expect(resultTables(r.stdout)).toEqual(ref.tables);
    const { row } = status(file);
    // random-sampling seed 1: its search failed (1), its training and evaluation skipped (2).
    expect(row).toMatchObject({ total: 12, failed: 1, skipped: 2, done: row.total - 3, running: 0, pending: 0 });
    expect(row.failures[0]!.error).toMatch(/fail on seed 1/);
    // Slurm never started the skipped jobs' tasks: they have no logs.
    const logs = readdirSync(join(dir, 'results', 'slurm', 'logs'));
    expect(logs).toHaveLength(row.total - 2);
  });

  it('--detach submits and returns; status ingests each result exactly once until done', async () => {
    const opts = { name: 'detached', seeds: 2, outputs: 2, epochs: 3 };
    const ref = localReference(opts);
    const dir = tempDir();
    const file = writeManifest(dir, 'study.yaml', slurmManifest(opts));
    const started = Date.now();
    const r = naslab(['run', file, '--detach']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0\/16 jobs done, 16 submitted or queued, 0 failed, 0 skipped/);
    expect(Object.keys(submissions(join(dir, 'results')))).toHaveLength(16);
    let ingested = 0;
    let calls = 0;
    for (;;) {
      const { row } = status(file);
      calls++;
      ingested += row.ingested ?? 0;
      if (row.done === row.total) break;
      expect(Date.now() - started).toBeLessThan(90_000);
      await new Promise((res) => setTimeout(res, 1000)); // each look is a CLI start: keep them few
    }
    expect(calls).toBeGreaterThan(1);
    expect(ingested).toBe(16);
    // A second look ingests nothing more.
    const again = naslab(['status', file]);
    expect(again.stdout).toMatch(/slurm: ingested 0 results .*; 0 queued, 0 running/);
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const attempts = db.prepare(`SELECT attempts FROM jobs`).all() as { attempts: number }[];
    const epochs = db.prepare(`SELECT job_id, COUNT(*) AS n FROM epochs GROUP BY job_id`).all() as { n: number }[];
    db.close();
    expect(attempts.every((a) => a.attempts === 1)).toBe(true);
    expect(epochs.map((e) => e.n)).toEqual(Array(6).fill(3));
    // A run after the fact submits nothing and prints the local tables.
    const after = naslab(['run', file, '--quiet']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/\(0 run now\)/);
    expect(resultTables(after.stdout)).toEqual(ref.tables);
  });

  it('records a task cancelled with scancel as failed with Slurm\'s reason; --retry-failed resumes it from its checkpoint', async () => {
    const opts = { name: 'scancel', seeds: 1, outputs: 1, epochs: 6, epochSeconds: 0.4 };
    const ref = localReference(opts);
    const dir = tempDir();
    const store = join(dir, 'results');
    const log = join(dir, 'runs.log');
    const file = writeManifest(dir, 'study.yaml', slurmManifest(opts));
    const run = runAsync(['run', file, '--quiet'], { NASLAB_FIXTURE_LOG: log });
    // Cancel one training once it has 2 epochs behind it.
    let victim: { id: string; task: string } | undefined;
    await until('a training has run 2 epochs', () => {
      for (const [id, s] of Object.entries(submissions(store))) {
        if (s.kind === 'train' && metricLines(store, id).length >= 2) victim = { id, task: s.task };
      }
      return victim !== undefined;
    });
    spawnSync('scancel', [victim!.task]);
    const first = await run.done;
    expect(first.code).toBe(1);
    const { row } = status(file);
    // The training failed with Slurm's word for it; its evaluation was never run.
    expect(row).toMatchObject({ failed: 1, skipped: 1 });
    expect(row.failures[0]).toMatchObject({ id: victim!.id });
    expect(row.failures[0]!.error).toMatch(/^Slurm CANCELLED.*interrupted by SIGTERM.*--retry-failed/);
    const before = metricLines(store, victim!.id).length;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(6);

    const retry = naslab(['run', file, '--quiet', '--retry-failed'], { env: { NASLAB_FIXTURE_LOG: log } });
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/\(2 run now\)/);
    // Resumed, not restarted: every epoch recorded once over the two attempts, and started twice.
    expect(metricLines(store, victim!.id).map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines(log).filter((l) => l.startsWith('train-start')).length).toBe(lines(ref.log).filter((l) => l.startsWith('train-start')).length + 1);
    expect(resultTables(retry.stdout)).toEqual(ref.tables);
  });

  it('Ctrl-C on an attached run cancels what it submitted, says so, and a plain rerun resumes', async () => {
    const opts = { name: 'ctrl-c', seeds: 1, outputs: 1, epochs: 6, epochSeconds: 0.4 };
    const ref = localReference(opts);
    const dir = tempDir();
    const store = join(dir, 'results');
    const file = writeManifest(dir, 'study.yaml', slurmManifest(opts));
    const run = runAsync(['run', file, '--quiet'], {});
    let arrays: string[] = [];
    await until('a training has run an epoch', () => {
      const subs = Object.entries(submissions(store));
      arrays = subs.map(([, s]) => s.array);
      return subs.some(([id, s]) => s.kind === 'train' && metricLines(store, id).length >= 1);
    });
    run.child.kill('SIGINT');
    const first = await run.done;
    expect(first.stderr).toMatch(/slurm: interrupted; cancelling the \d+ Slurm task\(s\) this run submitted \(scancel\)/);
    // Nothing of it is left queued or running.
    expect([...slurmStates(arrays).values()].filter((s) => /PENDING|RUNNING|COMPLETING/.test(s))).toEqual([]);
    const { row } = status(file);
    // Interrupted, not failed: the cut trainings are 'running' (as after Ctrl-C of a local run).
    expect(row).toMatchObject({ failed: 0, skipped: 0 });
    expect(row.running).toBeGreaterThan(0);
    const cut = Object.keys(JSON.parse(readFileSync(join(store, 'slurm', 'submissions.json'), 'utf8')).jobs);
    expect(cut).toEqual([]);
    const partial = readdirSync(join(store, 'artefacts')).filter((id) => id.startsWith('t-') && metricLines(store, id).length > 0 && metricLines(store, id).length < 6);
    expect(partial.length).toBeGreaterThan(0);

    const rerun = naslab(['run', file, '--quiet']);
    expect(rerun.code, rerun.stderr).toBe(0);
    // Each cut training resumed from its checkpoint: every epoch recorded once over both attempts.
    for (const id of partial) expect(metricLines(store, id).map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(resultTables(rerun.stdout)).toEqual(ref.tables);
  });
});

describe('slurm executor options', () => {
  it('are validated in the manifest, each problem at its line', () => {
    const dir = tempDir();
    const bad = slurmManifest({ name: 'bad-options' }, `time: '2 days', gpus: 'many', extraArgs: ['--array=0-3'], train: { mem: 'lots' }`);
    const r = naslab(['validate', writeManifest(dir, 'study.yaml', bad)]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/study\.yaml:\d+:\d+: executor\.options\.time: .*Slurm time/);
    expect(r.stderr).toMatch(/executor\.options\.gpus: /);
    expect(r.stderr).toMatch(/executor\.options\.extraArgs\[0\]: .*sets this itself/);
    expect(r.stderr).toMatch(/executor\.options\.train\.mem: /);
  });

  it('--detach is refused for the local executor', () => {
    const dir = tempDir();
    const r = naslab(['run', writeManifest(dir, 'study.yaml', toyManifest({ name: 'local-detach' })), '--detach']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--detach needs an executor that runs jobs outside this process/);
  });
});
