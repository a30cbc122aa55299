// The `libtorch` tfjs backend: the cpu backend's storage and kernels, with the heavy kernels
// replaced by ATen ones (src/kernels.ts) that read and write that storage in place.
import { availableParallelism, totalmem } from 'node:os';

import {
  type backend_util,
  engine,
  type DataType,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
  unregisterKernel,
  getKernel,
  removeBackend,
  findBackendFactory,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { counted, FUSED_KERNELS, NATIVE_KERNELS, timedNative, withFallback, type KernelStat, type NativeContext } from './kernels.js';
import { BufferPool } from './pool.js';
import { FIX, loadAddon, loadError, type NativeAddon } from './native.js';

export const BACKEND_NAME = 'libtorch';

export interface LibtorchOptions {
  /** ATen intra-op threads (at::set_num_threads). Default: the cores this job was given. */
  threads?: number;
  /** Tensors with fewer elements stay in JS. Default 4096. */
  minElements?: number;
  /** tfjs backend priority (higher wins when no backend is set explicitly). Default 3 (cpu: 1, wasm: 2). */
  priority?: number;
  /**
   * AvgPoolGrad: false (default) divides by the filter area everywhere, as tfjs' cpu kernel does;
   * true gives the exact gradient of the forward pass at 'same'-padded borders.
   */
  exactAvgPoolGrad?: boolean;
  /** Also count calls and time of the kernels that have no native implementation (kernelStats()). */
  profile?: boolean;
  /**
   * Reuse the output arrays of disposed tensors (MiB kept at most; 0 turns the pool off).
   * Default: a quarter of the RAM, at most 4096.
   */
  poolMiB?: number;
  /** Kernel names to leave to the pure-JS cpu kernels (for debugging). */
  disableKernels?: string[];
}

/**
 * A training step frees all its intermediates at once when its tidy ends; a pool smaller than that
 * drops the excess to the GC and the next step pays fresh allocations (zero-fill, page faults)
 * again: a 256 MiB pool gave 23 img/s, a 1 GiB one 30 img/s on a small DARTS net. Pooled arrays
 * only keep memory the step needed at its peak anyway. A quarter of the RAM, at most 4 GiB.
 */
export function defaultPoolMiB(): number {
  return Math.max(256, Math.min(4096, Math.floor(totalmem() / 4 / 2 ** 20)));
}

/** Cores this job was given: CPU affinity (Slurm/cgroups) and SLURM_CPUS_PER_TASK, whichever is smaller. */
export function defaultThreads(): number {
  let n = availableParallelism();
  const slurm = Number(process.env.SLURM_CPUS_PER_TASK);
  if (Number.isInteger(slurm) && slurm > 0) n = Math.min(n, slurm);
  return Math.max(1, n);
}

export class LibtorchBackend extends MathBackendCPU {
  constructor(readonly pool?: BufferPool) {
    super();
    // The cpu backend prints a "use tfjs-node" banner on first use; not applicable here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.pool?.stored(values);
    return id;
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.pool?.stored(values);
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const v = super.readSync(dataId);
    this.pool?.escaped(v);
    return v;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.pool ? this.data.get(dataId)?.values : undefined;
    const r = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool!.released(values);
    return r;
  }

  override dispose(): void {
    this.pool?.clear();
    super.dispose();
  }
}

type DataId = object;

let context: NativeContext | undefined;

/** Per-kernel counts and milliseconds of native and JS calls since registration (or the last reset). */
export function kernelStats(): Record<string, KernelStat> {
  return Object.fromEntries([...(context?.stats ?? [])].map(([k, v]) => [k, { ...v }]));
}

/** Output arrays reused so far, and bytes waiting in the pool. */
export function poolStats(): { reused: number; pooledBytes: number } {
  return { reused: context?.pool?.reused ?? 0, pooledBytes: context?.pool?.pooledBytes ?? 0 };
}

export function resetKernelStats(): void {
  for (const v of context?.stats.values() ?? []) Object.assign(v, { native: 0, js: 0, nativeMs: 0, jsMs: 0 });
}

/** Names of the kernels that have an ATen implementation. */
export const nativeKernelNames: readonly string[] = Object.keys(NATIVE_KERNELS);

export function setThreads(threads: number): void {
  const addon = requireAddon();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  addon.setNumThreads(threads);
}

function requireAddon(): NativeAddon {
  const addon = loadAddon();
  if (!addon) throw new Error(`libtorch backend unavailable: ${loadError()}. Fix: ${FIX}`);
  return addon;
}

/**
 * Registers the `libtorch` tfjs backend (idempotent: a second call only updates the options that
 * can change, threads and minElements). Throws with the reason and the fix when the addon is
 * unavailable.
 */
export function registerLibtorchBackend(opts: LibtorchOptions = {}): void {
  const addon = requireAddon();
  addon.setNumThreads(opts.threads ?? defaultThreads());
  const minElements = opts.minElements ?? 4096;
  const exactAvgPoolGrad = opts.exactAvgPoolGrad ?? false;
  if (context) {
    context.minElements = minElements;
    context.exactAvgPoolGrad = exactAvgPoolGrad;
    return;
  }
  const poolMiB = opts.poolMiB ?? defaultPoolMiB();
  const pool = poolMiB > 0 ? new BufferPool(poolMiB * 2 ** 20, process.env.NASLAB_LIBTORCH_POOL_POISON === '1') : undefined;
  context = { addon, minElements, exactAvgPoolGrad, stats: new Map(), alloc: (n) => pool?.alloc(n) ?? new Float32Array(n), pool };
  if (findBackendFactory(BACKEND_NAME) == null) {
    registerBackend(BACKEND_NAME, () => new LibtorchBackend(context?.pool), opts.priority ?? 3);
  }
  const disabled = new Set(opts.disableKernels ?? []);
  const cpuKernels = getKernelsForBackend('cpu');
  const cpuByName = new Map<string, KernelConfig>(cpuKernels.map((k) => [k.kernelName, k]));
  for (const k of cpuKernels) {
    const impl = NATIVE_KERNELS[k.kernelName] as (typeof NATIVE_KERNELS)[string] | undefined;
    const kernelFunc =
      impl && !disabled.has(k.kernelName)
        ? withFallback(k.kernelName, impl, k.kernelFunc, context)
        : opts.profile
          ? counted(k.kernelName, k.kernelFunc, context)
          : k.kernelFunc;
    if ((getKernel(k.kernelName, BACKEND_NAME) as KernelConfig | undefined) != null) unregisterKernel(k.kernelName, BACKEND_NAME);
    registerKernel({ ...k, backendName: BACKEND_NAME, kernelFunc });
  }
  // Fused training kernels only this backend has (used by @naslab/engine when registered).
  for (const [name, impl] of Object.entries(FUSED_KERNELS)) {
    if ((getKernel(name, BACKEND_NAME) as KernelConfig | undefined) != null) unregisterKernel(name, BACKEND_NAME);
    if (!disabled.has(name)) registerKernel({ kernelName: name, backendName: BACKEND_NAME, kernelFunc: timedNative(name, impl, context) });
  }
  // Every native kernel has a cpu kernel to fall back to.
  for (const name of Object.keys(NATIVE_KERNELS)) {
    if (!cpuByName.has(name)) throw new Error(`internal: no cpu kernel ${name} to fall back to (tfjs version mismatch?)`);
  }
}

/** Unregisters the backend (for tests). */
export function unregisterLibtorchBackend(): void {
  if (!context) return;
  for (const k of getKernelsForBackend(BACKEND_NAME)) unregisterKernel(k.kernelName, BACKEND_NAME);
  if (findBackendFactory(BACKEND_NAME) != null) {
    if (engine().backendName === BACKEND_NAME) engine().setBackend('cpu');
    removeBackend(BACKEND_NAME);
  }
  context = undefined;
}
