import { fork } from 'node:child_process';
import os from 'node:os';
import {
  definePlugin,
  ProcessGuard,
  readyJobs,
  z,
  type Executor,
  type ExecutorContext,
  type JobOutcome,
  type PlannedJob,
} from '@naslab/core';

const options = z
  .object({
    workers: z
      .number()
      .int()
      .min(1)
      .max(256, 'at most 256 worker processes')
      .default(1)
      .describe('1: run jobs one after another in this process; N > 1: N worker processes'),
    threadsPerWorker: z.number().int().min(1).max(1024).optional().describe('CPU threads each job may use (default: cores / workers)'),
  })
  .strict();

export type LocalExecutorOptions = z.output<typeof options>;

/**
 * Runs a study's DAG on this machine. One worker runs in-process; N workers are child
 * processes, each running one job at a time, so a crash of one job's process (out of memory,
 * native abort) is recorded as that job's failure and the rest of the study goes on.
 * In-process jobs run under a {@link ProcessGuard}: plugin code that calls `process.exit` or
 * `process.abort`, kills its own process, throws from a timer or leaves a rejection unhandled
 * fails its own job, not the study (worker processes run the same guard).
 */
export class LocalExecutor implements Executor {
  constructor(private readonly opts: LocalExecutorOptions) {}

  async execute(ctx: ExecutorContext): Promise<void> {
    const workers = ctx.workers ?? this.opts.workers;
    const threads = this.opts.threadsPerWorker ?? Math.max(1, Math.floor(os.availableParallelism() / workers));
    const failedOrSkipped = (id: string) => ['failed', 'skipped'].includes(ctx.statusOf(id));
    const stray = (error: string, last: string | undefined) => {
      const line = `after job ${last ?? '?'} ended, its code still ran and broke: ${error.split('\n')[0]}`;
      if (ctx.logger) ctx.logger.error(line);
      else process.stderr.write(`${line}\n`);
    };
    const guard = workers === 1 ? new ProcessGuard({ onStray: stray }).install() : undefined;
    const run = (job: PlannedJob): Promise<JobOutcome> => (guard ? runGuarded(ctx, guard, job) : runInWorker(ctx, job, threads));
    try {
      await this.loop(ctx, workers, run, failedOrSkipped);
    } finally {
      guard?.dispose();
    }
  }

  private async loop(ctx: ExecutorContext, workers: number, run: (job: PlannedJob) => Promise<JobOutcome>, failedOrSkipped: (id: string) => boolean): Promise<void> {
    const running = new Map<string, Promise<JobOutcome>>();
    // Jobs another runner holds: not tried again in this pass (the study runner waits and calls again).
    const elsewhere = new Set<string>();

    while (!ctx.signal.aborted) {
      // Dependents of a failed job can never run: record why, instead of leaving them pending.
      for (const job of ctx.jobs) {
        const s = ctx.statusOf(job.id);
        if ((s === 'pending' || s === 'running') && !running.has(job.id) && job.parents.some(failedOrSkipped)) {
          ctx.skip(job, `parent ${job.parents.find(failedOrSkipped)} did not finish`);
        }
      }
      const ready = readyJobs(ctx.jobs, ctx.statusOf, new Set([...running.keys(), ...elsewhere]));
      for (const job of ready.slice(0, Math.max(0, workers - running.size))) {
        running.set(
          job.id,
          run(job)
            .then((outcome) => {
              if (outcome.elsewhere) elsewhere.add(job.id);
              return outcome;
            })
            .finally(() => running.delete(job.id)),
        );
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    await Promise.allSettled(running.values());
  }
}

/** Exit code of a worker that found its job held by another runner (EX_TEMPFAIL). */
export const WORKER_ELSEWHERE_EXIT = 75;

/**
 * One job in this process under the guard. A process-level failure is the job's: it is recorded,
 * the job's signal stops what of its code still listens, and should that code still finish the
 * job later, the failure is recorded again over it.
 */
async function runGuarded(ctx: ExecutorContext, guard: ProcessGuard, job: PlannedJob): Promise<JobOutcome> {
  const controller = new AbortController();
  const outcome = await guard.run(job.id, () => ctx.runInProcess(job, { signal: controller.signal }));
  if (outcome.ok) return outcome.value;
  controller.abort(new Error(outcome.error.split('\n')[0]));
  ctx.fail(job, outcome.error);
  outcome.late.then(
    () => {
      if (ctx.statusOf(job.id) !== 'failed') ctx.fail(job, outcome.error);
    },
    () => undefined,
  );
  return { id: job.id, status: 'failed', error: outcome.error };
}

/** `node <entry> ...args <jobId>`; the worker writes the outcome to the store itself. */
function runInWorker(ctx: ExecutorContext, job: PlannedJob, threads: number): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const child = fork(ctx.worker.entry, [...ctx.worker.args, job.id], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NASLAB_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
    });
    const onAbort = () => child.kill('SIGTERM');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('exit', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      // The worker found the job claimed by another live runner and did nothing.
      if (code === WORKER_ELSEWHERE_EXIT) return resolve({ id: job.id, status: 'running', error: 'running elsewhere', elsewhere: 'another runner' });
      const outcome = ctx.outcomeOf(job.id);
      if (outcome.status === 'done' || outcome.status === 'failed' || outcome.status === 'diverged') return resolve(outcome);
      // The process died without recording an outcome (crash, OOM kill).
      const error = `worker process exited with ${signal ?? `code ${code}`} before recording a result`;
      ctx.fail(job, error);
      resolve({ id: job.id, status: 'failed', error });
    });
  });
}

export default definePlugin({
  kind: 'executor',
  id: 'local',
  description: 'Runs jobs on this machine, in-process or in N worker processes.',
  options,
  create: ({ options }) => new LocalExecutor(options),
});
