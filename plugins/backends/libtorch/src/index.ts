// @naslab/backend-libtorch: a TensorFlow.js backend named `libtorch` whose heavy kernels run on
// ATen (libtorch's tensor library) through a Node native addon, and whose other kernels are the
// pure-JS cpu backend's.
import { definePlugin, z, type BackendProbe, type BackendSpeed } from '@naslab/core';
import type { Backend } from '@naslab/engine';
import { engine, version_core } from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';

import { BACKEND_NAME, registerLibtorchBackend, type LibtorchOptions } from './backend.js';
import { probeNative, type ProbeResult } from './native.js';

export {
  BACKEND_NAME,
  LibtorchBackend,
  defaultThreads,
  kernelStats,
  resetKernelStats,
  poolStats,
  nativeKernelNames,
  registerLibtorchBackend,
  setThreads,
  unregisterLibtorchBackend,
  type LibtorchOptions,
} from './backend.js';
export type { ProbeResult } from './native.js';

/** The tfjs version this backend was tested with; it reads the cpu backend's storage directly. */
export const TESTED_TFJS_VERSION = '4.22.0';

/** Whether the libtorch backend can run here; when not, the exact reason and how to fix it. */
export async function probeLibtorch(): Promise<ProbeResult> {
  const found = [version_core, version_cpu].find((v) => v !== TESTED_TFJS_VERSION);
  const native = probeNative();
  if (found !== undefined) {
    return {
      available: false,
      reason: `libtorch backend unavailable: it is tested with @tensorflow/tfjs ${TESTED_TFJS_VERSION} only, found tfjs-core ${version_core} / tfjs-backend-cpu ${version_cpu}`,
      fix: `npm install @tensorflow/tfjs@${TESTED_TFJS_VERSION} (exact)`,
      addonPath: native.addonPath,
    };
  }
  return native;
}

/** Registers the backend and makes it the active tfjs backend. */
export async function activateLibtorch(opts: LibtorchOptions = {}): Promise<void> {
  const p = await probeLibtorch();
  if (!p.available) throw new Error(`${p.reason}. Fix: ${p.fix}`);
  registerLibtorchBackend(opts);
  const ok = await engine().setBackend(BACKEND_NAME);
  if (!ok) throw new Error(`tfjs could not initialise the ${BACKEND_NAME} backend`);
}

const options = z.object({
  /** Tensors with fewer elements stay in JS (an N-API call costs about 1.5 µs). */
  minElements: z.number().int().positive().default(4096),
  /** ATen threads when the runner gives none. Default: the cores the job was given. */
  threads: z.number().int().positive().optional(),
});

export function createLibtorchBackend(opts: { minElements?: number; threads?: number } = {}): Backend {
  return {
    name: BACKEND_NAME,
    priority: LIBTORCH_PRIORITY,
    speed: LIBTORCH_SPEED,
    async probe(): Promise<BackendProbe> {
      const { available, reason, fix, detail } = await probeLibtorch();
      const found = detail ? { detail } : {};
      return available ? { available, ...found } : { available, reason, fix, ...found };
    },
    async activate({ threads }: { threads?: number }): Promise<void> {
      await activateLibtorch({ threads: threads ?? opts.threads, minElements: opts.minElements });
    },
  };
}

/**
 * bench/train-throughput, medians of 5 runs: 80–86 % of PyTorch 1.13 at 2 threads, 98–105 % at 1
 * (the README's 0.8–1.05×).
 */
export const LIBTORCH_SPEED: BackendSpeed = { vsPyTorch: [0.8, 1.05], measured: 'bench/train-throughput (DARTS network, 1–2 threads, batch 64)' };

/** Rank under `backend: auto`: first wherever its addon loads. */
export const LIBTORCH_PRIORITY = 100;

export const libtorchBackend = definePlugin({
  kind: 'backend',
  id: 'libtorch',
  priority: LIBTORCH_PRIORITY,
  speed: LIBTORCH_SPEED,
  description: 'TensorFlow.js backend whose convolutions, pooling, matmul and large elementwise kernels run on libtorch (ATen).',
  options,
  create: ({ options: o }) => createLibtorchBackend(o),
});

export default libtorchBackend;
