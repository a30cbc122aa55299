import type { JobOutcome, JobStatus, PlannedJob } from './jobs.js';

export type { JobOutcome } from './jobs.js';

/**
 * What an executor is handed: the plan, and two ways to run one job — in this process, or
 * as `node <entry> ...args <jobId>` in another (the worker writes its result to the store
 * itself; the executor then reads the outcome back).
 */
export interface ExecutorContext {
  readonly jobs: readonly PlannedJob[];
  /** Status already in the store (done jobs are not run again). */
  statusOf(jobId: string): JobStatus;
  runInProcess(job: PlannedJob): Promise<JobOutcome>;
  readonly worker: { readonly entry: string; readonly args: readonly string[] };
  /** Read a job's outcome after a worker process ended. */
  outcomeOf(jobId: string): JobOutcome;
  /** Record a failure the job could not record itself (its worker process died). */
  fail(job: PlannedJob, error: string): void;
  /** Mark a job skipped because a parent failed. */
  skip(job: PlannedJob, reason: string): void;
  /** CLI override of the executor's worker count (`--workers N`). */
  readonly workers?: number;
  readonly signal: AbortSignal;
}

export interface Executor {
  execute(ctx: ExecutorContext): Promise<void>;
}

/**
 * Jobs in an order where each comes after its parents (the planner already emits this order;
 * executors use it to decide what is ready).
 */
export function readyJobs(
  jobs: readonly PlannedJob[],
  status: (id: string) => JobStatus,
  inFlight: ReadonlySet<string>,
): PlannedJob[] {
  return jobs.filter(
    (job) =>
      !inFlight.has(job.id) &&
      (status(job.id) === 'pending' || status(job.id) === 'running') &&
      job.parents.every((p) => status(p) === 'done'),
  );
}
