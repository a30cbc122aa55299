/**
 * The floor of core's types: what a job is and what state it is in. Everything else (planner,
 * store, executor, plugins) builds on these, so importing them never forms a cycle.
 */

/** JSON-serializable value (what crosses job and process boundaries). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type JobKind = 'search' | 'train' | 'evaluate';

/**
 * `diverged`: a train job whose loss became NaN/∞ (and the evaluate job after it) — final, never
 * retried, left out of means and RI and listed apart in reports.
 */
export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'diverged';

/** One node of a study's job DAG. */
export interface PlannedJob {
  /** Content hash of everything the job's result depends on. */
  readonly id: string;
  readonly kind: JobKind;
  readonly parents: readonly string[];
  /** Dataset label. */
  readonly dataset: string;
  /** Method label. */
  readonly method: string;
  readonly seed: number;
  /** Protocol name (train and evaluate jobs). */
  readonly protocol?: string;
  /** Which of the search's architectures (train and evaluate jobs). */
  readonly index?: number;
  /** The inputs that were hashed into `id`. */
  readonly spec: Json;
  /**
   * Key of the job's random stream: what it computes, never scheduling order, and not the code
   * digests of path/workspace plugins (editing one reruns a job with the same draws).
   */
  readonly randomKey?: string;
}

export interface JobOutcome {
  readonly id: string;
  readonly status: JobStatus;
  readonly error?: string;
  /** Not run here: another live runner holds the job's claim (its owner id). Wait, then look again. */
  readonly elsewhere?: string;
  /** Already finished when this call looked (by an earlier run, or another runner since): nothing ran. */
  readonly finishedBefore?: true;
}
