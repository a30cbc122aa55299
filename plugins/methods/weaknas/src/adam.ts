export interface AdamSettings {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** scikit-learn's defaults (`MLPRegressor(solver='adam')`). */
export const SKLEARN_ADAM: AdamSettings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** The part of the WebAssembly JS API used here (the ES2022 lib does not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
type WasmModule = object;
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Kernel arguments: byte offsets of p, g, m, v and the byte length, then the f32 constants. */
type AdamKernel = (p: number, g: number, m: number, v: number, bytes: number, b1: number, c1: number, b2: number, c2: number, lrT: number, eps: number, l2: number, scale: number) => number;

/**
 * scikit-learn's `AdamOptimizer` (sklearn/neural_network/_stochastic_optimizers.py) with the
 * gradient finished as its `_compute_loss_grad` does. Per step t and tensor:
 * g ← (g_raw + α·p)·s (α only for weights, s = 1/n), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p − lr_t·m / (√v + ε), lr_t = lr·√(1−β2^t) / (1−β1^t) (ε added to √v, not to a
 * bias-corrected √v̂ as tf.train.adam does).
 *
 * Parameters, gradients and moments live in one WebAssembly memory (`params`, `grads` are views
 * of it) and a SIMD kernel updates 4 floats at a time, in float32: 3M parameters cost about 3 ms
 * a step, where the same loop in JS took 14 ms. Without WebAssembly SIMD a JS loop does the same
 * arithmetic in float64.
 */
export class AdamOptimizer {
  /** The parameters, updated in place (write the initial values here). */
  readonly params: Float32Array[] = [];
  /** Where the caller writes each step's raw gradients (sklearn's `coef_grads` before `+ α·W` and `/ n`). */
  readonly grads: Float32Array[] = [];
  private readonly m: Float32Array[] = [];
  private readonly v: Float32Array[] = [];
  private readonly kernel: AdamKernel | undefined;
  /** Which update loop runs: the WebAssembly SIMD kernel or the JS fallback. */
  readonly route: 'wasm-simd' | 'js';
  /** Steps taken (sklearn `t`). */
  steps = 0;

  constructor(
    sizes: readonly number[],
    readonly settings: AdamSettings = SKLEARN_ADAM,
    /** Which tensors the L2 penalty applies to (sklearn: weights, not intercepts). Default: all. */
    private readonly decayed: readonly boolean[] = sizes.map(() => true),
    /** Use the JS loop even where WebAssembly SIMD is available (tests). */
    forceJs = false,
  ) {
    // Every array padded to a multiple of 4 floats (16 bytes): the kernel reads whole vectors; the zeros stay zeros.
    const padded = sizes.map((s) => Math.ceil(s / 4) * 4);
    const bytes = 4 * 4 * padded.reduce((a, b) => a + b, 0);
    const module = forceJs ? undefined : adamModule();
    let buffer: ArrayBuffer;
    if (module && wasm) {
      const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
      const instance = new wasm.Instance(module, { env: { memory } });
      this.kernel = instance.exports.adam as AdamKernel;
      buffer = memory.buffer;
    } else {
      buffer = new ArrayBuffer(bytes);
    }
    this.route = this.kernel ? 'wasm-simd' : 'js';
    let offset = 0;
    const take = (n: number, used: number) => {
      const view = new Float32Array(buffer, offset, used);
      offset += 4 * n;
      return view;
    };
    sizes.forEach((s, k) => {
      this.params.push(take(padded[k]!, s));
      this.grads.push(take(padded[k]!, s));
      this.m.push(take(padded[k]!, s));
      this.v.push(take(padded[k]!, s));
    });
  }

  /**
   * One step from the raw gradients in `grads`, finished as g = (g_raw + α·p)·scale. Returns Σp²
   * over the decayed tensors before the step (the L2 term of the mini-batch's loss).
   */
  step(scale: number, l2: number): number {
    const { learningRate, beta1, beta2, epsilon } = this.settings;
    this.steps++;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    let sumSquares = 0;
    for (let k = 0; k < this.params.length; k++) {
      const alpha = this.decayed[k] ? l2 : 0;
      const p = this.params[k]!;
      const g = this.grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      let s: number;
      if (this.kernel) {
        const bytes = 4 * Math.ceil(p.length / 4) * 4;
        s = this.kernel(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, bytes, beta1, 1 - beta1, beta2, 1 - beta2, lrT, epsilon, alpha, scale);
      } else {
        s = 0;
        for (let i = 0; i < p.length; i++) {
          const pi = p[i]!;
          s += pi * pi;
          const gi = (g[i]! + alpha * pi) * scale;
          const mi = beta1 * m[i]! + (1 - beta1) * gi;
          const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = pi - (lrT * mi) / (Math.sqrt(vi) + epsilon);
        }
      }
      if (this.decayed[k]) sumSquares += s;
    }
    return sumSquares;
  }
}

let compiled: WasmModule | null | undefined;

/** The SIMD kernel, compiled once; null where WebAssembly SIMD is unavailable. */
function adamModule(): WasmModule | undefined {
  if (compiled === undefined) {
    const bytes = adamWasm();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled ?? undefined;
}

/**
 * The module, assembled here (no toolchain needed). `adam(p, g, m, v, bytes, β1, 1−β1, β2, 1−β2,
 * lr_t, ε, α, scale) → Σp²`, over `bytes` bytes of each array, 16 at a time:
 *   pi = p; sq += pi·pi; gi = (g + α·pi)·scale; m = β1·m + (1−β1)·gi; v = β2·v + (1−β2)·gi·gi;
 *   p = pi − lr_t·m / (√v + ε)
 */
function adamWasm(): Uint8Array {
  const I32 = 0x7f;
  const F32 = 0x7d;
  const V128 = 0x7b;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const simd = (op: number) => (op < 0x80 ? [0xfd, op] : [0xfd, (op & 0x7f) | 0x80, op >> 7]);
  const load = [...simd(0x00), 4, 0];
  const store = [...simd(0x0b), 4, 0];
  const splat = simd(0x13);
  const [sqrt, add, sub, mul, div] = [0xe3, 0xe4, 0xe5, 0xe6, 0xe7].map(simd) as [number[], number[], number[], number[], number[]];
  const lane = (i: number) => [...simd(0x1f), i];
  // Locals: params 0–12 (p g m v bytes: i32; b1 c1 b2 c2 lr eps l2 scale: f32), 13–20 the
  // splatted constants, 21 the offset i, 22 pi, 23 gi, 24 mi, 25 vi, 26 sq.
  const [P, G, M, V, BYTES] = [0, 1, 2, 3, 4];
  const splatted = (param: number) => 13 + (param - 5);
  const [I, PI, GI, MI, VI, SQ] = [21, 22, 23, 24, 25, 26];
  const at = (base: number) => [...get(base), ...get(I), 0x6a];
  const c = splatted;
  const body = [
    ...[5, 6, 7, 8, 9, 10, 11, 12].flatMap((k) => [...get(k), ...splat, ...set(splatted(k))]),
    0x02, 0x40, 0x03, 0x40,
    ...get(I), ...get(BYTES), 0x4f, 0x0d, 1, // if i >= bytes: break
    ...at(P), ...load, ...set(PI),
    ...get(SQ), ...get(PI), ...get(PI), ...mul, ...add, ...set(SQ),
    ...at(G), ...load, ...get(c(11)), ...get(PI), ...mul, ...add, ...get(c(12)), ...mul, ...set(GI),
    ...at(M), ...load, ...get(c(5)), ...mul, ...get(c(6)), ...get(GI), ...mul, ...add, ...set(MI),
    ...at(M), ...get(MI), ...store,
    ...at(V), ...load, ...get(c(7)), ...mul, ...get(c(8)), ...get(GI), ...mul, ...get(GI), ...mul, ...add, ...set(VI),
    ...at(V), ...get(VI), ...store,
    ...at(P), ...get(PI), ...get(c(9)), ...get(MI), ...mul, ...get(VI), ...sqrt, ...get(c(10)), ...add, ...div, ...sub, ...store,
    ...get(I), 0x41, 16, 0x6a, ...set(I), // i += 16
    0x0c, 0, 0x0b, 0x0b, // continue; end loop; end block
    ...get(SQ), ...lane(0), ...get(SQ), ...lane(1), 0x92, ...get(SQ), ...lane(2), 0x92, ...get(SQ), ...lane(3), 0x92,
    0x0b,
  ];
  const locals = [3, 8, V128, 1, I32, 5, V128];
  const func = [...locals, ...body];
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 13, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, 1, F32]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('adam'), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
