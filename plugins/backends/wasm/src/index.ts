/**
 * `@naslab/backend-wasm`: TensorFlow.js's WebAssembly backend, made able to train (see
 * kernels.ts). Single-threaded in Node (its pthread workers need blob URLs Node rejects).
 */
import { definePlugin, z, type BackendSpeed } from '@naslab/core';
import type { Backend } from '@naslab/engine';

export const WASM_PRIORITY = 20;

/** bench/train-throughput: 2.35 img/s on the DARTS network (batch 32), 7 % of PyTorch's 33.57. */
export const WASM_SPEED: BackendSpeed = { vsPyTorch: [0.07, 0.07], measured: 'bench/train-throughput (DARTS network, 1 thread, batch 32)' };

export function createWasmBackend(): Backend {
  return {
    name: 'wasm',
    priority: WASM_PRIORITY,
    speed: WASM_SPEED,
    probe: async () => {
      try {
        await import('@tensorflow/tfjs-backend-wasm');
        return { available: true };
      } catch (e) {
        return {
          available: false,
          reason: `@tensorflow/tfjs-backend-wasm cannot be loaded: ${(e as Error).message}`,
          fix: 'npm install @tensorflow/tfjs-backend-wasm@4.22.0',
        };
      }
    },
    activate: async () => {
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-wasm');
      const { registerWasmTrainingKernels } = await import('./kernels.js');
      registerWasmTrainingKernels();
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
      await tf.ready();
    },
  };
}

export default definePlugin({
  kind: 'backend',
  id: 'wasm',
  priority: WASM_PRIORITY,
  speed: WASM_SPEED,
  description: 'TensorFlow.js wasm backend (XNNPACK) with the missing training kernels supplied.',
  options: z.object({}).passthrough(),
  create: () => createWasmBackend(),
});
