import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryResultStore, type ExecutorContext, type PlannedJob, type Provenance } from '@naslab/core';
import { JobFolderStore } from '@naslab/store/job-folder';
import { SlurmExecutor } from './executor.js';
import { slurmOptions } from './options.js';
import type { SlurmCli, TaskState } from './slurm-cli.js';
import { Submissions } from './submissions.js';

/** Slurm as far as the executor sees it: sbatch hands out ids, squeue answers what the test says. */
class FakeSlurm {
  readonly known = new Map<string, TaskState>();
  readonly scripts: string[] = [];
  readonly cancelled: string[] = [];
  private next = 100;
  async sbatch(script: string): Promise<string> {
    const text = readFileSync(script, 'utf8');
    this.scripts.push(text);
    const id = String(this.next++);
    // Its tasks are queued until the test says otherwise.
    for (const [, index] of text.matchAll(/\[(\d+)\]=/g)) this.known.set(`${id}_${index}`, { state: 'PENDING', reason: 'None' });
    return id;
  }
  async states(tasks: readonly string[]): Promise<Map<string, TaskState>> {
    return new Map(tasks.filter((t) => this.known.has(t)).map((t) => [t, this.known.get(t)!]));
  }
  async cancel(ids: readonly string[]): Promise<void> {
    this.cancelled.push(...ids);
  }
}

const provenance: Provenance = { plugins: {}, core: '0.1.0', manifestHash: 'h', node: process.version, host: { platform: 'linux', arch: 'x64', cpus: 2 } };
const job = (id: string, kind: PlannedJob['kind'], parents: string[] = []): PlannedJob => ({ id, kind, parents, dataset: 'd', method: 'm', seed: 0, spec: null });
const jobs = [job('s0', 'search'), job('t0', 'train', ['s0']), job('e0', 'evaluate', ['t0']), job('s1', 'search'), job('t1', 'train', ['s1']), job('e1', 'evaluate', ['t1'])];

function setUp(options: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'naslab-slurm-'));
  const store = new InMemoryResultStore(dir);
  store.saveStudy({ name: 's', manifestFile: '/m.yaml', manifestHash: 'h', createdAt: 'now', jobIds: jobs.map((j) => j.id) }, jobs);
  const slurm = new FakeSlurm();
  const executor = new SlurmExecutor(slurmOptions.parse({ lostAfterSeconds: 0, ...options }), slurm as unknown as SlurmCli);
  const events: string[] = [];
  const ctx: ExecutorContext = {
    jobs,
    statusOf: (id) => store.getJob(id)?.status ?? 'pending',
    runInProcess: () => Promise.reject(new Error('not here')),
    worker: { entry: '/naslab/worker.js', args: ['/studies/m.yaml'] },
    outcomeOf: (id) => ({ id, status: store.getJob(id)!.status }),
    fail: (j, error) => store.failJob(j.id, error, 0),
    skip: (j, reason) => (store.skipJob(j.id, reason), events.push(`skip ${j.id}`)),
    signal: new AbortController().signal,
    store,
    detach: true,
  };
  const task = (id: string) => new JobFolderStore(dir, jobs, `attempt-of-${id}`);
  return { dir, store, slurm, executor, ctx, task, tracked: () => [...new Submissions(dir).jobs.keys()] };
}

describe('SlurmExecutor', () => {
  it('submits the DAG once as arrays with aftercorr dependencies; a second run submits nothing in flight', async () => {
    const { slurm, executor, ctx, tracked } = setUp({ arrayLimit: 4, train: { gpus: 1, time: '1-00:00:00' } });
    await executor.execute(ctx);
    expect(slurm.scripts).toHaveLength(3);
    const header = (s: string) => s.split('\n').filter((l) => /^#SBATCH --(array|dependency|gres|time)/.test(l));
    expect(slurm.scripts.map(header)).toEqual([
      ['#SBATCH --array=0-1%4'],
      ['#SBATCH --array=0-1%4', '#SBATCH --dependency=aftercorr:100', '#SBATCH --time=1-00:00:00', '#SBATCH --gres=gpu:1'],
      ['#SBATCH --array=0-1%4', '#SBATCH --dependency=aftercorr:101'],
    ]);
    expect(slurm.scripts[1]).toContain('declare -A jobs=([0]=t0 [1]=t1)');
    expect(tracked().sort()).toEqual(jobs.map((j) => j.id).sort());
    await executor.execute(ctx);
    expect(slurm.scripts).toHaveLength(3);
  });

  it('ingests outcomes once, records a task Slurm killed with its reason, skips and cancels its dependents', async () => {
    const { store, slurm, executor, ctx, task, tracked } = setUp();
    await executor.execute(ctx);
    const s0 = task('s0');
    s0.startJob('s0', provenance);
    s0.finishJob('s0', { architectures: ['x'] }, 1.5);
    slurm.known.set('100_0', { state: 'COMPLETED', reason: 'None' });
    slurm.known.set('100_1', { state: 'TIMEOUT', reason: 'None' });
    slurm.known.set('101_0', { state: 'RUNNING', reason: 'None' });
    slurm.known.set('101_1', { state: 'PENDING', reason: 'Dependency' });
    const r = await executor.ingest({ store });
    expect(r.notes).toEqual(['slurm: ingested 4 results (1 done, 1 failed, 2 skipped); 1 queued, 1 running']);
    expect(store.getJob('s0')).toMatchObject({ status: 'done', attempts: 1, result: { architectures: ['x'] } });
    expect(store.getJob('s1')!.error).toMatch(/^Slurm TIMEOUT before the task wrote a result \(log .*100_1\.out\)$/);
    expect(store.getJob('t1')).toMatchObject({ status: 'skipped', error: 'parent s1 did not finish' });
    expect(store.getJob('e1')).toMatchObject({ status: 'skipped', error: 'parent t1 did not finish' });
    expect(slurm.cancelled.sort()).toEqual(['101_1', '102_1']);
    expect(tracked().sort()).toEqual(['e0', 't0']);
    expect((await executor.ingest({ store })).ingested).toBe(0);
  });

  it('an interrupted task that Slurm requeued is left to run again; one that ended is failed with the reason', async () => {
    const { store, slurm, executor, ctx, task } = setUp();
    await executor.execute(ctx);
    const s0 = task('s0');
    s0.startJob('s0', provenance);
    s0.interruptJob('s0', 'interrupted by SIGTERM', 4);
    slurm.known.set('100_0', { state: 'PENDING', reason: 'BeginTime' });
    expect((await executor.ingest({ store })).ingested).toBe(0);
    expect(store.getJob('s0')!.status).toBe('pending');
    slurm.known.set('100_0', { state: 'PREEMPTED', reason: 'None' });
    await executor.ingest({ store });
    expect(store.getJob('s0')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(store.getJob('s0')!.error).toMatch(/^Slurm PREEMPTED: interrupted by SIGTERM; its checkpoints are kept, so `naslab run --retry-failed` resumes it/);
  });

  it('waits lostAfterSeconds for a result file before recording a task lost; a vanished task is failed', async () => {
    const { store, slurm, executor, ctx } = setUp({ lostAfterSeconds: 3600 });
    await executor.execute(ctx);
    slurm.known.set('100_0', { state: 'COMPLETED', reason: 'None' });
    expect((await executor.ingest({ store })).ingested).toBe(0);
    expect(store.getJob('s0')!.status).toBe('pending');

    const quick = setUp();
    await quick.executor.execute(quick.ctx);
    // 100_1 unknown to squeue and sacct: cancelled while pending (such tasks leave no record).
    quick.slurm.known.delete('100_1');
    await quick.executor.ingest({ store: quick.store });
    expect(quick.store.getJob('s1')!.error).toMatch(/^left Slurm's queue without a result/);
    expect(quick.store.getJob('s0')!.status).toBe('pending');
  });
});
