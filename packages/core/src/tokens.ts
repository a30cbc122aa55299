import type { InjectionToken } from 'tsyringe';
import type { Rng } from './rng.js';
import type { Logger } from './logger.js';
import type { ResultStore } from './store.js';
import type { StudyEvents } from './events.js';
import type { PlannedJob } from './planner.js';

/** What a running job knows about itself; registered in its child container. */
export interface JobContext {
  readonly job: PlannedJob;
  readonly studyName: string;
  readonly seed: number;
  readonly rng: Rng;
  readonly logger: Logger;
  readonly store: ResultStore;
  readonly signal: AbortSignal;
  /** Folder for the job's artefacts and checkpoints. */
  readonly artefactDir: string;
  readonly threads: number;
}

/**
 * Explicit injection tokens for core services. Explicit tokens (not class types) because
 * transpilers without decorator metadata cannot infer constructor parameter types.
 */
export const Tokens = {
  JobContext: Symbol.for('naslab.JobContext') as InjectionToken<JobContext>,
  Seed: Symbol.for('naslab.Seed') as InjectionToken<number>,
  Rng: Symbol.for('naslab.Rng') as InjectionToken<Rng>,
  Logger: Symbol.for('naslab.Logger') as InjectionToken<Logger>,
  Store: Symbol.for('naslab.Store') as InjectionToken<ResultStore>,
  Signal: Symbol.for('naslab.AbortSignal') as InjectionToken<AbortSignal>,
  Events: Symbol.for('naslab.Events') as InjectionToken<StudyEvents>,
} as const;
