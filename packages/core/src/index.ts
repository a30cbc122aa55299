// tsyringe needs the Reflect metadata API; every naslab entry point imports core first.
import 'reflect-metadata';

export { z } from 'zod';
export * from './capabilities.js';
export * from './contracts.js';
export * from './errors.js';
export * from './events.js';
export * from './executor.js';
export * from './hash.js';
export * from './job-runner.js';
export * from './jobs.js';
export * from './logger.js';
export * from './manifest.js';
export * from './memory-store.js';
export * from './paths.js';
export * from './planner.js';
export * from './plugin.js';
export * from './plugin-host.js';
export * from './presets.js';
export * from './process-guard.js';
export * from './resolver.js';
export * from './rng.js';
export * from './run-study.js';
export { observationOf } from './search-isolation.js';
export * from './store.js';
export * from './study.js';
export * from './tokens.js';
export { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
