type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;

/**
 * The three dense products a ReLU MLP needs, on row-major Float32Arrays. Results are fresh arrays
 * the caller owns (it may overwrite them).
 */
export interface MatrixProducts {
  /** Names the route (`js`, `conv2d-1x1`, `matMul`): benchmarks print it. */
  readonly route: string;
  /** `A·B`: A is n×k, B is k×m; the result is n×m (forward pass). */
  ab(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array;
  /** `Aᵀ·B`: A is n×k, B is n×m; the result is k×m (weight gradients). */
  atb(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array;
  /** `A·Bᵀ`: A is n×m, B is k×m; the result is n×k (gradients of a layer's input). */
  abt(a: Float32Array, b: Float32Array, n: number, m: number, k: number): Float32Array;
}

/** Plain-JS loops; zero entries of the left factor are skipped (one-hot inputs, ReLU outputs). */
export const jsMatrixProducts: MatrixProducts = {
  route: 'js',
  ab(a, b, n, k, m) {
    const c = new Float32Array(n * m);
    for (let r = 0; r < n; r++) {
      const cr = r * m;
      for (let i = 0; i < k; i++) {
        const v = a[r * k + i]!;
        if (v === 0) continue;
        const bi = i * m;
        for (let j = 0; j < m; j++) c[cr + j]! += v * b[bi + j]!;
      }
    }
    return c;
  },
  atb(a, b, n, k, m) {
    const c = new Float32Array(k * m);
    for (let r = 0; r < n; r++) {
      const br = r * m;
      for (let i = 0; i < k; i++) {
        const v = a[r * k + i]!;
        if (v === 0) continue;
        const ci = i * m;
        for (let j = 0; j < m; j++) c[ci + j]! += v * b[br + j]!;
      }
    }
    return c;
  },
  abt(a, b, n, m, k) {
    const c = new Float32Array(n * k);
    for (let r = 0; r < n; r++) {
      const ar = r * m;
      for (let i = 0; i < k; i++) {
        const bi = i * m;
        let s = 0;
        for (let j = 0; j < m; j++) s += a[ar + j]! * b[bi + j]!;
        c[r * k + i] = s;
      }
    }
    return c;
  },
};

function readAndDispose(tf: Tf, out: Tensor, inputs: Tensor[]): Float32Array {
  const values = out.dataSync() as Float32Array;
  tf.dispose([out, ...inputs]);
  return values;
}

/**
 * oneDNN picks a slow algorithm for 1×1 convolutions of fewer than about 24 pixels (10 rows:
 * 4–8× the time of 32 rows on this machine); zero rows added up to this count change no result.
 */
export const CONV_MIN_ROWS = 32;

/** `a` (n × cols) with zero rows appended up to `rows`. */
function padRows(a: Float32Array, n: number, cols: number, rows: number): Float32Array {
  if (n >= rows) return a;
  const out = new Float32Array(rows * cols);
  out.set(a.subarray(0, n * cols));
  return out;
}

/** `a` (n × cols) transposed, with zero columns appended up to `rows`: cols × rows. */
function transposePadded(a: Float32Array, n: number, cols: number, rows: number): Float32Array {
  const t = new Float32Array(cols * rows);
  for (let r = 0; r < n; r++) {
    const ar = r * cols;
    for (let i = 0; i < cols; i++) t[i * rows + r] = a[ar + i]!;
  }
  return t;
}

/** Below this many rows `abt` runs as the transposed product W·δᵀ (a convolution over W's rows). */
export const CONV_TRANSPOSED_ABT_MAX_ROWS = 64;

/**
 * Products as 1×1 convolutions (NHWC images of one row of pixels), which the libtorch backend
 * runs on oneDNN while its `BatchMatMul` runs on the reference BLAS of Debian's libtorch (15–50×
 * slower, bench/nb201-study `--products`). Each product takes the layout oneDNN runs fastest at
 * the predictor's shapes (measured on this machine):
 * - `ab`: `Conv2D` of A as n pixels × k channels with the filter B [1, 1, k, m];
 * - `atb`: `Conv2D` of Aᵀ (k pixels × n channels) with B as filter [1, 1, n, m] (faster than
 *   `Conv2DBackpropFilter`: 0.9 ms against 1.7 ms at 32 × 1000 × 1000);
 * - `abt`: for few rows, (B·Aᵀ)ᵀ: `Conv2D` of B (k pixels × m channels) with Aᵀ as filter
 *   [1, 1, m, n], transposed back (0.4 ms against 1.1 ms at 10 rows); for more,
 *   `Conv2DBackpropInput` of A with the filter B.
 * Fewer than `CONV_MIN_ROWS` rows are padded with zeros.
 */
export function convMatrixProducts(tf: Tf): MatrixProducts {
  const engine = tf.engine();
  const common = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' };
  const conv = (x: Float32Array, pixels: number, channels: number, filter: Float32Array, out: number) => {
    const xt = tf.tensor4d(x, [1, 1, pixels, channels]);
    const ft = tf.tensor4d(filter, [1, 1, channels, out]);
    return readAndDispose(tf, engine.runKernel('Conv2D', { x: xt, filter: ft }, { ...common, dilations: [1, 1] }) as Tensor, [xt, ft]);
  };
  return {
    route: 'conv2d-1x1',
    ab(a, b, n, k, m) {
      const rows = Math.max(n, CONV_MIN_ROWS);
      const c = conv(padRows(a, n, k, rows), rows, k, b, m);
      return rows === n ? c : c.subarray(0, n * m);
    },
    atb(a, b, n, k, m) {
      const rows = Math.max(n, CONV_MIN_ROWS);
      return conv(transposePadded(a, n, k, rows), k, rows, padRows(b, n, m, rows), m);
    },
    abt(a, b, n, m, k) {
      if (n <= CONV_TRANSPOSED_ABT_MAX_ROWS) {
        const ct = conv(b, k, m, transposePadded(a, n, m, n), n);
        return transposePadded(ct, k, n, k);
      }
      const rows = Math.max(n, CONV_MIN_ROWS);
      const dy = tf.tensor4d(padRows(a, n, m, rows), [1, 1, rows, m]);
      const f = tf.tensor4d(b, [1, 1, k, m]);
      const c = readAndDispose(tf, engine.runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...common, inputShape: [1, 1, rows, k] }) as Tensor, [dy, f]);
      return rows === n ? c : c.subarray(0, n * k);
    },
  };
}

/** Products through `tf.matMul` (backends whose matMul is fast: wasm's XNNPACK, tfjs-node). */
export function matMulMatrixProducts(tf: Tf): MatrixProducts {
  return {
    route: 'matMul',
    ab(a, b, n, k, m) {
      const x = tf.tensor2d(a, [n, k]);
      const y = tf.tensor2d(b, [k, m]);
      return readAndDispose(tf, tf.matMul(x, y), [x, y]);
    },
    atb(a, b, n, k, m) {
      const x = tf.tensor2d(a, [n, k]);
      const y = tf.tensor2d(b, [n, m]);
      return readAndDispose(tf, tf.matMul(x, y, true, false), [x, y]);
    },
    abt(a, b, n, m, k) {
      const x = tf.tensor2d(a, [n, m]);
      const y = tf.tensor2d(b, [k, m]);
      return readAndDispose(tf, tf.matMul(x, y, false, true), [x, y]);
    },
  };
}

/** Products below this many multiply-adds stay in JS: a tfjs kernel call costs tens of µs. */
export const SMALL_PRODUCT_MACS = 1 << 18;

/** `large` for products of at least `SMALL_PRODUCT_MACS` multiply-adds, the JS loops for smaller ones. */
export function bySize(large: MatrixProducts): MatrixProducts {
  if (large === jsMatrixProducts) return large;
  const small = (macs: number) => macs < SMALL_PRODUCT_MACS;
  return {
    route: large.route,
    ab: (a, b, n, k, m) => (small(n * k * m) ? jsMatrixProducts : large).ab(a, b, n, k, m),
    atb: (a, b, n, k, m) => (small(n * k * m) ? jsMatrixProducts : large).atb(a, b, n, k, m),
    abt: (a, b, n, m, k) => (small(n * k * m) ? jsMatrixProducts : large).abt(a, b, n, m, k),
  };
}

/**
 * The fastest route on the active tfjs backend: 1×1 convolutions on libtorch (oneDNN), plain JS
 * on the pure-JS `cpu` backend (its matMul is a JS loop too, without the zero skipping), `matMul`
 * elsewhere; small products always in JS.
 */
export function selectMatrixProducts(tf: Tf): MatrixProducts {
  const backend = tf.getBackend();
  if (backend === 'libtorch') return bySize(convMatrixProducts(tf));
  if (backend === 'cpu') return jsMatrixProducts;
  return bySize(matMulMatrixProducts(tf));
}
