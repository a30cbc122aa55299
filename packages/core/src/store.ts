import type { EpochMetrics } from './contracts.js';
import type { JobStatus, Json, PlannedJob } from './jobs.js';

export type { JobStatus } from './jobs.js';

/** What produced a result: enough to tell two results apart and to redo one. */
export interface Provenance {
  readonly plugins: Record<string, string>;
  readonly core: string;
  readonly manifestHash: string;
  readonly backend?: string;
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
}

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
  /** Mark running and count the attempt; returns the new attempt number. */
  startJob(id: string, provenance: Provenance): number;
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
