import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from './contracts.js';
import type { Json, PlannedJob } from './jobs.js';
import type { JobRecord, Provenance, ResultStore, StudyRecord } from './store.js';

/** A ResultStore in memory (tests, `plan`); artefacts go to a folder given at construction. */
export class InMemoryResultStore implements ResultStore {
  private readonly studies = new Map<string, StudyRecord>();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly metrics = new Map<string, EpochMetrics[]>();
  constructor(readonly location: string) {}

  saveStudy(study: StudyRecord, jobs: readonly PlannedJob[]): void {
    this.studies.set(study.name, study);
    for (const j of jobs) {
      if (!this.jobs.has(j.id)) this.jobs.set(j.id, { id: j.id, kind: j.kind, status: 'pending', attempts: 0, spec: j.spec });
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
  startJob(id: string, provenance: Provenance): number {
    const attempts = (this.jobs.get(id)?.attempts ?? 0) + 1;
    this.update(id, { status: 'running', attempts, provenance, startedAt: new Date().toISOString(), error: undefined });
    this.metrics.set(id, []);
    return attempts;
  }
  finishJob(id: string, result: Json, seconds: number, provenance?: Provenance): void {
    this.update(id, { status: 'done', result, seconds, finishedAt: new Date().toISOString(), ...(provenance ? { provenance } : {}) });
  }
  failJob(id: string, error: string, seconds: number): void {
    this.update(id, { status: 'failed', error, seconds, finishedAt: new Date().toISOString() });
  }
  divergeJob(id: string, detail: string, seconds: number): void {
    this.update(id, { status: 'diverged', error: detail, seconds, finishedAt: new Date().toISOString() });
  }
  skipJob(id: string, reason: string): void {
    this.update(id, { status: 'skipped', error: reason });
  }
  resetJob(id: string): void {
    this.update(id, { status: 'pending', attempts: 0, error: undefined });
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
