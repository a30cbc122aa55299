// @naslab/backend-libtorch: a TensorFlow.js backend named `libtorch` whose heavy kernels run on
// ATen (libtorch's tensor library) through a Node native addon, and whose other kernels are the
// pure-JS cpu backend's.
import { definePlugin, z, type BackendProbe, type BackendSpeed } from '@naslab/core';
import type { Backend } from '@naslab/engine';
import { engine, version_core } from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';

import { BACKEND_NAME, cudaDevices, deviceDescription, registerLibtorchBackend, type LibtorchDevice, type LibtorchOptions } from './backend.js';
import { probeNative, type ProbeResult } from './native.js';

export {
  BACKEND_NAME,
  LibtorchBackend,
  defaultThreads,
  kernelStats,
  resetKernelStats,
  deviceStats,
  cudaDevices,
  deviceDescription,
  resolveDevice,
  nativeKernelNames,
  registerLibtorchBackend,
  setThreads,
  unregisterLibtorchBackend,
  type LibtorchDevice,
  type LibtorchOptions,
} from './backend.js';
export type { AddonCounters, CudaDevice, ProbeResult } from './native.js';
export type { Handle } from './native.js';

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

const deviceSchema = z
  .string()
  .regex(/^(cpu|auto|cuda(:\d+)?)$/, 'cpu, cuda, cuda:N or auto')
  .default('cpu')
  .describe('Where tensors live and kernels run: cpu, cuda (= cuda:0), cuda:N, or auto (a GPU when libtorch can use one)');

const options = z.object({
  device: deviceSchema,
  /** Tensors with fewer elements stay in JS (an N-API call costs about 1.5 µs). */
  minElements: z.number().int().nonnegative().optional().describe('CPU: tensors with fewer elements stay in JS (default 4096; 0 on CUDA)'),
  /** ATen threads when the runner gives none. Default: the cores the job was given. */
  threads: z.number().int().positive().optional(),
  mixedPrecision: z.boolean().default(false).describe('CUDA: convolutions and matmuls in float16 (results in float32)'),
  cudnnBenchmark: z.boolean().default(false).describe('CUDA: cuDNN picks the fastest algorithms by timing them (not reproducible)'),
  tf32: z.boolean().default(false).describe('CUDA: TensorFloat-32 in convolutions and matmuls'),
});

/** What the backend plugin takes: {@link LibtorchOptions}' manifest-facing part. */
export type LibtorchPluginOptions = Pick<LibtorchOptions, 'minElements' | 'threads' | 'mixedPrecision' | 'cudnnBenchmark' | 'tf32'> & { device?: LibtorchDevice | string };

/**
 * A naslab backend on libtorch. `device: cuda…` is unavailable (with the reason) where libtorch
 * cannot use a GPU; `auto` takes one when it can.
 */
export function createLibtorchBackend(opts: LibtorchPluginOptions = {}): Backend {
  const device = (opts.device ?? 'cpu') as LibtorchDevice;
  return {
    name: BACKEND_NAME,
    priority: LIBTORCH_PRIORITY,
    speed: LIBTORCH_SPEED,
    async probe(): Promise<BackendProbe> {
      const { available, reason, fix, detail } = await probeLibtorch();
      if (!available) return { available, reason, fix, ...(detail ? { detail } : {}) };
      const found = { detail: [detail, `devices: ${describeDevices()}`].filter(Boolean).join('; ') };
      if (device.startsWith('cuda')) {
        const gpus = cudaDevices();
        const index = Number(device.split(':')[1] ?? 0);
        if (!gpus.usable) return { available: false, reason: `libtorch backend on ${device} unavailable: ${gpus.reason}`, fix: CUDA_FIX, ...found };
        if (!gpus.devices.some((d) => d.index === index)) {
          return { available: false, reason: `libtorch backend on ${device} unavailable: ${gpus.devices.length} GPU(s) visible`, fix: 'name a visible GPU (CUDA_VISIBLE_DEVICES renumbers them from 0)', ...found };
        }
      }
      return { available, ...found };
    },
    async activate({ threads }: { threads?: number }): Promise<{ device: string }> {
      await activateLibtorch({ ...opts, device, threads: threads ?? opts.threads });
      return { device: deviceDescription() };
    },
  };
}

/** `cpu, cuda:0 (NVIDIA H100 80GB HBM3, 79.6 GiB)`, or `cpu (no CUDA: why)`: for `naslab plugins`. */
export function describeDevices(): string {
  const gpus = cudaDevices();
  if (!gpus.usable) return `cpu (no CUDA: ${gpus.reason})`;
  const list = gpus.devices.map((d) => `cuda:${d.index}${d.name ? ` (${d.name}${d.memoryBytes ? `, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB` : ''})` : ''}`);
  return ['cpu', ...list].join(', ');
}

/** How to get a libtorch that can use the GPU. */
export const CUDA_FIX =
  'install a CUDA build of PyTorch (`pip install torch`, whose default Linux wheels bring libtorch_cuda) and `npm rebuild @naslab/backend-libtorch`; check the GPU with `nvidia-smi`';

/**
 * bench/train-throughput, 3 runs each (2026-12-07, device-resident tensors, PyTorch 1.13 on the
 * same machine): 135 %, 119 %, 109 % at 2 threads; 142 %, 136 %, 146 % at 1 thread.
 */
export const LIBTORCH_SPEED: BackendSpeed = { vsPyTorch: [1.09, 1.46], measured: 'bench/train-throughput (DARTS network, 1–2 threads, batch 64)' };

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
