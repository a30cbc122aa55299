import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fileKind, InputError, writableFolderProblem } from '@naslab/core';
import type { EpochMetrics, Json, JobRecord, PlannedJob, Provenance, ResultStore, StudyRecord } from '@naslab/core';

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
  spec TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS epochs (
  job_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  metrics TEXT NOT NULL,
  PRIMARY KEY (job_id, epoch)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const SCHEMA_VERSION = '1';

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
}

/** Open `file` with SQLite, refusing a database that holds another program's tables. */
function openNaslabDatabase(file: string, refuse: (message: string) => never): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 30000');
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
    const ours = ['studies', 'jobs', 'epochs', 'meta'];
    if (tables.length && (tables.some((t) => !ours.includes(t)) || !tables.includes('meta'))) {
      db.close();
      refuse(`not a naslab results database (it holds the tables ${tables.slice(0, 8).join(', ')}); point \`store\` at another folder`);
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
   * the path: naslab never writes into a database it did not create.
   */
  constructor(readonly location: string) {
    const dbFile = join(location, 'naslab.db');
    const refuse = (message: string): never => {
      throw new InputError({ file: dbFile, message });
    };
    const folderProblem = writableFolderProblem(location);
    if (folderProblem) refuse(`cannot keep the results store here: ${folderProblem}`);
    try {
      mkdirSync(location, { recursive: true });
    } catch (e) {
      refuse(`cannot create the results store folder ${location}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    for (const sub of ['artefacts', 'reports']) {
      const problem = writableFolderProblem(join(location, sub));
      if (problem) refuse(`the store's ${sub} folder cannot be used: ${problem}`);
    }
    const existing = sqliteHeaderProblem(dbFile);
    if (existing) refuse(existing);
    this.db = openNaslabDatabase(dbFile, refuse);
    const version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string } | undefined;
    if (!version) this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema', ?)`).run(SCHEMA_VERSION);
    else if (version.value !== SCHEMA_VERSION) {
      this.db.close();
      refuse(`the store has schema version ${version.value}; this naslab reads schema version ${SCHEMA_VERSION}`);
    }
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
      clearEpochs: this.db.prepare(`DELETE FROM epochs WHERE job_id = ?`),
      finish: this.db.prepare(
        `UPDATE jobs SET status = 'done', result = ?, seconds = ?, finished_at = ?, provenance = COALESCE(?, provenance), error = NULL WHERE id = ?`,
      ),
      fail: this.db.prepare(`UPDATE jobs SET status = 'failed', error = ?, seconds = ?, finished_at = ? WHERE id = ?`),
      diverge: this.db.prepare(`UPDATE jobs SET status = 'diverged', error = ?, seconds = ?, finished_at = ? WHERE id = ?`),
      skip: this.db.prepare(`UPDATE jobs SET status = 'skipped', error = ? WHERE id = ? AND status NOT IN ('done', 'diverged')`),
      reset: this.db.prepare(`UPDATE jobs SET status = 'pending', attempts = 0, error = NULL WHERE id = ? AND status NOT IN ('done', 'diverged')`),
      resetDone: this.db.prepare(`UPDATE jobs SET status = 'pending', attempts = 0, error = NULL, result = NULL WHERE id = ?`),
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
    };
  }

  startJob(id: string, provenance: Provenance): number {
    return this.db.transaction(() => {
      const row = this.stmt.start!.get(new Date().toISOString(), JSON.stringify(provenance), id) as { attempts: number } | undefined;
      if (!row) throw new Error(`job ${id} is not in the store (save the study first)`);
      return row.attempts;
    })();
  }

  finishJob(id: string, result: Json, seconds: number, provenance?: Provenance): void {
    this.stmt.finish!.run(JSON.stringify(result), seconds, new Date().toISOString(), provenance ? JSON.stringify(provenance) : null, id);
  }

  failJob(id: string, error: string, seconds: number): void {
    this.stmt.fail!.run(error, seconds, new Date().toISOString(), id);
  }

  skipJob(id: string, reason: string): void {
    this.stmt.skip!.run(reason, id);
  }

  divergeJob(id: string, detail: string, seconds: number): void {
    this.stmt.diverge!.run(detail, seconds, new Date().toISOString(), id);
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
