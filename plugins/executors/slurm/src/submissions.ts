import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JobKind } from '@naslab/core';
import { writeFileAtomic } from '@naslab/store/job-folder';

/** One naslab job this store has submitted and not yet seen end. */
export interface Submission {
  /** `A_i`: Slurm array job A, task i. */
  readonly task: string;
  readonly array: string;
  readonly index: number;
  readonly kind: JobKind;
  readonly parents: readonly string[];
  readonly submittedAt: string;
  readonly log: string;
  /** Set when squeue first showed it running (for start events). */
  runningSeen?: boolean;
  /** When Slurm first said it ended while no result file was there (file systems lag). */
  lostSince?: string;
  /** Cancelled by naslab itself (Ctrl-C of an attached run): interrupted, not failed. */
  cancelledByUs?: boolean;
}

interface SubmissionsFile {
  readonly version: 1;
  readonly jobs: Record<string, Submission>;
}

/**
 * What this store has submitted to Slurm and not seen end: `<store>/slurm/submissions.json`,
 * written by the submitting process only (atomically). Slurm alone cannot say what is in flight:
 * cancelled pending array tasks vanish without a record, and finished ones leave squeue after
 * MinJobAge. One file per store, not per study: two studies sharing a job never both submit it.
 */
export class Submissions {
  readonly dir: string;
  private readonly file: string;
  readonly jobs: Map<string, Submission>;

  constructor(storeLocation: string) {
    this.dir = join(storeLocation, 'slurm');
    this.file = join(this.dir, 'submissions.json');
    const data = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as SubmissionsFile) : undefined;
    this.jobs = new Map(Object.entries(data?.jobs ?? {}));
  }

  save(): void {
    const data: SubmissionsFile = { version: 1, jobs: Object.fromEntries(this.jobs) };
    writeFileAtomic(this.file, JSON.stringify(data, null, 1));
  }

  /** Folder for batch scripts and task logs. */
  path(...parts: string[]): string {
    const p = join(this.dir, ...parts);
    mkdirSync(join(p, '..'), { recursive: true });
    return p;
  }
}

/**
 * Run `fn` holding the store's Slurm lock (a folder: `mkdir` is atomic on network file systems
 * too), so two naslab processes never ingest the same outcome or submit the same job. A lock left
 * by a dead process on this host, or older than `staleSeconds`, is taken over.
 */
export async function withSubmissionLock<T>(storeLocation: string, fn: () => Promise<T>, options: { waitSeconds?: number; staleSeconds?: number } = {}): Promise<T> {
  const dir = join(storeLocation, 'slurm');
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'lock');
  const owner = join(lock, 'owner');
  const deadline = Date.now() + (options.waitSeconds ?? 120) * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, JSON.stringify({ host: hostname(), pid: process.pid, at: new Date().toISOString() }));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (isStale(lock, owner, options.staleSeconds ?? 600)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        const who = existsSync(owner) ? readFileSync(owner, 'utf8') : '(unknown)';
        throw new Error(`another naslab process holds ${lock} (${who}); wait for it, or remove the folder if that process is gone`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isStale(lock: string, owner: string, staleSeconds: number): boolean {
  try {
    const o = JSON.parse(readFileSync(owner, 'utf8')) as { host: string; pid: number };
    if (o.host === hostname()) {
      try {
        process.kill(o.pid, 0);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    }
  } catch {
    // Owner file not written yet (the other process is between mkdir and write), or unreadable.
  }
  try {
    return Date.now() - statSync(lock).mtimeMs > staleSeconds * 1000;
  } catch {
    return false;
  }
}
