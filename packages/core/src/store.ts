import type { EpochMetrics } from './contracts.js';
import type { JobStatus, Json, PlannedJob } from './jobs.js';

export type { JobStatus } from './jobs.js';

/** What produced a result: enough to tell two results apart and to redo one. */
export interface Provenance {
  readonly plugins: Record<string, string>;
  readonly core: string;
  readonly manifestHash: string;
  readonly backend?: string;
  /** The device the backend ran on (`cuda:0 (NVIDIA H100 80GB HBM3)`), when it says. */
  readonly device?: string;
  /**
   * CPU threads the job was given. A multi-threaded backend (libtorch) splits reductions by
   * thread count, so the same job on the same backend is bit-identical only at the same count.
   */
  readonly threads?: number;
  readonly gitCommit?: string;
  readonly node: string;
  readonly host: { platform: string; arch: string; cpus: number };
}

export interface JobRecord {
  readonly id: string;
  readonly kind: PlannedJob['kind'];
  readonly status: JobStatus;
  readonly attempts: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly seconds?: number;
  readonly error?: string;
  readonly result?: Json;
  readonly provenance?: Provenance;
  readonly spec: Json;
  /**
   * Attempts since the last reset that were cut short by the death of the process running them
   * (kill -9, a crash, power loss): not failures, and not counted by `attempts`' crash-loop limit.
   */
  readonly interrupted?: number;
  /** The runner holding the job while it runs (stores that claim jobs). */
  readonly lease?: Lease;
}

/** A runner's claim on a running job: its owner id (`host:pid:random`) and when it expires. */
export interface Lease {
  readonly owner: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** How an attempt ended; `running` while it runs. */
export type AttemptOutcome = 'running' | 'done' | 'failed' | 'diverged' | 'interrupted';

/** One attempt at a job, kept across `--retry-failed` and `--rerun`. */
export interface AttemptRecord {
  /** 1, 2, …: every attempt the job ever had, resets included. */
  readonly n: number;
  readonly owner?: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly outcome: AttemptOutcome;
  readonly error?: string;
}

/** What `claimJob` found: the job is now this runner's, or someone else's (or finished). */
export type Claim =
  | { readonly claimed: true; readonly attempts: number; readonly interrupted: number }
  | { readonly claimed: false; readonly status: JobStatus; readonly lease?: Lease };

export interface StudyRecord {
  readonly name: string;
  readonly manifestFile: string;
  readonly manifestHash: string;
  readonly createdAt: string;
  readonly jobIds: readonly string[];
}

/**
 * The results database contract. Implementations make each call atomic (a transaction), so
 * a process killed at any moment loses at most the job in flight.
 */
export interface ResultStore {
  readonly location: string;
  /** Record (or update) a study and the jobs of its plan; finished jobs are kept. */
  saveStudy(study: StudyRecord, jobs: readonly PlannedJob[]): void;
  getStudy(name: string): StudyRecord | undefined;
  listStudies(): StudyRecord[];
  getJob(id: string): JobRecord | undefined;
  /** Mark running and count the attempt (in the history too, under `owner`); returns the new attempt number. */
  startJob(id: string, provenance: Provenance, owner?: string): number;
  /**
   * Claim a job before running it, atomically: it becomes `owner`'s for `leaseMs` if it is
   * pending, or running under a lease that expired or whose owner `gone` says is dead (its open
   * attempt is then recorded as interrupted). Stores without it run jobs unclaimed (one writer).
   */
  claimJob?(id: string, owner: string, leaseMs: number, gone: (owner: string) => boolean): Claim;
  /** Extend `owner`'s lease; false when the job is no longer its (the lease expired and was taken). */
  renewLease?(id: string, owner: string, leaseMs: number): boolean;
  /**
   * The owner stops the job (Ctrl-C, SIGTERM): its attempt is recorded as interrupted, not counted
   * as a death, and the job is pending again, claimable at once; its checkpoints stay.
   */
  releaseJob?(id: string, owner: string, reason: string): void;
  /** Every attempt the job had, oldest first. */
  attemptHistory?(id: string): AttemptRecord[];
  finishJob(id: string, result: Json, seconds: number, provenance?: Provenance): void;
  failJob(id: string, error: string, seconds: number): void;
  skipJob(id: string, reason: string): void;
  /**
   * Record a training that diverged (`detail`: epoch, step, loss): final, like done, but no
   * result. A store without it records the job as failed with the same words.
   */
  divergeJob?(id: string, detail: string, seconds: number): void;
  /**
   * Back to pending (to retry a failed or skipped job); a done job only with `evenIfDone`
   * (`naslab run --rerun`), whose artefacts the caller clears.
   */
  resetJob(id: string, options?: { readonly evenIfDone?: boolean }): void;
  recordEpoch(id: string, metrics: EpochMetrics): void;
  epochs(id: string): EpochMetrics[];
  /** Folder for a job's artefacts (checkpoints, weights, genotypes), created on demand. */
  artefactDir(id: string): string;
  close(): void;
}
