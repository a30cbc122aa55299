import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from './contracts.js';
import type { Json, PlannedJob } from './jobs.js';
import type { AttemptOutcome, AttemptRecord, Claim, JobRecord, Provenance, ResultStore, StudyRecord } from './store.js';

/** A ResultStore in memory (tests, `plan`); artefacts go to a folder given at construction. */
export class InMemoryResultStore implements ResultStore {
  private readonly studies = new Map<string, StudyRecord>();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly metrics = new Map<string, EpochMetrics[]>();
  private readonly history = new Map<string, AttemptRecord[]>();
  constructor(readonly location: string) {}

  saveStudy(study: StudyRecord, jobs: readonly PlannedJob[]): void {
    this.studies.set(study.name, study);
    for (const j of jobs) {
      if (!this.jobs.has(j.id)) this.jobs.set(j.id, { id: j.id, kind: j.kind, status: 'pending', attempts: 0, interrupted: 0, spec: j.spec });
    }
  }
  getStudy(name: string) {
    return this.studies.get(name);
  }
  listStudies() {
    return [...this.studies.values()];
  }
  getJob(id: string) {
    return this.jobs.get(id);
  }
  private update(id: string, patch: Partial<JobRecord>) {
    const rec = this.jobs.get(id) ?? ({ id, kind: 'search', status: 'pending', attempts: 0, spec: null } as JobRecord);
    this.jobs.set(id, { ...rec, ...patch });
  }
  /** Close the job's open attempt, if any; true if there was one. */
  private endAttempt(id: string, outcome: AttemptOutcome, error?: string): boolean {
    const list = this.history.get(id) ?? [];
    const open = list.findIndex((a) => a.outcome === 'running');
    if (open < 0) return false;
    list[open] = { ...list[open]!, outcome, endedAt: new Date().toISOString(), ...(error !== undefined ? { error } : {}) };
    return true;
  }
  startJob(id: string, provenance: Provenance, owner?: string): number {
    this.endAttempt(id, 'interrupted', 'started again before this attempt ended');
    const attempts = (this.jobs.get(id)?.attempts ?? 0) + 1;
    this.update(id, { status: 'running', attempts, provenance, startedAt: new Date().toISOString(), error: undefined });
    const list = this.history.get(id) ?? [];
    list.push({ n: list.length + 1, ...(owner ? { owner } : {}), startedAt: new Date().toISOString(), outcome: 'running' });
    this.history.set(id, list);
    this.metrics.set(id, []);
    return attempts;
  }
  claimJob(id: string, owner: string, leaseMs: number, gone: (owner: string) => boolean): Claim {
    const rec = this.jobs.get(id);
    if (!rec) throw new Error(`job ${id} is not in the store (save the study first)`);
    const lease = rec.lease;
    const stale = rec.status === 'running' && (!lease || lease.expiresAt < Date.now() || gone(lease.owner));
    if (rec.status !== 'pending' && !stale) return { claimed: false, status: rec.status, ...(lease ? { lease } : {}) };
    let interrupted = rec.interrupted ?? 0;
    if (stale && this.endAttempt(id, 'interrupted', `its runner (${lease?.owner ?? 'unknown'}) stopped without recording an outcome`)) interrupted++;
    this.update(id, { status: 'running', interrupted, lease: { owner, expiresAt: Date.now() + leaseMs } });
    return { claimed: true, attempts: rec.attempts, interrupted };
  }
  renewLease(id: string, owner: string, leaseMs: number): boolean {
    const rec = this.jobs.get(id);
    if (rec?.status !== 'running' || rec.lease?.owner !== owner) return false;
    this.update(id, { lease: { owner, expiresAt: Date.now() + leaseMs } });
    return true;
  }
  releaseJob(id: string, owner: string, reason: string): void {
    const rec = this.jobs.get(id);
    if (rec?.status !== 'running' || rec.lease?.owner !== owner) return;
    this.endAttempt(id, 'interrupted', reason);
    this.update(id, { status: 'pending', lease: undefined });
  }
  attemptHistory(id: string): AttemptRecord[] {
    return [...(this.history.get(id) ?? [])];
  }
  finishJob(id: string, result: Json, seconds: number, provenance?: Provenance): void {
    this.endAttempt(id, 'done');
    this.update(id, { status: 'done', result, seconds, finishedAt: new Date().toISOString(), lease: undefined, ...(provenance ? { provenance } : {}) });
  }
  failJob(id: string, error: string, seconds: number): void {
    this.endAttempt(id, 'failed', error);
    this.update(id, { status: 'failed', error, seconds, finishedAt: new Date().toISOString(), lease: undefined });
  }
  divergeJob(id: string, detail: string, seconds: number): void {
    this.endAttempt(id, 'diverged', detail);
    this.update(id, { status: 'diverged', error: detail, seconds, finishedAt: new Date().toISOString(), lease: undefined });
  }
  skipJob(id: string, reason: string): void {
    this.update(id, { status: 'skipped', error: reason, lease: undefined });
  }
  resetJob(id: string): void {
    this.update(id, { status: 'pending', attempts: 0, interrupted: 0, error: undefined, lease: undefined });
  }
  recordEpoch(id: string, m: EpochMetrics): void {
    const list = this.metrics.get(id) ?? [];
    list.push(m);
    this.metrics.set(id, list);
  }
  epochs(id: string): EpochMetrics[] {
    return this.metrics.get(id) ?? [];
  }
  artefactDir(id: string): string {
    const dir = join(this.location, 'artefacts', id);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  close(): void {}
}
