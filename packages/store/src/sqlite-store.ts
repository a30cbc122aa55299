import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fileKind, InputError, writableFolderProblem } from '@naslab/core';
import type { AttemptOutcome, AttemptRecord, Claim, EpochMetrics, Json, JobRecord, PlannedJob, Provenance, ResultStore, StudyRecord } from '@naslab/core';

const schema = `
CREATE TABLE IF NOT EXISTS studies (
  name TEXT PRIMARY KEY,
  manifest_file TEXT NOT NULL,
  manifest_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  job_ids TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  seconds REAL,
  error TEXT,
  result TEXT,
  provenance TEXT,
  spec TEXT NOT NULL,
  interrupted INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires INTEGER
);
CREATE TABLE IF NOT EXISTS attempts (
  job_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  owner TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  outcome TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (job_id, n)
);
CREATE TABLE IF NOT EXISTS epochs (
  job_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  metrics TEXT NOT NULL,
  PRIMARY KEY (job_id, epoch)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** 2: claims (lease columns), interrupted counts and the attempt history; 1 is upgraded in place. */
const SCHEMA_VERSION = '2';

/** Schema 1 → 2: the columns and table that claims and the attempt history need. */
const UPGRADE_FROM_1 = `
ALTER TABLE jobs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires INTEGER;
UPDATE meta SET value = '2' WHERE key = 'schema';
`;

interface JobRow {
  id: string;
  kind: JobRecord['kind'];
  status: JobRecord['status'];
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  seconds: number | null;
  error: string | null;
  result: string | null;
  provenance: string | null;
  spec: string;
  interrupted: number;
  lease_owner: string | null;
  lease_expires: number | null;
}

interface AttemptRow {
  n: number;
  owner: string | null;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome;
  error: string | null;
}

/**
 * Written into every store folder naslab creates: the folder is naslab's, and a later run may
 * write into it. A folder that exists, is not empty and has neither this marker nor a naslab
 * database (a store of an older naslab, recognised by its tables) is someone else's.
 */
export const STORE_MARKER = '.naslab-store';

const MARKER_TEXT = 'This folder is a naslab results store (naslab.db, artefacts/, reports/): naslab writes into it.\n';

/** How a store folder stands before it is opened: new (missing or empty), marked as naslab's, or holding these entries and no marker. */
function storeFolderState(location: string): { kind: 'new' | 'marked' } | { kind: 'unmarked'; entries: string[] } {
  if (!existsSync(location)) return { kind: 'new' };
  const entries = readdirSync(location);
  if (entries.length === 0) return { kind: 'new' };
  return entries.includes(STORE_MARKER) ? { kind: 'marked' } : { kind: 'unmarked', entries };
}

/**
 * Open `file` with SQLite, refusing a database that holds another program's tables; with
 * `mustBeNaslabs` (a folder without the marker), an empty database is refused too: only a
 * database with naslab's tables shows that the folder is naslab's.
 */
function openNaslabDatabase(file: string, refuse: (message: string) => never, mustBeNaslabs = false): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 30000');
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
    const ours = ['studies', 'jobs', 'epochs', 'meta', 'attempts'];
    if (tables.length && (tables.some((t) => !ours.includes(t)) || !tables.includes('meta'))) {
      db.close();
      refuse(`not a naslab results database (it holds the tables ${tables.slice(0, 8).join(', ')}); point \`store\` at another folder`);
    }
    if (mustBeNaslabs && tables.length === 0) {
      db.close();
      refuse(`an empty database in a folder naslab did not create (no ${STORE_MARKER} marker); point \`store\` at an empty or new folder`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(schema);
    return db;
  } catch (e) {
    if (e instanceof InputError) throw e;
    db?.close();
    return refuse(`cannot open the results database: ${(e as Error).message}`);
  }
}

/** Why an existing `naslab.db` cannot be a SQLite database (checked by type and header before SQLite opens it), or undefined. */
function sqliteHeaderProblem(file: string): string | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return `${file} is ${fileKind(st)}, not a database file`;
  if (st.size === 0) return undefined;
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === 'SQLite format 3\0' ? undefined : `${file} is not a SQLite database (its first bytes are not "SQLite format 3"); point \`store\` at another folder`;
}

/**
 * The results database: one SQLite file (`naslab.db`) in WAL mode, each write a single
 * statement or transaction, so `kill -9` loses at most the job in flight. Several worker
 * processes share the file (busy timeout instead of "database is locked" failures).
 * Artefacts (checkpoints, weights) live in `artefacts/<job id>/` beside it.
 */
export class SqliteResultStore implements ResultStore {
  private readonly db: Database.Database;
  private readonly stmt: Record<string, Database.Statement>;

  /**
   * Open (or create) the store in folder `location`. A folder that cannot hold it (a file, a
   * system folder, something under a file), a `naslab.db` that is not a file, not SQLite or
   * another program's database, or a store of another schema version is an `InputError` naming
   * the path: naslab never writes into a database it did not create. Nor into a folder it did
   * not create: an existing, non-empty folder without the {@link STORE_MARKER} marker is refused
   * unless it holds a naslab database (a store of an older naslab, which is then marked).
   */
  constructor(readonly location: string) {
    const dbFile = join(location, 'naslab.db');
    const refuse = (message: string): never => {
      throw new InputError({ file: dbFile, message });
    };
    const folderProblem = writableFolderProblem(location);
    if (folderProblem) refuse(`cannot keep the results store here: ${folderProblem}`);
    const state = storeFolderState(location);
    try {
      mkdirSync(location, { recursive: true });
    } catch (e) {
      refuse(`cannot create the results store folder ${location}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    for (const sub of ['artefacts', 'reports']) {
      const problem = writableFolderProblem(join(location, sub));
      if (problem) refuse(`the store's ${sub} folder cannot be used: ${problem}`);
    }
    // A folder naslab did not create is never written into; one holding a naslab.db may be a
    // store of an older naslab (no marker yet): its database decides, below.
    if (state.kind === 'unmarked' && !state.entries.includes('naslab.db')) {
      const named = state.entries.slice(0, 3).join(', ') + (state.entries.length > 3 ? ', …' : '');
      throw new InputError({
        file: location,
        message: `a folder naslab did not create (it holds ${named}, and no naslab.db or ${STORE_MARKER} marker); a results store would write into it: point \`store\` at an empty or new folder`,
      });
    }
    if (state.kind === 'new') writeFileSync(join(location, STORE_MARKER), MARKER_TEXT);
    const existing = sqliteHeaderProblem(dbFile);
    if (existing) refuse(existing);
    this.db = openNaslabDatabase(dbFile, refuse, state.kind === 'unmarked');
    const version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string } | undefined;
    if (!version) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(SCHEMA_VERSION);
    else if (version.value === '1') this.db.transaction(() => this.db.exec(UPGRADE_FROM_1)).immediate();
    else if (version.value !== SCHEMA_VERSION) {
      this.db.close();
      refuse(`the store has schema version ${version.value}; this naslab reads schema version ${SCHEMA_VERSION}`);
    }
    // A store of an older naslab, recognised by its database: marked as naslab's from now on.
    if (state.kind === 'unmarked') writeFileSync(join(location, STORE_MARKER), MARKER_TEXT);
    this.stmt = {
      upsertStudy: this.db.prepare(
        `INSERT INTO studies (name, manifest_file, manifest_hash, created_at, job_ids) VALUES (@name, @manifestFile, @manifestHash, @createdAt, @jobIds)
         ON CONFLICT(name) DO UPDATE SET manifest_file = excluded.manifest_file, manifest_hash = excluded.manifest_hash, job_ids = excluded.job_ids`,
      ),
      insertJob: this.db.prepare(`INSERT OR IGNORE INTO jobs (id, kind, status, attempts, spec) VALUES (?, ?, 'pending', 0, ?)`),
      getStudy: this.db.prepare(`SELECT * FROM studies WHERE name = ?`),
      listStudies: this.db.prepare(`SELECT * FROM studies ORDER BY created_at`),
      getJob: this.db.prepare(`SELECT * FROM jobs WHERE id = ?`),
      start: this.db.prepare(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ?, provenance = ?, error = NULL WHERE id = ? RETURNING attempts`,
      ),
      openAttempt: this.db.prepare(
        `INSERT INTO attempts (job_id, n, owner, started_at, outcome) VALUES (?, (SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE job_id = ?), ?, ?, 'running')`,
      ),
      endAttempt: this.db.prepare(`UPDATE attempts SET outcome = ?, error = ?, ended_at = ? WHERE job_id = ? AND outcome = 'running'`),
      history: this.db.prepare(`SELECT n, owner, started_at, ended_at, outcome, error FROM attempts WHERE job_id = ? ORDER BY n`),
      claim: this.db.prepare(
        `UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires = ?, interrupted = interrupted + ? WHERE id = ? AND status = ? AND lease_owner IS ? RETURNING attempts, interrupted`,
      ),
      renew: this.db.prepare(`UPDATE jobs SET lease_expires = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`),
      release: this.db.prepare(`UPDATE jobs SET status = 'pending', lease_owner = NULL, lease_expires = NULL WHERE id = ? AND status = 'running' AND lease_owner = ?`),
      clearEpochs: this.db.prepare(`DELETE FROM epochs WHERE job_id = ?`),
      finish: this.db.prepare(
        `UPDATE jobs SET status = 'done', result = ?, seconds = ?, finished_at = ?, provenance = COALESCE(?, provenance), error = NULL, lease_owner = NULL, lease_expires = NULL WHERE id = ?`,
      ),
      fail: this.db.prepare(`UPDATE jobs SET status = 'failed', error = ?, seconds = ?, finished_at = ?, lease_owner = NULL, lease_expires = NULL WHERE id = ?`),
      diverge: this.db.prepare(`UPDATE jobs SET status = 'diverged', error = ?, seconds = ?, finished_at = ?, lease_owner = NULL, lease_expires = NULL WHERE id = ?`),
      skip: this.db.prepare(`UPDATE jobs SET status = 'skipped', error = ?, lease_owner = NULL, lease_expires = NULL WHERE id = ? AND status NOT IN ('done', 'diverged')`),
      // The history stays: only the counters of the crash-loop limits start again.
      reset: this.db.prepare(
        `UPDATE jobs SET status = 'pending', attempts = 0, interrupted = 0, error = NULL, lease_owner = NULL, lease_expires = NULL WHERE id = ? AND status NOT IN ('done', 'diverged')`,
      ),
      resetDone: this.db.prepare(
        `UPDATE jobs SET status = 'pending', attempts = 0, interrupted = 0, error = NULL, result = NULL, lease_owner = NULL, lease_expires = NULL WHERE id = ?`,
      ),
      epoch: this.db.prepare(`INSERT OR REPLACE INTO epochs (job_id, epoch, metrics) VALUES (?, ?, ?)`),
      epochs: this.db.prepare(`SELECT metrics FROM epochs WHERE job_id = ? ORDER BY epoch`),
    };
  }

  saveStudy(study: StudyRecord, jobs: readonly PlannedJob[]): void {
    this.db.transaction(() => {
      this.stmt.upsertStudy!.run({ ...study, jobIds: JSON.stringify(study.jobIds) });
      for (const j of jobs) this.stmt.insertJob!.run(j.id, j.kind, JSON.stringify(j.spec));
    })();
  }

  getStudy(name: string): StudyRecord | undefined {
    const row = this.stmt.getStudy!.get(name) as Record<string, string> | undefined;
    return row && toStudy(row);
  }

  listStudies(): StudyRecord[] {
    return (this.stmt.listStudies!.all() as Record<string, string>[]).map(toStudy);
  }

  getJob(id: string): JobRecord | undefined {
    const row = this.stmt.getJob!.get(id) as JobRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      status: row.status,
      attempts: row.attempts,
      startedAt: row.started_at ?? undefined,
      finishedAt: row.finished_at ?? undefined,
      seconds: row.seconds ?? undefined,
      error: row.error ?? undefined,
      result: row.result === null ? undefined : (JSON.parse(row.result) as Json),
      provenance: row.provenance === null ? undefined : (JSON.parse(row.provenance) as Provenance),
      spec: JSON.parse(row.spec) as Json,
      interrupted: row.interrupted,
      ...(row.lease_owner !== null ? { lease: { owner: row.lease_owner, expiresAt: row.lease_expires ?? 0 } } : {}),
    };
  }

  startJob(id: string, provenance: Provenance, owner?: string): number {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      const row = this.stmt.start!.get(now, JSON.stringify(provenance), id) as { attempts: number } | undefined;
      if (!row) throw new Error(`job ${id} is not in the store (save the study first)`);
      this.stmt.endAttempt!.run('interrupted', 'started again before this attempt ended', now, id);
      this.stmt.openAttempt!.run(id, id, owner ?? null, now);
      return row.attempts;
    }).immediate();
  }

  /**
   * One immediate transaction (the database's write lock is taken first, so two processes never
   * both read "pending"): read the job, decide, then a compare-and-set UPDATE on the status and
   * lease owner read. A stale claim's open attempt is recorded as interrupted.
   */
  claimJob(id: string, owner: string, leaseMs: number, gone: (owner: string) => boolean): Claim {
    return this.db.transaction((): Claim => {
      const row = this.stmt.getJob!.get(id) as JobRow | undefined;
      if (!row) throw new Error(`job ${id} is not in the store (save the study first)`);
      const now = Date.now();
      const lease = row.lease_owner !== null ? { owner: row.lease_owner, expiresAt: row.lease_expires ?? 0 } : undefined;
      const stale = row.status === 'running' && (!lease || lease.expiresAt < now || gone(lease.owner));
      if (row.status !== 'pending' && !stale) return { claimed: false, status: row.status, ...(lease ? { lease } : {}) };
      const cut = stale
        ? this.stmt.endAttempt!.run('interrupted', `its runner (${lease?.owner ?? 'unknown'}) stopped without recording an outcome`, new Date(now).toISOString(), id).changes
        : 0;
      const claimed = this.stmt.claim!.get(owner, now + leaseMs, cut > 0 ? 1 : 0, id, row.status, row.lease_owner) as { attempts: number; interrupted: number } | undefined;
      if (!claimed) throw new Error(`job ${id} changed while it was being claimed`);
      return { claimed: true, attempts: claimed.attempts, interrupted: claimed.interrupted };
    }).immediate();
  }

  renewLease(id: string, owner: string, leaseMs: number): boolean {
    return this.stmt.renew!.run(Date.now() + leaseMs, id, owner).changes === 1;
  }

  releaseJob(id: string, owner: string, reason: string): void {
    this.db.transaction(() => {
      if (this.stmt.release!.run(id, owner).changes === 1) this.stmt.endAttempt!.run('interrupted', reason, new Date().toISOString(), id);
    }).immediate();
  }

  attemptHistory(id: string): AttemptRecord[] {
    return (this.stmt.history!.all(id) as AttemptRow[]).map((r) => ({
      n: r.n,
      ...(r.owner !== null ? { owner: r.owner } : {}),
      startedAt: r.started_at,
      ...(r.ended_at !== null ? { endedAt: r.ended_at } : {}),
      outcome: r.outcome,
      ...(r.error !== null ? { error: r.error } : {}),
    }));
  }

  /** Write the job's final state and close its open attempt with `outcome`, together. */
  private end(outcome: AttemptOutcome, id: string, error: string | null, write: () => void): void {
    this.db.transaction(() => {
      write();
      this.stmt.endAttempt!.run(outcome, error, new Date().toISOString(), id);
    })();
  }

  finishJob(id: string, result: Json, seconds: number, provenance?: Provenance): void {
    this.end('done', id, null, () => this.stmt.finish!.run(JSON.stringify(result), seconds, new Date().toISOString(), provenance ? JSON.stringify(provenance) : null, id));
  }

  failJob(id: string, error: string, seconds: number): void {
    this.end('failed', id, error, () => this.stmt.fail!.run(error, seconds, new Date().toISOString(), id));
  }

  skipJob(id: string, reason: string): void {
    this.stmt.skip!.run(reason, id);
  }

  divergeJob(id: string, detail: string, seconds: number): void {
    this.end('diverged', id, detail, () => this.stmt.diverge!.run(detail, seconds, new Date().toISOString(), id));
  }

  resetJob(id: string, options: { readonly evenIfDone?: boolean } = {}): void {
    (options.evenIfDone ? this.stmt.resetDone : this.stmt.reset)!.run(id);
  }

  recordEpoch(id: string, metrics: EpochMetrics): void {
    this.stmt.epoch!.run(id, metrics.epoch, JSON.stringify(metrics, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  }

  epochs(id: string): EpochMetrics[] {
    return (this.stmt.epochs!.all(id) as { metrics: string }[]).map((r) => JSON.parse(r.metrics) as EpochMetrics);
  }

  /** Drop a job's per-epoch metrics (a restarted job without checkpoints records them anew). */
  clearEpochs(id: string): void {
    this.stmt.clearEpochs!.run(id);
  }

  /** Run `fn` as one transaction (several writes that must land together, e.g. an ingested job). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  artefactDir(id: string): string {
    const dir = join(this.location, 'artefacts', id);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  close(): void {
    this.db.close();
  }
}

function toStudy(row: Record<string, string>): StudyRecord {
  return {
    name: row.name!,
    manifestFile: row.manifest_file!,
    manifestHash: row.manifest_hash!,
    createdAt: row.created_at!,
    jobIds: JSON.parse(row.job_ids!) as string[],
  };
}
