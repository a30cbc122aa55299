import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStudy } from '@naslab/cli';
import { createLogger, runStudy, type Provenance } from '@naslab/core';
import { SqliteResultStore } from '@naslab/store';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslabAsync, resultTables, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('two `naslab run` on one store', () => {
  it('claim each job before running it: no job runs twice, both print the whole table', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'study.yaml', toyManifest({ name: 'concurrent', seeds: 3, outputs: 2, epochs: 3, epochSeconds: 0.2 }));
    const log = join(dir, 'runs.log');
    const [a, b] = await Promise.all([0, 1].map(() => naslabAsync(['run', file], { env: { NASLAB_FIXTURE_LOG: log } })));
    expect(a!.code, a!.stderr).toBe(0);
    expect(b!.code, b!.stderr).toBe(0);

    // Every search and every training started once (the fixtures log each start).
    const starts = lines(log);
    expect(starts.filter((l) => l.startsWith('train-start'))).toHaveLength(9);
    expect(new Set(starts).size).toBe(starts.length);
    // The store agrees: one attempt per job, each done, by one runner or the other.
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const attempts = db.prepare(`SELECT job_id, COUNT(*) AS n, MIN(outcome) AS outcome FROM attempts GROUP BY job_id`).all() as { job_id: string; n: number; outcome: string }[];
    const owners = db.prepare(`SELECT DISTINCT owner FROM attempts`).all() as { owner: string }[];
    db.close();
    expect(attempts).toHaveLength(24);
    expect(attempts.every((r) => r.n === 1 && r.outcome === 'done')).toBe(true);
    // Both worked (the jobs take 0.6 s each, the two start together), and the run counts add up.
    expect(owners).toHaveLength(2);
    const ranNow = (out: string) => Number(/\((\d+) run now\)/.exec(out)?.[1]);
    expect(ranNow(a!.stdout) + ranNow(b!.stdout)).toBe(24);
    // The one that finished first waited for the other's jobs: both tables are complete and equal.
    expect(resultTables(a!.stdout)).toEqual(resultTables(b!.stdout));
    expect(a!.stdout).toMatch(/24\/24 jobs done/);
    expect(b!.stdout).toMatch(/24\/24 jobs done/);
    expect(`${a!.stderr}${b!.stderr}`).toMatch(/running elsewhere \(another naslab run on this store: [^)]+\); waiting for them/);
  });
});

describe('`naslab run --rerun` beside another runner', () => {
  it('leaves a job another live runner is running to it (claim and checkpoints kept) and reruns what depends on it', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'study.yaml', toyManifest({ name: 'rerun-held', seeds: 1, outputs: 1, epochs: 1 }));
    const study = await openStudy(file);
    const store = new SqliteResultStore(study.manifest.store);
    const lines: string[] = [];
    const options = { store, logger: createLogger({ level: 'info', write: (l) => lines.push(l) }), worker: { entry: '', args: [] }, pollMs: 20 };
    try {
      expect((await runStudy(study, options)).done).toBe(6);
      const [held, dead] = study.jobs.filter((j) => j.kind === 'search');
      const heldResult = store.getJob(held!.id)!.result!;
      const provenance: Provenance = { plugins: {}, core: '', manifestHash: '', node: '', host: { platform: '', arch: '', cpus: 1 } };
      // Another runner reruns `held` now (its lease holds); `dead`'s runner died (its lease ran out).
      const take = (id: string, owner: string, leaseMs: number) => {
        store.resetJob(id, { evenIfDone: true });
        expect(store.claimJob(id, owner, leaseMs, () => false).claimed).toBe(true);
        store.startJob(id, provenance, owner);
        const checkpoint = join(store.artefactDir(id), 'checkpoint.json');
        writeFileSync(checkpoint, '{}');
        return checkpoint;
      };
      const heldCheckpoint = take(held!.id, 'other-host:1:live', 60_000);
      const deadCheckpoint = take(dead!.id, 'other-host:2:dead', -1);
      const dependents = study.jobs.filter((j) => j.kind !== 'search');

      const rerun = runStudy(study, { ...options, rerun: (j) => j.kind === 'search' });
      // The other runner finishes its job while this one waits for it.
      setTimeout(() => store.finishJob(held!.id, heldResult, 1), 50);
      const summary = await rerun;

      expect(lines.join('\n')).toContain(`--rerun: job ${held!.id} (search toy0/random-sampling/seed0) is running in another naslab run on this store (other-host:1:live); left to it, not reset`);
      expect(lines.join('\n')).not.toContain(`--rerun: job ${dead!.id}`);
      expect(existsSync(heldCheckpoint)).toBe(true);
      expect(existsSync(deadCheckpoint)).toBe(false);
      // The held job kept its claim and its one attempt, by the other runner; nothing ran it here.
      expect(store.attemptHistory(held!.id).map((a) => [a.owner, a.outcome])).toEqual([
        [expect.any(String), 'done'],
        ['other-host:1:live', 'done'],
      ]);
      // The dead runner's job was reset and run again here; every dependent ran again on its parent's new result.
      expect(store.attemptHistory(dead!.id).map((a) => a.outcome)).toEqual(['done', 'interrupted', 'done']);
      for (const j of dependents) expect(store.attemptHistory(j.id).map((a) => a.outcome), j.id).toEqual(['done', 'done']);
      expect(summary).toMatchObject({ total: 6, done: 6, failed: 0, ranNow: 5 });
    } finally {
      store.close();
    }
  });
});
