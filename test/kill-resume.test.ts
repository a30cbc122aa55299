import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cliMain, naslab, repoRoot, resultTables, tempDir, writeManifest } from './helpers/cli.js';

const table = join(repoRoot, '..', 'shared', 'data', 'nb201', 'nb201_cifar10_200ep.csv');

/**
 * A small NB201 look-up study with WeakNAS on its small predictor. Each predictor trains a fixed
 * 8,000 epochs (no early stop), so every checkpoint is followed by at least one fit of a few
 * hundred milliseconds: a kill soon after a checkpoint finds the search still running.
 */
const manifest = `name: kill-resume
seeds: 1
datasets: [cifar10]
space: nas-bench-201
methods:
  - id: random-sampling
    options: { samples: 10 }
  - id: weaknas
    options: { queries: 25, initialSamples: 10, topK: 10, samplesPerIteration: 5, hiddenLayers: [16, 16], epochs: 8000, patience: 8000 }
baseline: random-sampling
benchmark: { id: nas-bench-201, options: { path: '${table}', metric: valid } }
store: results
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seeded stream of delays (mulberry32), so the kill moments are the same on every run. */
function delays(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids of the WeakNAS searches that process `pid` holds (a dead runner's stay 'running' until claimed). */
function weaknasRunning(db: string, pid: number): string[] {
  if (!existsSync(db)) return [];
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare(`SELECT id FROM jobs WHERE kind = 'search' AND status = 'running' AND spec LIKE '%method-weaknas%' AND lease_owner LIKE ?`).all(`%:${pid}:%`) as { id: string }[]).map((r) => r.id);
  } catch {
    return []; // the schema is still being created
  } finally {
    d.close();
  }
}

/** search-kit's `SEARCH_CHECKPOINT_FILE`, in the job's artefact folder. */
const SEARCH_CHECKPOINT_FILE = 'query-search-checkpoint.json';

/** When the job's search checkpoint was last written (ms), or 0 if it has none. */
function checkpointWritten(dir: string, jobId: string): number {
  const file = join(dir, 'results', 'artefacts', jobId, SEARCH_CHECKPOINT_FILE);
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

describe('kill -9 while WeakNAS searches', () => {
  it('records the cut attempts as interrupted, not failed; a plain rerun finishes with the uninterrupted table', async () => {
    const refDir = tempDir();
    const ref = naslab(['run', writeManifest(refDir, 'study.yaml', manifest)]);
    expect(ref.code, ref.stderr).toBe(0);

    const dir = tempDir();
    const file = writeManifest(dir, 'study.yaml', manifest);
    const db = join(dir, 'results', 'naslab.db');
    const next = delays(13);
    // Kills at seeded moments inside the WeakNAS search, each after this attempt wrote a
    // checkpoint (an iteration boundary), until three have cut it: as many as the old limit of 3
    // attempts, which gave a search without checkpoints up as failed.
    let hits = 0;
    let logs = '';
    for (let run = 0; run < 8 && hits < 3; run++) {
      const spawned = Date.now();
      // Not --quiet: its logger's info lines say where each attempt resumed.
      const child = spawn(process.execPath, [cliMain, 'run', file], { cwd: repoRoot, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise((r) => child.on('exit', r));
      const deadline = Date.now() + 60_000;
      const checkpointed = () => weaknasRunning(db, child.pid!).some((id) => checkpointWritten(dir, id) >= spawned);
      while (!checkpointed() && Date.now() < deadline && child.exitCode === null) await sleep(20);
      await sleep(Math.floor(next() * 40));
      // A hit: the search was still this process's when it died.
      const holding = weaknasRunning(db, child.pid!).length > 0;
      child.kill('SIGKILL');
      await exited;
      expect(child.signalCode ?? stderr, stderr).toBe('SIGKILL');
      logs += stderr;
      if (holding) hits++;
    }
    expect(hits).toBe(3);

    const store = new Database(db, { readonly: true });
    const cut = store.prepare(`SELECT job_id, outcome, error FROM attempts WHERE outcome != 'done'`).all() as { job_id: string; outcome: string; error: string | null }[];
    store.close();
    // Every kill cut a WeakNAS search (the next runner found it and wrote it down), and no attempt failed.
    expect(cut).toHaveLength(3);
    expect(cut.every((a) => a.outcome === 'interrupted' || a.outcome === 'running')).toBe(true);

    const status = JSON.parse(naslab(['status', file, '--json']).stdout) as { failed: number; interrupted: number }[];
    expect(status[0]).toMatchObject({ failed: 0 });
    // The last cut attempt is found by the next runner; the two before it are counted already.
    expect(status[0]!.interrupted).toBeGreaterThanOrEqual(2);

    const rerun = naslab(['run', file]);
    expect(rerun.code, rerun.stderr).toBe(0);
    // Each attempt after a cut one resumed from its checkpoint: it spent only the queries after
    // it (25 - taken over), where a restart spends all 25; the checkpoints fall on iteration
    // boundaries (10 initial samples, then 5 per iteration).
    const resumes = [...(logs + rerun.stderr).matchAll(/weaknas: resuming after (\d+) queries/g)].map((m) => Number(m[1]));
    expect(resumes, logs + rerun.stderr).toHaveLength(3);
    for (const taken of resumes) expect([10, 15, 20, 25]).toContain(taken);
    expect(rerun.stdout).toMatch(/study kill-resume: 13\/13 jobs done .*0 failed, 0 skipped/);
    expect(resultTables(rerun.stdout)).toEqual(resultTables(ref.stdout));

    const after = new Database(db, { readonly: true });
    const byJob = after.prepare(`SELECT job_id, GROUP_CONCAT(outcome, ' ') AS outcomes FROM attempts GROUP BY job_id`).all() as { job_id: string; outcomes: string }[];
    after.close();
    // Each job ends with one done attempt, after its interrupted ones.
    expect(byJob).toHaveLength(13);
    for (const j of byJob) expect(j.outcomes).toMatch(/^(interrupted )*done$/);
    // Cut three times and still done: the old rule gave a job up after 3 attempts that never finished.
    const kills = byJob.reduce((n, j) => n + j.outcomes.split(' ').filter((o) => o === 'interrupted').length, 0);
    expect(kills).toBe(3);
  });
});
