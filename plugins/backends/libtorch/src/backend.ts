// The `libtorch` tfjs backend: the cpu backend's kernels and storage, with the heavy kernels
// replaced by ATen ones (src/kernels.ts) whose tensors stay on the device (src/storage.ts).
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
import { FIX, loadAddon, loadError, type AddonCounters, type CudaDevice, type NativeAddon } from './native.js';
import { releaseEntry, type StoredData } from './storage.js';

export const BACKEND_NAME = 'libtorch';

/** Where tensors live: `auto` is the first CUDA device when ATen can use one, else the CPU. */
export type LibtorchDevice = 'cpu' | 'cuda' | `cuda:${number}` | 'auto';

export interface LibtorchOptions {
  /** ATen intra-op threads (at::set_num_threads). Default: the cores this job was given. */
  threads?: number;
  /** Where tensors live and kernels run. Default `cpu`; fixed at the first registration in a process. */
  device?: LibtorchDevice;
  /** On the CPU, tensors with fewer elements stay in JS. Default 4096 on the CPU, 0 on CUDA. */
  minElements?: number;
  /** tfjs backend priority (higher wins when no backend is set explicitly). Default 3 (cpu: 1, wasm: 2). */
  priority?: number;
  /**
   * AvgPoolGrad: false (default) divides by the filter area everywhere, as tfjs' cpu kernel does;
   * true gives the exact gradient of the forward pass at 'same'-padded borders.
   */
  exactAvgPoolGrad?: boolean;
  /** CUDA: convolutions and matmuls compute in float16 (results back in float32). Default false. */
  mixedPrecision?: boolean;
  /** CUDA: let cuDNN time its algorithms and pick the fastest (not reproducible run to run). Default false. */
  cudnnBenchmark?: boolean;
  /** CUDA: TensorFloat-32 in cuDNN convolutions and cuBLAS matmuls (10-bit mantissa). Default false. */
  tf32?: boolean;
  /**
   * Keep every tensor a native kernel touches on the device, as on CUDA, also on the CPU (JS data
   * uploaded, all outputs handles): tests the CUDA data path without a GPU. Default: on CUDA only.
   */
  resident?: boolean;
  /** Also count calls and time of the kernels that have no native implementation (kernelStats()). */
  profile?: boolean;
  /** Kernel names to leave to the pure-JS cpu kernels (for debugging). */
  disableKernels?: string[];
  /**
   * MiB of freed CPU tensor memory kept for reuse by size (0: glibc's malloc alone). Default: a
   * quarter of the RAM, at most 4096.
   */
  cpuCacheMiB?: number;
}

/** A quarter of the RAM, at most 4 GiB: the cache holds only what a step needed at its peak. */
export function defaultCpuCacheMiB(): number {
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
  constructor(private readonly addon: NativeAddon) {
    super();
    // The cpu backend prints a "use tfjs-node" banner on first use; not applicable here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    releaseEntry(this.entry(dataId), this.addon);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.entry(dataId);
    const r = super.disposeData(dataId, force);
    if (entry !== undefined && !this.data.has(dataId)) releaseEntry(entry, this.addon);
    return r;
  }

  override memory() {
    const c = this.addon.counters();
    return { ...super.memory(), deviceTensors: c.handles, deviceBytes: c.handleBytes };
  }

  private entry(dataId: DataId): StoredData | undefined {
    return this.data.has(dataId) ? (this.data.get(dataId) as StoredData) : undefined;
  }
}

type DataId = object;

let context: NativeContext | undefined;
let activeDevice = 'cpu';

/** Per-kernel counts and milliseconds of native and JS calls since registration (or the last reset). */
export function kernelStats(): Record<string, KernelStat> {
  return Object.fromEntries([...(context?.stats ?? [])].map(([k, v]) => [k, { ...v }]));
}

/**
 * Tensors held on the device now (and their bytes), and the transfers so far: uploads of JS data
 * to the device, reads of device data into JS. On CUDA every read is a device-to-host copy that
 * waits for the GPU, so a training step should read only its loss and metrics.
 */
export function deviceStats(): AddonCounters & { device: string } {
  const addon = loadAddon();
  const zero = { handles: 0, handleBytes: 0, peakHandleBytes: 0, uploads: 0, uploadBytes: 0, reads: 0, readBytes: 0, cpuCachedBytes: 0 };
  return { ...(addon ? addon.counters() : zero), device: activeDevice };
}

export function resetKernelStats(): void {
  for (const v of context?.stats.values() ?? []) Object.assign(v, { native: 0, js: 0, nativeMs: 0, jsMs: 0 });
}

/** The GPUs the CUDA driver shows this process, and whether this libtorch can use them. */
export function cudaDevices(): { devices: CudaDevice[]; usable: boolean; reason?: string } {
  const addon = loadAddon();
  if (!addon) return { devices: [], usable: false, reason: loadError() };
  const { devices, error } = addon.cudaDevices();
  const info = addon.info();
  const reason = !info.cudaLinked
    ? 'the addon is built against a CPU-only libtorch'
    : !info.cuda
      ? 'libtorch_cuda is linked but finds no usable CUDA runtime or driver'
      : info.cudaDevices === 0
        ? 'no CUDA device visible'
        : undefined;
  return { devices, usable: reason === undefined, ...(reason || error ? { reason: [reason, error].filter(Boolean).join('; ') } : {}) };
}

/** `auto` → `cuda:0` where ATen can use a GPU, else `cpu`; other values are checked by the addon. */
export function resolveDevice(device: LibtorchDevice | undefined, addon: NativeAddon): string {
  if (device === undefined || device === 'cpu') return 'cpu';
  if (device === 'auto') return addon.info().cudaDevices > 0 ? 'cuda:0' : 'cpu';
  if (!/^cuda(:\d+)?$/.test(device)) throw new RangeError(`device must be cpu, cuda, cuda:N or auto, got "${device}"`);
  return device === 'cuda' ? 'cuda:0' : device;
}

/**
 * The device tensors live on, for results' provenance: `cpu`, or `cuda:0 (NVIDIA H100 80GB HBM3)`
 * with `CUDA_VISIBLE_DEVICES=3` added when set (a worker's cuda:0 is then the node's GPU 3).
 */
export function deviceDescription(): string {
  if (!activeDevice.startsWith('cuda')) return activeDevice;
  const index = Number(activeDevice.split(':')[1] ?? 0);
  const gpu = loadAddon()?.cudaDevices().devices.find((d) => d.index === index);
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const details = [gpu?.name, visible !== undefined ? `CUDA_VISIBLE_DEVICES=${visible}` : undefined].filter(Boolean);
  return details.length ? `${activeDevice} (${details.join(', ')})` : activeDevice;
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
 * can change: threads, minElements, the math mode). Throws with the reason and the fix when the
 * addon is unavailable or the device cannot be used.
 */
export function registerLibtorchBackend(opts: LibtorchOptions = {}): void {
  const addon = requireAddon();
  addon.setNumThreads(opts.threads ?? defaultThreads());
  addon.setCpuCache((opts.cpuCacheMiB ?? defaultCpuCacheMiB()) * 2 ** 20);
  const device = resolveDevice(opts.device, addon);
  const cuda = device.startsWith('cuda');
  const minElements = opts.minElements ?? (cuda || opts.resident ? 0 : 4096);
  const exactAvgPoolGrad = opts.exactAvgPoolGrad ?? false;
  addon.setMathMode({ mixedPrecision: opts.mixedPrecision ?? false, cudnnBenchmark: opts.cudnnBenchmark ?? false, cudnnDeterministic: !(opts.cudnnBenchmark ?? false), tf32: opts.tf32 ?? false });
  if (context) {
    if (device !== activeDevice) {
      throw new Error(`the libtorch backend already runs on ${activeDevice} in this process; it cannot move to ${device} (start a new process)`);
    }
    context.minElements = minElements;
    context.exactAvgPoolGrad = exactAvgPoolGrad;
    return;
  }
  addon.setDevice(device);
  activeDevice = device;
  context = { addon, minElements, exactAvgPoolGrad, resident: cuda || (opts.resident ?? false), stats: new Map() };
  if (findBackendFactory(BACKEND_NAME) == null) {
    registerBackend(BACKEND_NAME, () => new LibtorchBackend(addon), opts.priority ?? 3);
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
