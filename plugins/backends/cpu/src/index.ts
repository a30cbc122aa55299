/**
 * `@naslab/backend-cpu`: TensorFlow.js's pure-JavaScript cpu backend, by its manifest name
 * (`backend: cpu`). The implementation is the engine's (`@naslab/engine/backend-cpu`), the same
 * one the engine falls back to: one cpu backend, not two.
 */
export { default, createCpuBackend, CPU_PRIORITY } from '@naslab/engine/backend-cpu';
