import { appendFileSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Claim, EpochMetrics, Json, JobRecord, Lease, PlannedJob, Provenance, ResultStore, StudyRecord } from '@naslab/core';

/**
 * The one-writer protocol for jobs that run on other machines (a cluster's compute nodes).
 *
 * Cluster file systems (NFS, Lustre) do not honour SQLite's locks, so a task never opens the
 * study's database. It writes into its job folder, `<store>/artefacts/<job id>/` (the folder its
 * checkpoints already live in), under `record/`:
 *
 * - `started.json`  when an attempt starts (its token and provenance);
 * - `metrics.jsonl` one line per recorded epoch or search step, appended by the task alone;
 *   a reader takes complete lines only;
 * - `result.json`   a finished job's result: permanent, read by the tasks of its dependents;
 * - `diverged.json` a training that diverged (its detail): permanent, read by its evaluation's task;
 * - `claim-<n>.json` the task that holds the job (owner id, lease expiry); generation n + 1 is
 *   taken by an exclusive hard link, so two tasks never both hold it;
 * - `outcome.json`  how the attempt ended (`done`, `failed`, `diverged` or `interrupted`), written last.
 *
 * Every file but the metrics is written to a temporary name, flushed and renamed, so a reader
 * sees a whole file or none. The submitting process alone writes the database: it ingests an
 * outcome into the store and then moves it to `record/history/`, so each outcome is ingested once.
 */
export const RECORD_DIR = 'record';

/** How one attempt of a task ended, as the task wrote it. */
export interface TaskOutcome {
  readonly status: 'done' | 'failed' | 'diverged' | 'interrupted';
  /** Which attempt wrote it (e.g. the Slurm task and its restart count). */
  readonly attempt: string;
  readonly seconds: number;
  readonly error?: string;
  readonly startedAt?: string;
  readonly finishedAt: string;
  readonly provenance?: Provenance;
}

/** What `started.json` holds. */
export interface TaskStart {
  readonly attempt: string;
  readonly startedAt: string;
  readonly host: string;
  readonly provenance: Provenance;
}

/** A finished job's result in its folder (`result.json`). */
export interface FolderResult {
  readonly result: Json;
  readonly seconds: number;
  readonly finishedAt: string;
  readonly provenance?: Provenance;
}

/** Write `text` to `file` so that readers see the old file, or the whole new one. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${hostname()}-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); it was not written by naslab, or was edited`);
  }
}

/** Non-finite numbers become null, as the SQLite store keeps them. */
const finiteOrNull = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** A job id names a folder: nothing that could step outside `artefacts/`. */
function folderName(id: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(id)) throw new Error(`"${id}" is not a job id (letters, digits, "-", "_", ".")`);
  return id;
}

/** The job folders of one results store (`<location>/artefacts/<id>/`). */
export class JobFolders {
  constructor(readonly location: string) {}

  /** A job's folder (its artefacts and checkpoints, and `record/`), created on demand. */
  dir(id: string): string {
    const dir = join(this.location, 'artefacts', folderName(id));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private file(id: string, name: string): string {
    return join(this.location, 'artefacts', folderName(id), RECORD_DIR, name);
  }

  outcome(id: string): TaskOutcome | undefined {
    return readJson<TaskOutcome>(this.file(id, 'outcome.json'));
  }

  started(id: string): TaskStart | undefined {
    return readJson<TaskStart>(this.file(id, 'started.json'));
  }

  result(id: string): FolderResult | undefined {
    return readJson<FolderResult>(this.file(id, 'result.json'));
  }

  /** A diverged training's detail (`diverged.json`), if it diverged. */
  diverged(id: string): { readonly detail: string; readonly seconds: number } | undefined {
    return readJson(this.file(id, 'diverged.json'));
  }

  /** The claim generations present, highest (the holder, if its lease holds) last. */
  private claims(id: string): number[] {
    let names: string[];
    try {
      names = readdirSync(this.file(id, ''));
    } catch {
      return [];
    }
    return names
      .map((n) => /^claim-(\d+)\.json$/.exec(n)?.[1])
      .filter((g): g is string => g !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /**
   * Claim the job for `owner`: generation n + 1 of the claim file is created by a hard link of a
   * whole temporary file (atomic, and it fails if the name exists), when there is no claim or
   * the highest one's lease expired or its owner is gone. Returns the generation, or the lease
   * that holds.
   */
  claim(id: string, owner: string, leaseMs: number, gone: (owner: string) => boolean): { generation: number } | { held: Lease } {
    const gens = this.claims(id);
    const top = gens.at(-1) ?? 0;
    if (top > 0) {
      const held = readJson<Lease>(this.file(id, `claim-${top}.json`));
      if (held && held.expiresAt >= Date.now() && !gone(held.owner)) return { held };
    }
    const name = this.file(id, `claim-${top + 1}.json`);
    const tmp = `${name}.tmp-${hostname()}-${process.pid}`;
    mkdirSync(dirname(name), { recursive: true });
    writeFileAtomic(tmp, JSON.stringify({ owner, expiresAt: Date.now() + leaseMs }));
    try {
      linkSync(tmp, name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return { held: readJson<Lease>(name) ?? { owner: 'another task', expiresAt: Date.now() + leaseMs } };
    } finally {
      rmSync(tmp, { force: true });
    }
    for (const g of gens) rmSync(this.file(id, `claim-${g}.json`), { force: true }); // stale ones
    return { generation: top + 1 };
  }

  /** Extend a claim; false if a later generation took the job. */
  renewClaim(id: string, generation: number, owner: string, leaseMs: number): boolean {
    if ((this.claims(id).at(-1) ?? 0) !== generation) return false;
    writeFileAtomic(this.file(id, `claim-${generation}.json`), JSON.stringify({ owner, expiresAt: Date.now() + leaseMs }));
    return true;
  }

  /** Drop a claim (the attempt ended). */
  dropClaim(id: string, generation: number): void {
    try {
      unlinkSync(this.file(id, `claim-${generation}.json`));
    } catch {
      // Taken over already: nothing of ours is left.
    }
  }

  /** Every complete line of `metrics.jsonl` (a line still being appended is left for later). */
  metrics(id: string): EpochMetrics[] {
    const file = this.file(id, 'metrics.jsonl');
    if (!existsSync(file)) return [];
    const text = readFileSync(file, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    return complete
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EpochMetrics);
  }

  /** The path of a job's log or record file, for messages. */
  recordPath(id: string, name = ''): string {
    return this.file(id, name);
  }

  // -- task side --------------------------------------------------------------------------

  writeStarted(id: string, start: TaskStart): void {
    writeFileAtomic(this.file(id, 'started.json'), JSON.stringify(start));
  }

  appendMetrics(id: string, metrics: EpochMetrics): void {
    mkdirSync(dirname(this.file(id, 'metrics.jsonl')), { recursive: true });
    appendFileSync(this.file(id, 'metrics.jsonl'), JSON.stringify(metrics, finiteOrNull) + '\n');
  }

  writeResult(id: string, result: FolderResult): void {
    writeFileAtomic(this.file(id, 'result.json'), JSON.stringify(result, finiteOrNull));
  }

  writeOutcome(id: string, outcome: TaskOutcome): void {
    writeFileAtomic(this.file(id, 'outcome.json'), JSON.stringify(outcome));
  }

  writeDiverged(id: string, detail: string, seconds: number): void {
    writeFileAtomic(this.file(id, 'diverged.json'), JSON.stringify({ detail, seconds }));
  }

  // -- submitter side ---------------------------------------------------------------------

  /**
   * Before a job is submitted: move what an earlier attempt left (`outcome.json`,
   * `started.json`) into the history, so only the new attempt's files are read.
   */
  clearAttempt(id: string): void {
    for (const name of ['outcome.json', 'started.json'] as const) this.archive(id, name);
  }

  /** Move a consumed record file into `record/history/` (kept for the curious, read by nobody). */
  archive(id: string, name: 'outcome.json' | 'started.json'): void {
    const from = this.file(id, name);
    if (!existsSync(from)) return;
    const history = this.file(id, 'history');
    mkdirSync(history, { recursive: true });
    const n = readdirSync(history).length;
    renameSync(from, join(history, `${String(n).padStart(4, '0')}-${name}`));
  }

  /** A job done in the store gets its `result.json`, so the tasks of its dependents can read it. */
  exportResult(record: JobRecord): void {
    if (record.status === 'diverged' && !existsSync(this.file(record.id, 'diverged.json'))) this.writeDiverged(record.id, record.error ?? 'training diverged', record.seconds ?? 0);
    if (record.status !== 'done' || existsSync(this.file(record.id, 'result.json'))) return;
    this.writeResult(record.id, {
      result: record.result ?? null,
      seconds: record.seconds ?? 0,
      finishedAt: record.finishedAt ?? new Date().toISOString(),
      ...(record.provenance ? { provenance: record.provenance } : {}),
    });
  }

  /** Remove a job's record files (tests; a fresh start of one job). */
  removeRecord(id: string): void {
    rmSync(this.file(id, ''), { recursive: true, force: true });
  }
}

/** A store that can group writes into one transaction (the SQLite store can). */
interface Transactional {
  transaction<T>(fn: () => T): T;
}

function inTransaction<T>(store: ResultStore, fn: () => T): T {
  const t = (store as Partial<Transactional>).transaction;
  return typeof t === 'function' ? (t.call(store, fn) as T) : fn();
}

/** What ingesting one job's folder did. */
export type Ingested = 'done' | 'failed' | 'diverged' | 'interrupted';

/**
 * Bring a task's outcome into the study's store, once: the attempt, its metrics, then its result
 * or error, in one transaction; then the outcome moves to the history. `interrupted` outcomes are
 * recorded as `interruptedAs` says: `failed` (with `error`, e.g. the scheduler's reason) or
 * `interrupted` (the job stays `running` and a rerun resumes it, as after Ctrl-C of a local run).
 * An outcome whose job the store already has finished (done, failed or skipped) is only moved.
 */
export function ingestOutcome(
  store: ResultStore,
  folders: JobFolders,
  id: string,
  options: { interruptedAs?: 'failed' | 'interrupted'; error?: string } = {},
): Ingested | undefined {
  const outcome = folders.outcome(id);
  if (!outcome) return undefined;
  const status = store.getJob(id)?.status ?? 'pending';
  let ingested: Ingested | undefined;
  if (status === 'pending' || status === 'running') {
    const provenance = outcome.provenance ?? folders.started(id)?.provenance;
    const as = outcome.status === 'interrupted' ? (options.interruptedAs ?? 'failed') : outcome.status;
    inTransaction(store, () => {
      if (provenance) store.startJob(id, provenance);
      for (const m of folders.metrics(id)) store.recordEpoch(id, m);
      if (as === 'done') {
        const stored = folders.result(id);
        if (!stored) throw new Error(`${folders.recordPath(id, 'outcome.json')} says done, but ${folders.recordPath(id, 'result.json')} is missing`);
        store.finishJob(id, stored.result, outcome.seconds, stored.provenance ?? provenance);
      } else if (as === 'failed') {
        store.failJob(id, options.error ?? outcome.error ?? 'failed', outcome.seconds);
      } else if (as === 'diverged') {
        const detail = outcome.error ?? 'training diverged';
        if (store.divergeJob) store.divergeJob(id, detail, outcome.seconds);
        else store.failJob(id, detail, outcome.seconds);
      }
    });
    ingested = as;
  }
  folders.archive(id, 'outcome.json');
  folders.archive(id, 'started.json');
  return ingested;
}

/**
 * A task that ended without an outcome (killed before it could write one, or never started):
 * record the failure, with the attempt and metrics it left if it started.
 */
export function ingestLost(store: ResultStore, folders: JobFolders, id: string, error: string): void {
  const status = store.getJob(id)?.status ?? 'pending';
  if (status !== 'pending' && status !== 'running') return;
  const started = folders.started(id);
  inTransaction(store, () => {
    if (started) store.startJob(id, started.provenance);
    for (const m of folders.metrics(id)) store.recordEpoch(id, m);
    const seconds = started ? Math.max(0, (Date.now() - Date.parse(started.startedAt)) / 1000) : 0;
    store.failJob(id, error, seconds);
  });
  folders.archive(id, 'started.json');
}

/**
 * The store a task uses on a compute node: everything it writes goes to job folders (see
 * `JobFolders`); it reads its parents' results from their folders. It never opens the database.
 */
export class JobFolderStore implements ResultStore {
  private readonly folders: JobFolders;
  private readonly plan: Map<string, PlannedJob>;
  private readonly startedAt = new Map<string, string>();
  private readonly provenance = new Map<string, Provenance>();
  /** Whether this process wrote the job's outcome (the worker writes one if not). */
  readonly outcomes = new Set<string>();
  /** The claim generation this process holds, per job. */
  private readonly held = new Map<string, number>();

  constructor(
    readonly location: string,
    jobs: readonly PlannedJob[],
    /** Names this attempt in the files it writes. */
    private readonly attempt: string = `${hostname()}:${process.pid}`,
  ) {
    this.folders = new JobFolders(location);
    this.plan = new Map(jobs.map((j) => [j.id, j]));
  }

  saveStudy(_study: StudyRecord, _jobs: readonly PlannedJob[]): void {
    throw new Error('a task does not record studies: the submitting process does');
  }
  getStudy(): StudyRecord | undefined {
    return undefined;
  }
  listStudies(): StudyRecord[] {
    return [];
  }

  /** Done (from `result.json`) or pending: a task sees finished parents and its own job. */
  getJob(id: string): JobRecord | undefined {
    const job = this.plan.get(id);
    const stored = this.folders.result(id);
    if (!job && !stored) return undefined;
    const base = { id, kind: job?.kind ?? 'search', attempts: 0, spec: job?.spec ?? null } as const;
    const diverged = stored ? undefined : this.folders.diverged(id);
    if (diverged) return { ...base, status: 'diverged', error: diverged.detail, seconds: diverged.seconds };
    if (!stored) return { ...base, status: 'pending' };
    return { ...base, status: 'done', result: stored.result, seconds: stored.seconds, finishedAt: stored.finishedAt, provenance: stored.provenance };
  }

  startJob(id: string, provenance: Provenance): number {
    const startedAt = new Date().toISOString();
    this.startedAt.set(id, startedAt);
    this.provenance.set(id, provenance);
    this.folders.writeStarted(id, { attempt: this.attempt, startedAt, host: hostname(), provenance });
    return 1;
  }

  finishJob(id: string, result: Json, seconds: number, provenance?: Provenance): void {
    const finishedAt = new Date().toISOString();
    const prov = provenance ?? this.provenance.get(id);
    this.folders.writeResult(id, { result, seconds, finishedAt, ...(prov ? { provenance: prov } : {}) });
    this.writeOutcome(id, { status: 'done', seconds, ...(prov ? { provenance: prov } : {}) });
  }

  failJob(id: string, error: string, seconds: number): void {
    this.writeOutcome(id, { status: 'failed', error, seconds });
  }

  /** A training that diverged: final, as in the database; its evaluation's task reads it. */
  divergeJob(id: string, detail: string, seconds: number): void {
    this.folders.writeDiverged(id, detail, seconds);
    this.writeOutcome(id, { status: 'diverged', error: detail, seconds });
  }

  /** Two tasks of one job (a requeue beside a straggler, two submitters) never both run it. */
  claimJob(id: string, owner: string, leaseMs: number, gone: (owner: string) => boolean): Claim {
    const got = this.folders.claim(id, owner, leaseMs, gone);
    if ('held' in got) return { claimed: false, status: 'running', lease: got.held };
    this.held.set(id, got.generation);
    return { claimed: true, attempts: 0, interrupted: 0 };
  }

  renewLease(id: string, owner: string, leaseMs: number): boolean {
    const generation = this.held.get(id);
    return generation !== undefined && this.folders.renewClaim(id, generation, owner, leaseMs);
  }

  /** Stopped by a signal: the claim goes; the worker writes the interrupted outcome. */
  releaseJob(id: string): void {
    this.dropClaim(id);
  }

  private dropClaim(id: string): void {
    const generation = this.held.get(id);
    if (generation === undefined) return;
    this.folders.dropClaim(id, generation);
    this.held.delete(id);
  }

  /** The attempt was cut short (SIGTERM): its checkpoints stay, a resubmission resumes. */
  interruptJob(id: string, reason: string, seconds: number): void {
    this.writeOutcome(id, { status: 'interrupted', error: reason, seconds });
  }

  private writeOutcome(id: string, o: Pick<TaskOutcome, 'status' | 'seconds' | 'error' | 'provenance'>): void {
    const provenance = o.provenance ?? this.provenance.get(id);
    this.folders.writeOutcome(id, {
      ...o,
      attempt: this.attempt,
      startedAt: this.startedAt.get(id),
      finishedAt: new Date().toISOString(),
      ...(provenance ? { provenance } : {}),
    });
    this.outcomes.add(id);
    this.dropClaim(id);
  }

  skipJob(_id: string, _reason: string): void {
    throw new Error('a task does not skip jobs: the submitting process does');
  }
  resetJob(_id: string): void {
    throw new Error('a task does not reset jobs: the submitting process does');
  }

  recordEpoch(id: string, metrics: EpochMetrics): void {
    this.folders.appendMetrics(id, metrics);
  }

  epochs(id: string): EpochMetrics[] {
    return this.folders.metrics(id);
  }

  artefactDir(id: string): string {
    return this.folders.dir(id);
  }

  close(): void {}
}
