// Loads the native addon (built by scripts/build-addon.mjs at install time) and explains, when it
// cannot, exactly why and how to fix it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describeLibtorch, type LibtorchSource } from '../scripts/libtorch-discovery.mjs';

/**
 * An ATen tensor the addon holds (flat, contiguous, float32, on the current device), named by a
 * number: a slot of the addon's table and its generation, so a released handle is refused.
 */
export type Handle = number & { readonly __libtorchHandle: never };

type In = Float32Array | Handle;
/** An output: a Float32Array to write into (CPU only), or null for a new device tensor returned as a handle. */
type Out = Float32Array | null;
type Shape = readonly number[];
/** The handles of the outputs passed as null: one, or several in argument order. */
type R = Handle | Handle[] | undefined;

/** What the addon says about itself. */
export interface AddonInfo {
  torchVersion?: string;
  parallelInfo: string;
  mkldnn: boolean;
  threads: number;
  /** Built against libtorch_cuda (a CUDA build of libtorch). */
  cudaLinked: boolean;
  /** ATen can use CUDA here (linked, runtime and driver loaded). */
  cuda: boolean;
  /** CUDA devices ATen sees. */
  cudaDevices: number;
  /** Where new tensors go: `cpu`, `cuda:0`… */
  device: string;
}

/** A GPU the CUDA driver reports (CUDA_VISIBLE_DEVICES applies). */
export interface CudaDevice {
  index: number;
  name?: string;
  memoryBytes?: number;
}

/** The addon's counters: live handles and the transfers between JS and the device. */
export interface AddonCounters {
  handles: number;
  handleBytes: number;
  /** Most handleBytes at any time so far (views count their elements too). */
  peakHandleBytes: number;
  uploads: number;
  uploadBytes: number;
  reads: number;
  readBytes: number;
  /** Freed CPU memory the caching allocator keeps for reuse. */
  cpuCachedBytes: number;
}

/** The functions exported by native/addon.cc. */
export interface NativeAddon {
  conv2d(x: In, xs: Shape, w: In, ws: Shape, out: Out, os: Shape, strides: Shape, dil: Shape, pads: Shape, depthwise: boolean): R;
  conv2dBackpropInput(dy: In, dys: Shape, w: In, ws: Shape, out: Out, xs: Shape, strides: Shape, dil: Shape, pads: Shape, depthwise: boolean): R;
  conv2dBackpropFilter(x: In, xs: Shape, dy: In, dys: Shape, out: Out, ws: Shape, strides: Shape, dil: Shape, pads: Shape, depthwise: boolean): R;
  pool(kind: number, x: In, xs: Shape, out: Out, os: Shape, k: Shape, s: Shape, pad: Shape, ceil: boolean): R;
  maxPoolGrad(dy: In, dys: Shape, x: In, xs: Shape, out: Out, k: Shape, s: Shape, pad: Shape, ceil: boolean): R;
  avgPoolGrad(dy: In, dys: Shape, out: Out, xs: Shape, k: Shape, s: Shape, pad: Shape, ceil: boolean, divisor: number): R;
  binary(op: number, a: In, as: Shape, b: In, bs: Shape, out: Out, os: Shape): R;
  unary(op: number, x: In, out: Out, n: number, alpha?: number): R;
  reduce(op: number, x: In, xs: Shape, axes: Shape, out: Out): R;
  softmax(x: In, xs: Shape, out: Out): R;
  batchNorm(x: In, xs: Shape, mean: In, variance: In, offset: In | null, scale: In | null, eps: number, out: Out): R;
  batchNormTraining(x: In, xs: Shape, scale: In | null, offset: In | null, eps: number, out: Out, mean: Out, variance: Out): R;
  /** dscale/doffset: false skips that gradient. */
  batchNormTrainingGrad(dy: In, x: In, xs: Shape, mean: In, variance: In, scale: In | null, eps: number, dx: Out, dscale: Out | false, doffset: Out | false): R;
  reluGrad(dy: In, y: In, out: Out, n: number): R;
  batchMatMul(a: In, as: Shape, b: In, bs: Shape, transposeA: boolean, transposeB: boolean, out: Out, os: Shape): R;
  concat(xs: In[], shapes: Shape[], axis: number, out: Out, os: Shape): R;
  slice(x: In, xs: Shape, begin: Shape, size: Shape, out: Out): R;
  pad(x: In, xs: Shape, paddings: Shape, value: number, out: Out, os: Shape): R;
  tile(x: In, xs: Shape, reps: Shape, out: Out): R;
  transpose(x: In, xs: Shape, perm: Shape, out: Out): R;
  addN(xs: In[], shape: Shape, out: Out): R;
  spaceToBatch(x: In, xs: Shape, block: Shape, pads: Shape, out: Out, os: Shape): R;
  batchToSpace(x: In, xs: Shape, block: Shape, crops: Shape, out: Out, os: Shape): R;
  /** A copy of JS data on the current device. */
  upload(values: Float32Array): Handle;
  /** A copy of a tensor's data in JS (waits for the device). */
  read(h: Handle): Float32Array;
  /** Elements [offset, offset + n) as a handle sharing the storage. */
  sliceFlat(h: Handle, offset: number, n: number): Handle;
  /** Frees the tensor now; the handle is refused from then on. */
  release(h: Handle): void;
  counters(): AddonCounters;
  cudaDevices(): { devices: CudaDevice[]; error?: string };
  /** `cpu`, `cuda` or `cuda:N`; throws with the reason when CUDA is not usable. */
  setDevice(device: string): void;
  setMathMode(mode: { mixedPrecision?: boolean; cudnnBenchmark?: boolean; cudnnDeterministic?: boolean; tf32?: boolean }): void;
  /** Bytes of freed CPU tensor memory kept for reuse (installs the caching allocator; 0: keep none). */
  setCpuCache(bytes: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  info(): AddonInfo;
}

export interface ProbeResult {
  available: boolean;
  /** Why the backend is unavailable (absent when available). */
  reason?: string;
  /** How to make it available (absent when available). */
  fix?: string;
  /** libtorch version and threading when available. */
  torchVersion?: string;
  threads?: number;
  addonPath: string;
  /** The libtorch the addon was built against (or found but not usable), from addon-status.json. */
  libtorch?: AddonStatus['libtorch'];
  /** That libtorch in words: `libtorch 1.13.0 from Debian's libtorch-dev (/usr)`. */
  detail?: string;
}

/** What scripts/build-addon.mjs writes into addon-status.json. */
export interface AddonStatus {
  built?: boolean;
  reason?: string;
  libtorch?: { source: LibtorchSource; dir: string; torchVersion?: string; cxx11Abi?: 0 | 1; libDir?: string; cuda?: boolean };
  /** The built addon is linked against libtorch_cuda. */
  cudaLinked?: boolean;
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
export const addonPath = fileURLToPath(new URL('../build/Release/naslab_libtorch.node', import.meta.url));
export const statusPath = fileURLToPath(new URL('../addon-status.json', import.meta.url));

export const FIX =
  '`apt-get install -y libtorch-dev g++ make` (Debian/Ubuntu) or `pip install torch` (found through `python3 -c "import torch"`), ' +
  'then `npm rebuild @naslab/backend-libtorch` (or set LIBTORCH_DIR to an unpacked libtorch; with npm >= 11 allow its install ' +
  'script: see the package README, "allowScripts")';

/**
 * How to make the backend available again, for the reason it is not. Turned off by a variable,
 * the fix is that variable (installing libtorch would change nothing): NASLAB_LIBTORCH_DISABLE
 * at run time; NASLAB_LIBTORCH_SKIP_BUILD or NASLAB_LIBTORCH_SOURCE when the addon was built.
 */
export function fixFor(reason: string): string {
  if (/NASLAB_LIBTORCH_DISABLE=1/.test(reason)) {
    return 'unset NASLAB_LIBTORCH_DISABLE (set to 1, it turns the libtorch backend off): `unset NASLAB_LIBTORCH_DISABLE`, or run with `NASLAB_LIBTORCH_DISABLE=0`';
  }
  if (/NASLAB_LIBTORCH_SKIP_BUILD=1/.test(reason)) {
    return 'the native addon was not built because NASLAB_LIBTORCH_SKIP_BUILD=1 was set at install time: `NASLAB_LIBTORCH_SKIP_BUILD= npm rebuild @naslab/backend-libtorch`';
  }
  const source = /NASLAB_LIBTORCH_SOURCE=([^\s,;:)]+)/.exec(reason);
  if (source) {
    return `NASLAB_LIBTORCH_SOURCE=${source[1]} limited the install-time search to that source: \`NASLAB_LIBTORCH_SOURCE= npm rebuild @naslab/backend-libtorch\` (or name a source that is installed); if none is: ${FIX}`;
  }
  return FIX;
}

let cached: { addon?: NativeAddon; reason?: string } | undefined;

export function readStatus(): AddonStatus | undefined {
  if (!existsSync(statusPath)) return undefined;
  try {
    return JSON.parse(readFileSync(statusPath, 'utf8')) as AddonStatus;
  } catch {
    return undefined;
  }
}

/** The addon, or undefined with `loadError()` telling why. Loads once per process. */
export function loadAddon(): NativeAddon | undefined {
  if (cached) return cached.addon;
  if (process.env.NASLAB_LIBTORCH_DISABLE === '1') {
    cached = { reason: 'disabled by NASLAB_LIBTORCH_DISABLE=1' };
    return undefined;
  }
  if (!existsSync(addonPath)) {
    const status = readStatus();
    const why = status?.reason
      ? `the native addon was not built at install time: ${status.reason}`
      : `the native addon ${addonPath} does not exist (its install script did not run; npm >= 11 blocks ` +
        'install scripts of dependencies unless allowed)';
    cached = { reason: why };
    return undefined;
  }
  // libgomp reads OMP_WAIT_POLICY when it is loaded: passive workers stop spinning between ATen calls
  // and leave the core to the JS kernels that run in between.
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
  try {
    const require = createRequire(import.meta.url);
    cached = { addon: require(addonPath) as NativeAddon };
  } catch (e) {
    cached = { reason: `the native addon ${addonPath} exists but cannot be loaded: ${(e as Error).message}` };
  }
  return cached.addon;
}

export function loadError(): string | undefined {
  loadAddon();
  return cached?.reason;
}

export function probeNative(): ProbeResult {
  const addon = loadAddon();
  const libtorch = readStatus()?.libtorch;
  const found = libtorch ? { libtorch, detail: describeLibtorch(libtorch) } : {};
  if (!addon) return { available: false, reason: `libtorch backend unavailable: ${cached?.reason}`, fix: fixFor(cached?.reason ?? ''), addonPath, ...found };
  const info = addon.info();
  return { available: true, torchVersion: info.torchVersion, threads: addon.getNumThreads(), addonPath, ...found };
}

export { packageRoot };
