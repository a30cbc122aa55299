import { EventEmitter } from 'node:events';
import type { EpochMetrics } from './contracts.js';
import type { JobStatus, PlannedJob } from './jobs.js';

/** Progress of a study, for progress bars and logs. */
export interface StudyEventMap {
  'study-start': { studyName: string; total: number; alreadyDone: number };
  'job-start': { job: PlannedJob; attempt: number };
  'job-end': { job: PlannedJob; status: JobStatus; seconds: number; error?: string };
  epoch: { job: PlannedJob; metrics: EpochMetrics };
  'study-end': { studyName: string; done: number; failed: number; skipped: number };
}

export class StudyEvents {
  private readonly emitter = new EventEmitter();
  on<E extends keyof StudyEventMap>(event: E, listener: (payload: StudyEventMap[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
  emit<E extends keyof StudyEventMap>(event: E, payload: StudyEventMap[E]): void {
    this.emitter.emit(event, payload);
  }
}
