import { appendFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedJob, Provenance } from '@naslab/core';
import { ingestLost, ingestOutcome, JobFolders, JobFolderStore } from './job-folder.js';
import { SqliteResultStore } from './sqlite-store.js';

const provenance: Provenance = { plugins: { '@naslab/method-x': '1.0.0' }, core: '0.1.0', manifestHash: 'h', node: process.version, host: { platform: 'linux', arch: 'x64', cpus: 2 } };
const search: PlannedJob = { id: 's-1', kind: 'search', parents: [], dataset: 'd', method: 'm', seed: 0, spec: { kind: 'search' } };
const train: PlannedJob = { id: 't-1', kind: 'train', parents: ['s-1'], dataset: 'd', method: 'm', seed: 0, index: 0, spec: { kind: 'train', search: 's-1' } };
const epoch = (e: number) => ({ epoch: e, lr: 0.1, trainLoss: 1 / (e + 1), trainAccuracy: 50 + e, seconds: 1 });

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'naslab-folders-'));
  const db = new SqliteResultStore(dir);
  db.saveStudy({ name: 's', manifestFile: 'm.yaml', manifestHash: 'h', createdAt: 'now', jobIds: ['s-1', 't-1'] }, [search, train]);
  return { dir, db, folders: new JobFolders(dir) };
}

describe('job folders (one writer: tasks write folders, the submitter ingests)', () => {
  it('a task writes result, metrics and outcome; the submitter ingests them once', () => {
    const { dir, db, folders } = setUp();
    const task = new JobFolderStore(dir, [search, train], '7_0.0');
    expect(task.getJob('s-1')).toMatchObject({ status: 'pending', kind: 'search' });
    task.startJob('s-1', provenance);
    task.recordEpoch('s-1', epoch(0));
    task.recordEpoch('s-1', { ...epoch(1), trainLoss: Number.NaN });
    task.finishJob('s-1', { architectures: ['a'] }, 2.5, { ...provenance, backend: 'cpu' });
    // The task never touched the database.
    expect(db.getJob('s-1')).toMatchObject({ status: 'pending', attempts: 0 });
    // A dependent's task reads the parent's result from its folder.
    expect(new JobFolderStore(dir, [search, train]).getJob('s-1')).toMatchObject({ status: 'done', result: { architectures: ['a'] } });

    expect(ingestOutcome(db, folders, 's-1')).toBe('done');
    expect(db.getJob('s-1')).toMatchObject({ status: 'done', attempts: 1, seconds: 2.5, result: { architectures: ['a'] }, provenance: { backend: 'cpu' } });
    expect(db.epochs('s-1').map((m) => m.epoch)).toEqual([0, 1]);
    expect(db.epochs('s-1')[1]!.trainLoss).toBeNull();
    // Ingested once: the outcome moved to the history; a second look finds nothing.
    expect(ingestOutcome(db, folders, 's-1')).toBeUndefined();
    expect(db.getJob('s-1')!.attempts).toBe(1);
    expect(readdirSync(folders.recordPath('s-1', 'history')).sort()).toEqual(['0000-outcome.json', '0001-started.json']);
    expect(existsSync(folders.recordPath('s-1', 'result.json'))).toBe(true);
    db.close();
  });

  it('reads complete metric lines only (a line being appended waits for the next look)', () => {
    const { dir, folders } = setUp();
    const task = new JobFolderStore(dir, [search]);
    task.recordEpoch('s-1', epoch(0));
    appendFileSync(folders.recordPath('s-1', 'metrics.jsonl'), '{"epoch": 1, "lr"');
    expect(folders.metrics('s-1').map((m) => m.epoch)).toEqual([0]);
  });

  it('an interrupted attempt is recorded failed (with the scheduler\'s reason) or left to resume', () => {
    const { dir, db, folders } = setUp();
    const task = new JobFolderStore(dir, [search, train], '8_0.0');
    task.startJob('t-1', provenance);
    task.recordEpoch('t-1', epoch(0));
    task.interruptJob('t-1', 'interrupted by SIGTERM', 3);
    expect(ingestOutcome(db, folders, 't-1', { interruptedAs: 'failed', error: 'Slurm TIMEOUT: interrupted by SIGTERM' })).toBe('failed');
    expect(db.getJob('t-1')).toMatchObject({ status: 'failed', attempts: 1, error: 'Slurm TIMEOUT: interrupted by SIGTERM' });

    db.resetJob('t-1');
    folders.clearAttempt('t-1');
    const again = new JobFolderStore(dir, [search, train], '9_0.0');
    again.startJob('t-1', provenance);
    again.recordEpoch('t-1', epoch(1));
    again.interruptJob('t-1', 'interrupted by SIGTERM', 1);
    expect(ingestOutcome(db, folders, 't-1', { interruptedAs: 'interrupted' })).toBe('interrupted');
    // Interrupted, not failed: running, as a local run killed mid-job, so a rerun resumes it.
    expect(db.getJob('t-1')).toMatchObject({ status: 'running', attempts: 1 });
    expect(db.epochs('t-1').map((m) => m.epoch)).toEqual([0, 1]);
    db.close();
  });

  it('a task that died without an outcome is recorded failed with what it left', () => {
    const { dir, db, folders } = setUp();
    const task = new JobFolderStore(dir, [search]);
    task.startJob('s-1', provenance);
    task.recordEpoch('s-1', epoch(0));
    ingestLost(db, folders, 's-1', 'Slurm OUT_OF_MEMORY before the task wrote a result');
    expect(db.getJob('s-1')).toMatchObject({ status: 'failed', attempts: 1, error: 'Slurm OUT_OF_MEMORY before the task wrote a result' });
    expect(db.epochs('s-1')).toHaveLength(1);
    // Recorded once: a finished job is not recorded again.
    ingestLost(db, folders, 's-1', 'again');
    expect(db.getJob('s-1')).toMatchObject({ attempts: 1, error: 'Slurm OUT_OF_MEMORY before the task wrote a result' });
    db.close();
  });

  it('refuses ids that would name a folder outside the store', () => {
    const { folders } = setUp();
    for (const id of ['../x', 'a/b', '..', '']) expect(() => folders.dir(id), id).toThrow(/is not a job id/);
  });

  it('exports a result done in the store for the tasks of its dependents', () => {
    const { dir, db, folders } = setUp();
    db.startJob('s-1', provenance);
    db.finishJob('s-1', { architectures: ['b'] }, 1);
    folders.exportResult(db.getJob('s-1')!);
    expect(new JobFolderStore(dir, [search, train]).getJob('s-1')).toMatchObject({ status: 'done', result: { architectures: ['b'] } });
    db.close();
  });
});

describe('job folders: diverged trainings and claims', () => {
  it('a diverged training is recorded as diverged, and its evaluation task sees it', () => {
    const { dir, db, folders } = setUp();
    const task = new JobFolderStore(dir, [search, train], '8_0.0');
    task.startJob('t-1', provenance);
    task.divergeJob('t-1', 'loss became NaN at epoch 2, step 17', 3);
    expect(folders.outcome('t-1')).toMatchObject({ status: 'diverged', error: 'loss became NaN at epoch 2, step 17' });
    // A later task (the evaluation's) reads the parent as diverged, not pending.
    expect(new JobFolderStore(dir, [search, train]).getJob('t-1')).toMatchObject({ status: 'diverged', error: 'loss became NaN at epoch 2, step 17' });
    expect(ingestOutcome(db, folders, 't-1')).toBe('diverged');
    expect(db.getJob('t-1')).toMatchObject({ status: 'diverged', error: 'loss became NaN at epoch 2, step 17', attempts: 1 });
    expect(db.attemptHistory('t-1').map((a) => a.outcome)).toEqual(['diverged']);
  });

  it('two tasks of one job: one holds the claim until it ends or its lease expires', () => {
    const { dir } = setUp();
    const a = new JobFolderStore(dir, [search, train], 'a');
    const b = new JobFolderStore(dir, [search, train], 'b');
    const never = () => false;
    expect(a.claimJob('s-1', 'n1:1:a', 60_000, never)).toMatchObject({ claimed: true });
    expect(b.claimJob('s-1', 'n2:2:b', 60_000, never)).toMatchObject({ claimed: false, status: 'running', lease: { owner: 'n1:1:a' } });
    expect(a.renewLease('s-1', 'n1:1:a', 60_000)).toBe(true);
    expect(b.renewLease('s-1', 'n2:2:b', 60_000)).toBe(false);
    // Its owner is gone: the next task takes the job at once, and the old holder has lost it.
    expect(b.claimJob('s-1', 'n2:2:b', 60_000, (o) => o === 'n1:1:a')).toMatchObject({ claimed: true });
    expect(a.renewLease('s-1', 'n1:1:a', 60_000)).toBe(false);
    // The outcome ends the claim: the job can be claimed again (a resubmission).
    b.failJob('s-1', 'boom', 1);
    expect(readdirSync(join(dir, 'artefacts', 's-1', 'record')).filter((n) => n.startsWith('claim-'))).toEqual([]);
    expect(a.claimJob('s-1', 'n1:3:c', 60_000, never)).toMatchObject({ claimed: true });
    // An expired lease is taken over too.
    const c = new JobFolderStore(dir, [search, train], 'c');
    expect(c.claimJob('t-1', 'n3:1:c', -1, never)).toMatchObject({ claimed: true });
    expect(a.claimJob('t-1', 'n1:1:a', 60_000, never)).toMatchObject({ claimed: true });
    expect(c.renewLease('t-1', 'n3:1:c', 60_000)).toBe(false);
  });
});
