/** Running a study: record it, choose what to (re)run, and hand the jobs to the executor. */
import { rmSync } from 'node:fs';
import type { ExecutorContext } from './executor.js';
import type { JobStatus, PlannedJob } from './jobs.js';
import { runJob, type JobEnvironment } from './job-runner.js';
import { runnerGone, runnerId } from './lease.js';
import type { JobRecord } from './store.js';
import type { Study } from './study.js';

export interface RunOptions extends Omit<JobEnvironment, 'study'> {
  /** `--workers N` from the command line (overrides the executor's option). */
  readonly workers?: number;
  /** Entry of the worker process: `node <entry> ...args <jobId>` runs one job. */
  readonly worker: { entry: string; args: readonly string[] };
  /** Run failed jobs again (by default a failed job stays failed). */
  readonly retryFailed?: boolean;
  /** Run these jobs again even if done (`--rerun <selector>`), and every job that depends on them. */
  readonly rerun?: (job: PlannedJob) => boolean;
  /** Submit and return (executors with `ingest`); `naslab status` brings the results in later. */
  readonly detach?: boolean;
  /** How often to look again at jobs another runner holds (default 1000 ms). */
  readonly pollMs?: number;
}

export interface StudySummary {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  /** Jobs whose training diverged (train and evaluate): final results, left out of means and RI. */
  readonly diverged: number;
  readonly ranNow: number;
}

/** Record the study in the store and run every job not yet done through the executor. */
export async function runStudy(study: Study, options: RunOptions): Promise<StudySummary> {
  const { store } = options;
  const { manifest, jobs } = study;
  store.saveStudy(
    { name: manifest.name, manifestFile: manifest.file, manifestHash: manifest.hash, createdAt: new Date().toISOString(), jobIds: jobs.map((j) => j.id) },
    jobs,
  );
  if (options.retryFailed) {
    for (const j of jobs) if (['failed', 'skipped'].includes(store.getJob(j.id)?.status ?? '')) store.resetJob(j.id);
  }
  const own = options.owner ?? runnerId();
  if (options.rerun) {
    for (const j of withDependents(jobs, options.rerun)) {
      // A job another live runner is running is its: resetting it would delete the checkpoints it
      // writes and take its claim away mid-run. Its dependents are reset and wait for its result.
      const rec = store.getJob(j.id);
      if (heldElsewhere(rec, own)) {
        options.logger.warn(`--rerun: job ${j.id} (${describeJob(j)}) is running in another naslab run on this store (${rec?.lease?.owner}); left to it, not reset (its checkpoints are kept)`);
        continue;
      }
      // Its checkpoints too: a train job would otherwise resume from its last epoch, i.e. be done at once.
      rmSync(store.artefactDir(j.id), { recursive: true, force: true });
      store.resetJob(j.id, { evenIfDone: true });
    }
  }
  const status = (id: string): JobStatus => store.getJob(id)?.status ?? 'pending';
  const alreadyDone = jobs.filter((j) => status(j.id) === 'done').length;
  options.events?.emit('study-start', { studyName: manifest.name, total: jobs.length, alreadyDone });
  let ranNow = 0;
  const env: JobEnvironment = { ...options, study };
  const executor = await study.host.instantiate(study.container.createChildContainer(), 'executor', manifest.executor.label);
  const ctx: ExecutorContext = {
    jobs,
    statusOf: status,
    runInProcess: async (job, o) => {
      const outcome = await runJob(job, o?.signal ? { ...env, signal: env.signal ? AbortSignal.any([env.signal, o.signal]) : o.signal } : env);
      // A job another runner finished between the executor's look and this call did not run here.
      if (!outcome.elsewhere && !outcome.finishedBefore) ranNow++;
      return outcome;
    },
    worker: { entry: options.worker.entry, args: options.worker.args },
    outcomeOf: (id) => {
      ranNow++;
      const rec = store.getJob(id);
      return { id, status: rec?.status ?? 'pending', error: rec?.error };
    },
    fail: (job, error) => {
      store.failJob(job.id, error, 0);
      options.events?.emit('job-end', { job, status: 'failed', seconds: 0, error });
    },
    skip: (job, reason) => {
      store.skipJob(job.id, reason);
      options.events?.emit('job-end', { job, status: 'skipped', seconds: 0, error: reason });
    },
    workers: options.workers,
    signal: options.signal ?? new AbortController().signal,
    store,
    events: options.events,
    detach: options.detach,
    logger: options.logger,
  };
  // Jobs another live runner holds are left to it: wait, then run what became runnable (their
  // dependents, or jobs whose runner died), until none is held elsewhere.
  let saidHeld = '';
  for (;;) {
    await executor.execute(ctx);
    if (ctx.signal.aborted || options.detach) break;
    const held = jobs.filter((j) => heldElsewhere(store.getJob(j.id), own));
    if (!held.length) break;
    const note = `${held.length} job${held.length === 1 ? '' : 's'} running elsewhere (another naslab run on this store: ${[...new Set(held.map((j) => store.getJob(j.id)?.lease?.owner))].join(', ')}); waiting for them`;
    if (note !== saidHeld) options.logger.info(note);
    saidHeld = note;
    await sleep(options.pollMs ?? 1000, ctx.signal);
  }
  const count = (s: JobStatus) => jobs.filter((j) => status(j.id) === s).length;
  const summary = { total: jobs.length, done: count('done'), failed: count('failed'), skipped: count('skipped'), diverged: count('diverged'), ranNow };
  options.events?.emit('study-end', { studyName: manifest.name, done: summary.done, failed: summary.failed, skipped: summary.skipped });
  return summary;
}

function describeJob(j: PlannedJob): string {
  return `${j.kind} ${j.dataset}/${j.method}/seed${j.seed}${j.index !== undefined ? `#${j.index}` : ''}`;
}

/** A running job claimed by another runner that is still alive (its lease holds). */
function heldElsewhere(rec: JobRecord | undefined, own: string): boolean {
  const lease = rec?.lease;
  return rec?.status === 'running' && !!lease && lease.owner !== own && lease.expiresAt >= Date.now() && !runnerGone(lease.owner);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const onAbort = () => (clearTimeout(t), done());
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), done()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The jobs `select` picks and every job downstream of them (parents come first in a plan). */
export function withDependents(jobs: readonly PlannedJob[], select: (job: PlannedJob) => boolean): PlannedJob[] {
  const picked = new Set<string>();
  for (const j of jobs) if (select(j) || j.parents.some((p) => picked.has(p))) picked.add(j.id);
  return jobs.filter((j) => picked.has(j.id));
}

/**
 * `--rerun` selectors: comma-separated `key=value` terms over a job's `id` (a prefix), `kind`,
 * `dataset`, `method`, `seed` and `protocol`, all of which must match; a bare term is a job id
 * prefix or a method label. `all` selects every job.
 */
export function jobSelector(text: string): (job: PlannedJob) => boolean {
  const terms = text.split(',').map((t) => t.trim()).filter(Boolean);
  if (terms.length === 0) throw new Error('empty --rerun selector');
  const tests = terms.map((term): ((j: PlannedJob) => boolean) => {
    if (term === 'all') return () => true;
    const eq = term.indexOf('=');
    if (eq < 0) return (j) => j.id.startsWith(term) || j.method === term;
    const key = term.slice(0, eq);
    const value = term.slice(eq + 1);
    switch (key) {
      case 'id':
        return (j) => j.id.startsWith(value);
      case 'kind':
      case 'dataset':
      case 'method':
      case 'protocol':
        return (j) => String(j[key] ?? '') === value;
      case 'seed':
        return (j) => String(j.seed) === value;
      default:
        throw new Error(`--rerun: unknown key "${key}" in "${term}" (keys: id, kind, dataset, method, seed, protocol)`);
    }
  });
  return (j) => tests.every((t) => t(j));
}
