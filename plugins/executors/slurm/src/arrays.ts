import type { JobKind, PlannedJob } from '@naslab/core';

/** Where an already-submitted job runs: Slurm array `array`, task `index`. */
export interface SlurmTask {
  readonly array: string;
  readonly index: number;
}

/** A parent a new array waits for: another new array (by its position) or an array already queued. */
export type ArrayRef = { readonly group: number } | { readonly array: string };

export type Dependency =
  /** Task i waits for task i of the parent array (sbatch --dependency=aftercorr:<array>). */
  | { readonly kind: 'aftercorr'; readonly on: ArrayRef }
  /** One task waiting for several parents (sbatch --dependency=afterok:<a>_<i>:<b>_<j>). */
  | { readonly kind: 'afterok'; readonly on: readonly (ArrayRef & { readonly index: number })[] };

/** One sbatch call: jobs of one kind as an array, task index → job. */
export interface ArrayGroup {
  readonly kind: JobKind;
  readonly tasks: { index: number; job: PlannedJob }[];
  readonly dependency?: Dependency;
}

/**
 * Lay out jobs (parents first) as Slurm job arrays. Jobs of one kind whose parents are all done
 * share an array, tasks 0, 1, 2…; a job with one parent still to run takes its parent's task
 * index in an array that depends on the parent's with `aftercorr`, so each task waits for its
 * own parent only and one failed search does not hold back the others' trainings. Siblings (the
 * trainings of one search's K architectures) go into K arrays. A job with several parents still
 * to run (no planner makes those today) is an array of one task with `afterok` on each.
 * `parent(id)` says where a parent submitted earlier runs, or that it is done; a parent that is
 * neither, nor among `jobs`, is a caller's mistake (its child would start too early): it throws.
 */
export function layOutArrays(
  jobs: readonly PlannedJob[],
  parent: (id: string) => SlurmTask | 'done' | undefined,
  maxArraySize: number,
): ArrayGroup[] {
  const groups: (ArrayGroup & { key: string; used: Set<number> })[] = [];
  const placed = new Map<string, { group: number; index: number }>();
  const where = (id: string): (ArrayRef & { index: number }) | undefined => {
    const p = placed.get(id);
    if (p) return p;
    const q = parent(id);
    if (q === undefined) throw new Error(`job ${id} is neither done, queued nor being submitted: its dependents cannot be laid out`);
    return q === 'done' ? undefined : { array: q.array, index: q.index };
  };
  const open = (key: string, kind: JobKind, dependency: Dependency | undefined, fits: (g: { used: Set<number>; tasks: unknown[] }) => boolean) => {
    let g = groups.findIndex((x) => x.key === key && fits(x));
    if (g < 0) {
      groups.push({ key, kind, tasks: [], used: new Set(), ...(dependency ? { dependency } : {}) });
      g = groups.length - 1;
    }
    return g;
  };
  const add = (g: number, index: number, job: PlannedJob) => {
    groups[g]!.tasks.push({ index, job });
    groups[g]!.used.add(index);
    placed.set(job.id, { group: g, index });
  };
  for (const job of jobs) {
    const waiting = job.parents.map(where).filter((w): w is ArrayRef & { index: number } => w !== undefined);
    if (waiting.length === 0) {
      const g = open(`root:${job.kind}`, job.kind, undefined, (x) => x.tasks.length < maxArraySize);
      add(g, groups[g]!.tasks.length, job);
    } else if (waiting.length === 1) {
      const { index, ...on } = waiting[0]!;
      const parentKey = 'group' in on ? `g${on.group}` : `a${on.array}`;
      const g = open(`corr:${job.kind}:${parentKey}`, job.kind, { kind: 'aftercorr', on }, (x) => !x.used.has(index));
      add(g, index, job);
    } else {
      groups.push({ key: `single:${job.id}`, kind: job.kind, tasks: [], used: new Set(), dependency: { kind: 'afterok', on: waiting } });
      add(groups.length - 1, 0, job);
    }
  }
  return groups.map(({ key: _key, used: _used, ...g }) => g);
}

/** `0,2,5` (+ `%limit`): the task list of sbatch --array. */
export function arraySpec(indices: readonly number[], limit?: number): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',') + (limit ? `%${limit}` : '');
}
