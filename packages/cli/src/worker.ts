#!/usr/bin/env node
/**
 * Runs exactly one job of a study: `node worker.js <manifest> <jobId> [--job-folder] [--attempt T]`
 * (also `naslab worker …`). Re-planning from the manifest is deterministic, so the worker finds the
 * same job under the same id, with the same plugins, seed and provenance as a local run.
 *
 * - Without `--job-folder` (the local executor's worker processes) it records the outcome in the
 *   study's SQLite store, which processes on one machine share.
 * - With `--job-folder` (a cluster task) it never opens the database: result, metrics and outcome
 *   go into the job's folder, written atomically, and the submitting process ingests them.
 *
 * SIGTERM or SIGINT (a scheduler's warning before it kills, Ctrl-C) aborts the job: the trainer
 * keeps its last epoch checkpoint, the attempt is recorded as interrupted, and the process exits
 * 143 (or 130) once the job has stopped, so a rerun resumes from that checkpoint.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createLogger, InputError, ProcessGuard, runJob, type JobOutcome, type ResultStore } from '@naslab/core';
import { JobFolderStore, SqliteResultStore } from '@naslab/store';
import { openStudy } from './session.js';

export interface WorkerOptions {
  readonly manifest: string;
  readonly jobId: string;
  /** Write into the job folder instead of the store (tasks on other machines). */
  readonly jobFolder?: boolean;
  /** Names this attempt in the job folder's files (default host:pid). */
  readonly attempt?: string;
  /** CPU threads the job may use (default NASLAB_THREADS, else 1). */
  readonly threads?: number;
}

/** Exit code of a worker: 0 done or diverged, 1 the job failed, 2 bad input, 75 held by another runner, 128+signal interrupted. */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    if (signalled) return;
    signalled = s;
    process.stderr.write(`worker: ${s} received; stopping job ${options.jobId} (its checkpoints stay for a resumed run)\n`);
    controller.abort(new Error(`interrupted by ${s}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const started = performance.now();
  let store: ResultStore | undefined;
  let folderStore: JobFolderStore | undefined;
  try {
    const study = await openStudy(options.manifest);
    const job = study.jobs.find((j) => j.id === options.jobId);
    if (options.jobFolder) store = folderStore = new JobFolderStore(study.manifest.store, study.jobs, options.attempt);
    if (!job) {
      const error = `job ${options.jobId} is not in the plan of ${options.manifest} (was the manifest edited after the job was submitted?)`;
      process.stderr.write(`${error}\n`);
      // Tell the submitter (the folder store refuses an id that is no folder name).
      try {
        folderStore?.failJob(options.jobId, error, 0);
      } catch {
        // Not a job id at all: the log says why.
      }
      return 2;
    }
    store ??= new SqliteResultStore(study.manifest.store);
    const threads = options.threads ?? Number(process.env.NASLAB_THREADS ?? 1);
    const logger = createLogger({ level: options.jobFolder ? 'info' : 'warn' });
    if (options.jobFolder) logger.info(`job ${job.id}: ${job.kind} ${job.dataset}/${job.method}/seed${job.seed}${job.index !== undefined ? `#${job.index}` : ''}, ${threads} thread(s)`);
    // Plugin code that exits or throws asynchronously fails the job with its own words, not with the process's exit code.
    const guard = new ProcessGuard().install();
    const runGuarded = async (): Promise<JobOutcome> => {
      const guarded = await guard.run(job.id, () => runJob(job, { study, store: store!, logger, threads, signal: controller.signal }));
      if (guarded.ok) return guarded.value;
      controller.abort(new Error(guarded.error.split('\n')[0]));
      store!.failJob(job.id, guarded.error, (performance.now() - started) / 1000);
      process.stderr.write(`job ${job.id} failed: ${guarded.error.split('\n')[0]}\n`);
      return { id: job.id, status: 'failed', error: guarded.error };
    };
    let outcome: JobOutcome;
    try {
      outcome = await runGuarded();
      // A cluster task whose job another task holds (a requeue while a killed one's lease still
      // runs, a straggler): wait for that lease to end or the job to finish, instead of ending
      // without an outcome (which the submitter would record as a lost task).
      while (options.jobFolder && outcome.elsewhere && outcome.status === 'running' && !controller.signal.aborted) {
        logger.info(`job ${job.id} is held by ${outcome.elsewhere}; waiting for it`);
        await new Promise<void>((done) => {
          const t = setTimeout(done, 15_000);
          controller.signal.addEventListener('abort', () => (clearTimeout(t), done()), { once: true });
        });
        outcome = await runGuarded();
      }
    } finally {
      guard.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    if (folderStore && !folderStore.outcomes.has(job.id) && !outcome.elsewhere) {
      // runJob wrote nothing: the job was interrupted, or it was done before this attempt.
      if (outcome.status === 'done') folderStore.finishJob(job.id, folderStore.getJob(job.id)?.result ?? null, seconds);
      else folderStore.interruptJob(job.id, signalled ? `interrupted by ${signalled}` : (outcome.error ?? 'interrupted'), seconds);
    }
    // A diverged training is a final result, not a failure: its dependents' tasks run (and record it).
    if (outcome.status === 'done' || outcome.status === 'diverged') return 0;
    // Another live runner holds the job (the local executor's code for "running elsewhere").
    if (outcome.elsewhere) return 75;
    if (signalled) return 128 + (signalled === 'SIGINT' ? 2 : 15);
    return 1;
  } catch (e) {
    // Bad input or a broken installation: say so in the log, and in the job folder for the submitter.
    const message = e instanceof Error ? (e instanceof InputError ? e.message : `${e.message}\n${e.stack ?? ''}`) : String(e);
    process.stderr.write(`${e instanceof InputError ? 'error: ' : 'worker failed: '}${message}\n`);
    if (options.jobFolder) {
      try {
        folderStore ??= new JobFolderStore(await storeOf(options.manifest), [], options.attempt);
        folderStore.failJob(options.jobId, message, (performance.now() - started) / 1000);
      } catch {
        // Nowhere to write: the submitter records the task as lost, with its log's path.
      }
    }
    return 2;
  } finally {
    store?.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** The store folder of a manifest that may not prepare (a plugin missing on this node). */
async function storeOf(manifest: string): Promise<string> {
  const { loadManifest } = await import('@naslab/core');
  return (await loadManifest(manifest)).store;
}

/** `worker.js <manifest> <jobId> [--job-folder] [--attempt T]` */
export function parseWorkerArgs(argv: readonly string[]): WorkerOptions | undefined {
  const positional: string[] = [];
  let jobFolder = false;
  let attempt: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--job-folder') jobFolder = true;
    else if (a === '--attempt') attempt = argv[++i];
    else if (a.startsWith('--attempt=')) attempt = a.slice('--attempt='.length);
    else positional.push(a);
  }
  const [manifest, jobId] = positional;
  if (!manifest || !jobId || positional.length > 2) return undefined;
  return { manifest, jobId, jobFolder, ...(attempt ? { attempt } : {}) };
}

// Run as a script (`node worker.js …`, through a symlink too), not when imported by `naslab worker`.
if (process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url) {
  const options = parseWorkerArgs(process.argv.slice(2));
  if (!options) {
    process.stderr.write('usage: worker <manifest> <jobId> [--job-folder] [--attempt TOKEN]\n');
    process.exit(2);
  }
  runWorker(options).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
