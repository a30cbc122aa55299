// Loads the native addon (built by scripts/build-addon.mjs at install time) and explains, when it
// cannot, exactly why and how to fix it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describeLibtorch, type LibtorchSource } from '../scripts/libtorch-discovery.mjs';

type F32 = Float32Array;
type Shape = readonly number[];

/** The functions exported by native/addon.cc. */
export interface NativeAddon {
  conv2d(x: F32, xs: Shape, w: F32, ws: Shape, out: F32, os: Shape, strides: Shape, dil: Shape, pads: Shape, depthwise: boolean): void;
  conv2dBackpropInput(dy: F32, dys: Shape, w: F32, ws: Shape, out: F32, xs: Shape, strides: Shape, dil: Shape, pads: Shape, depthwise: boolean): void;
  conv2dBackpropFilter(x: F32, xs: Shape, dy: F32, dys: Shape, out: F32, ws: Shape, strides: Shape, dil: Shape, pads: Shape, depthwise: boolean): void;
  pool(kind: number, x: F32, xs: Shape, out: F32, os: Shape, k: Shape, s: Shape, pad: Shape, ceil: boolean): void;
  maxPoolGrad(dy: F32, dys: Shape, x: F32, xs: Shape, out: F32, k: Shape, s: Shape, pad: Shape, ceil: boolean): void;
  avgPoolGrad(dy: F32, dys: Shape, out: F32, xs: Shape, k: Shape, s: Shape, pad: Shape, ceil: boolean, divisor: number): void;
  binary(op: number, a: F32, as: Shape, b: F32, bs: Shape, out: F32, os: Shape): void;
  unary(op: number, x: F32, out: F32, n: number, alpha?: number): void;
  reduce(op: number, x: F32, xs: Shape, axes: Shape, out: F32): void;
  softmax(x: F32, xs: Shape, out: F32): void;
  batchNorm(x: F32, xs: Shape, mean: F32, variance: F32, offset: F32 | null, scale: F32 | null, eps: number, out: F32): void;
  batchNormTraining(x: F32, xs: Shape, scale: F32 | null, offset: F32 | null, eps: number, out: F32, mean: F32, variance: F32): void;
  batchNormTrainingGrad(dy: F32, x: F32, xs: Shape, mean: F32, variance: F32, scale: F32 | null, eps: number, dx: F32, dscale: F32 | null, doffset: F32 | null): void;
  reluGrad(dy: F32, y: F32, out: F32, n: number): void;
  batchMatMul(a: F32, as: Shape, b: F32, bs: Shape, transposeA: boolean, transposeB: boolean, out: F32, os: Shape): void;
  concat(xs: F32[], shapes: Shape[], axis: number, out: F32, os: Shape): void;
  slice(x: F32, xs: Shape, begin: Shape, size: Shape, out: F32): void;
  pad(x: F32, xs: Shape, paddings: Shape, value: number, out: F32, os: Shape): void;
  tile(x: F32, xs: Shape, reps: Shape, out: F32): void;
  transpose(x: F32, xs: Shape, perm: Shape, out: F32): void;
  addN(xs: F32[], shape: Shape, out: F32): void;
  spaceToBatch(x: F32, xs: Shape, block: Shape, pads: Shape, out: F32, os: Shape): void;
  batchToSpace(x: F32, xs: Shape, block: Shape, crops: Shape, out: F32, os: Shape): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  info(): { torchVersion?: string; parallelInfo: string; mkldnn: boolean; threads: number };
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
  libtorch?: { source: LibtorchSource; dir: string; torchVersion?: string; cxx11Abi?: 0 | 1; libDir?: string };
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
