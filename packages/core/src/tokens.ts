import type { InjectionToken } from 'tsyringe';
import type { Backend, PluginKind, Trainer } from './contracts.js';
import type { StudyEvents } from './events.js';
import type { PlannedJob } from './jobs.js';
import type { Logger } from './logger.js';
import type { PluginInstances } from './plugin.js';
import type { Rng } from './rng.js';
import type { ResultStore } from './store.js';

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
 * Creates plugins by id, as a manifest names them, for plugins that use another plugin through its
 * contract (the DARTS search augments with the `crop-flip` trick's hooks, not a copy of them).
 * Packages are looked up from the study's folders; the instance gets the job's services.
 */
export interface PluginFactory {
  create<K extends PluginKind>(kind: K, id: string, options?: Record<string, unknown>): Promise<PluginInstances[K]>;
}

/**
 * Explicit injection tokens for core services, resolved with `resolve(Tokens.X)` from a plugin's
 * `create` (or a provided service's factory). Explicit tokens (not class types) because
 * transpilers without decorator metadata cannot infer constructor parameter types.
 */
export const Tokens = {
  /** The job's context (job, seed, rng, logger, store, signal, artefact folder, threads). */
  JobContext: Symbol.for('naslab.JobContext') as InjectionToken<JobContext>,
  Seed: Symbol.for('naslab.Seed') as InjectionToken<number>,
  /** The job's random stream (deterministic: a function of what the job computes). */
  Rng: Symbol.for('naslab.Rng') as InjectionToken<Rng>,
  Logger: Symbol.for('naslab.Logger') as InjectionToken<Logger>,
  Store: Symbol.for('naslab.Store') as InjectionToken<ResultStore>,
  Signal: Symbol.for('naslab.AbortSignal') as InjectionToken<AbortSignal>,
  Events: Symbol.for('naslab.Events') as InjectionToken<StudyEvents>,
  /** The backends the job may train on (manifest order, or ranked installed ones for `auto`). */
  Backends: Symbol.for('naslab.Backends') as InjectionToken<Promise<Backend[]>>,
  /** The study's trainer (the engine's by default), for plugins that train architectures themselves. */
  Trainer: Symbol.for('naslab.Trainer') as InjectionToken<Promise<Trainer>>,
  /** Creates other plugins by id (see `PluginFactory`). */
  Plugins: Symbol.for('naslab.Plugins') as InjectionToken<PluginFactory>,
} as const;
