import type { StudyEvents } from './events.js';
import type { JobOutcome, JobStatus, PlannedJob } from './jobs.js';
import type { Logger } from './logger.js';
import type { ResultStore } from './store.js';

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
  /** `signal` stops this one job (e.g. after its plugin code broke the process's rules). */
  runInProcess(job: PlannedJob, options?: { readonly signal?: AbortSignal }): Promise<JobOutcome>;
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
  /**
   * The study's store. Executors whose jobs run on other machines ingest their results into it
   * (the submitting process is the store's one writer); others need not touch it.
   */
  readonly store: ResultStore;
  /** Progress events, for executors that learn of starts and ends other than through runJob. */
  readonly events?: StudyEvents;
  /** Submit and return without waiting (`naslab run --detach`); only executors with `ingest` can. */
  readonly detach?: boolean;
  readonly logger?: Logger;
}

/** What `ingest` is handed (`naslab status`): the store, and no plan. */
export interface IngestContext {
  readonly store: ResultStore;
  readonly logger?: Logger;
}

/** What one `ingest` call brought into the store, and what is still out there. */
export interface IngestReport {
  /** Outcomes recorded by this call (done, failed, skipped); a second call counts none of them. */
  readonly ingested: number;
  /** Lines for the user (queued and running counts, what was recorded and why). */
  readonly notes: readonly string[];
}

export interface Executor {
  execute(ctx: ExecutorContext): Promise<void>;
  /**
   * Executors that submit jobs elsewhere (a cluster): bring what finished since the last call into
   * the store, record what died or vanished, and submit nothing. `naslab status` calls it.
   */
  ingest?(ctx: IngestContext): Promise<IngestReport>;
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
      // After a diverged parent the job runs to record that it diverged too (no work is done).
      job.parents.every((p) => status(p) === 'done' || status(p) === 'diverged'),
  );
}
