/**
 * Training kernels the tfjs wasm backend lacks (Conv2DBackpropFilter, the two depthwise
 * backprops) and a replacement for its MaxPoolGrad (wrong for 3×3 windows on inputs ≥ 16 px),
 * all written with forward kernels the wasm backend has (slice, pad, matMul, depthwise conv…).
 */
import * as tf from '@tensorflow/tfjs';

type Attrs = Record<string, unknown>;
type Backend = { incRef(dataId: object): void };

/**
 * A kernel computed with tf ops. Inputs are wrapped as tensors (with a backend reference each,
 * released by tidy); the output's data gets one extra reference that the engine's tensor owns.
 */
function composite(fn: (inputs: Record<string, tf.Tensor>, attrs: Attrs) => tf.Tensor): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const engine = tf.engine();
    const b = backend as unknown as Backend;
    const out = tf.tidy(() => {
      const wrapped: Record<string, tf.Tensor> = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        b.incRef(info.dataId);
        wrapped[name] = engine.makeTensorFromTensorInfo(info);
      }
      return fn(wrapped, attrs as Attrs);
    });
    b.incRef(out.dataId);
    const result = { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
    out.dispose();
    return result;
  };
}

interface PadInfo {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs,
  depthwise: boolean,
): { pad: PadInfo; outH: number; outW: number; sH: number; sW: number; dH: number; dW: number } {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    (attrs.dilations as [number, number] | number | undefined) ?? 1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
  return {
    pad: info.padInfo,
    outH: info.outHeight,
    outW: info.outWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dH: info.dilationHeight,
    dW: info.dilationWidth,
  };
}

/** x padded, then the window of tap (a, b) at every output position: [n, outH, outW, c]. */
function tapWindow(xp: tf.Tensor4D, a: number, b: number, i: ReturnType<typeof convInfo>): tf.Tensor4D {
  const [n, , , c] = xp.shape;
  const win = tf.slice(xp, [0, a * i.dH, b * i.dW, 0], [n, (i.outH - 1) * i.sH + 1, (i.outW - 1) * i.sW + 1, c]);
  return i.sH === 1 && i.sW === 1 ? win : (tf.avgPool(win, 1, [i.sH, i.sW], 'valid') as tf.Tensor4D);
}

function padded(x: tf.Tensor4D, p: PadInfo, value = 0): tf.Tensor4D {
  if (p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0) return x;
  return tf.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], value);
}

/** Insert s−1 zeros between rows/columns: [n,h,w,c] → [n,(h−1)s+1,(w−1)s+1,c]. */
function upsampleWithZeros(t: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  if (sH === 1 && sW === 1) return t;
  const [n, h, w, c] = t.shape;
  const six = tf.reshape(t, [n, h, 1, w, 1, c]);
  const spread = tf.pad(six, [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]]);
  const flat = tf.reshape(spread, [n, h * sH, w * sW, c]) as tf.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * sH + 1, (w - 1) * sW + 1, c]);
}

/** dW of a dense conv: im2col of x (all taps side by side) ᵀ · dy, one matMul. */
const conv2DBackpropFilter = composite(({ x, dy }, attrs) => {
  const filterShape = attrs.filterShape as [number, number, number, number];
  const [kh, kw, cin, cout] = filterShape;
  const i = convInfo(x!.shape, filterShape, attrs, false);
  const xp = padded(x as tf.Tensor4D, i.pad);
  const taps: tf.Tensor4D[] = [];
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) taps.push(tapWindow(xp, a, b, i));
  const cols = taps.length === 1 ? taps[0]! : tf.concat(taps, 3);
  const rows = cols.shape[0] * i.outH * i.outW;
  const dw = tf.matMul(tf.reshape(cols, [rows, kh * kw * cin]), tf.reshape(dy!, [rows, cout]), true, false);
  return tf.reshape(dw, filterShape);
});

/** dW of a depthwise conv (channel multiplier 1): Σ over batch and positions of window·dy per tap. */
const depthwiseBackpropFilter = composite(({ x, dy }, attrs) => {
  const filterShape = attrs.filterShape as [number, number, number, number];
  const [kh, kw, c, mult] = filterShape;
  if (mult !== 1) throw new Error('wasm DepthwiseConv2dNativeBackpropFilter: only channel multiplier 1');
  const i = convInfo(x!.shape, filterShape, attrs, true);
  const xp = padded(x as tf.Tensor4D, i.pad);
  const taps: tf.Tensor[] = [];
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) taps.push(tf.sum(tf.mul(tapWindow(xp, a, b, i), dy!), [0, 1, 2]));
  return tf.reshape(tf.stack(taps), [kh, kw, c, 1]);
});

/**
 * dx of a depthwise conv: spread dy back to stride 1 with zeros, pad by (k−1)·d on the left,
 * correlate with the flipped filter, and cut out the input window.
 */
const depthwiseBackpropInput = composite(({ dy, filter }, attrs) => {
  const inputShape = attrs.inputShape as [number, number, number, number];
  const [n, h, w, c] = inputShape;
  const [kh, kw] = filter!.shape as [number, number, number, number];
  if (filter!.shape[3] !== 1) throw new Error('wasm DepthwiseConv2dNativeBackpropInput: only channel multiplier 1');
  const i = convInfo(inputShape, filter!.shape, attrs, true);
  const u = upsampleWithZeros(dy as tf.Tensor4D, i.sH, i.sW);
  const [, lh, lw] = u.shape;
  const padH = (kh - 1) * i.dH;
  const padW = (kw - 1) * i.dW;
  const up = tf.pad(u, [
    [0, 0],
    [padH, Math.max(0, h + i.pad.top - lh)],
    [padW, Math.max(0, w + i.pad.left - lw)],
    [0, 0],
  ]);
  const flipped = tf.reverse(filter!, [0, 1]) as tf.Tensor4D;
  const full = tf.depthwiseConv2d(up, flipped, 1, 'valid', 'NHWC', [i.dH, i.dW]);
  return tf.slice(full, [0, i.pad.top, i.pad.left, 0], [n, h, w, c]);
});

/**
 * MaxPoolGrad: each output's gradient goes to the first (row-major) tap of its window that
 * equals the max, as tfjs cpu and PyTorch do.
 */
const maxPoolGrad = composite(({ dy, input, output }, attrs) => {
  const x = input as tf.Tensor4D;
  const filterSize = attrs.filterSize as number | [number, number];
  const [kh, kw] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
  const info = tf.backend_util.computePool2DInfo(
    x.shape,
    filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  const i = {
    pad: info.padInfo,
    outH: info.outHeight,
    outW: info.outWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dH: 1,
    dW: 1,
  };
  const xp = padded(x, i.pad, Number.NEGATIVE_INFINITY);
  const [, ph, pw] = xp.shape;
  let taken: tf.Tensor = tf.zerosLike(output!);
  let dxp: tf.Tensor | undefined;
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const hit = tf.mul(tf.cast(tf.equal(tapWindow(xp, a, b, i), output!), 'float32'), tf.sub(1, taken));
      taken = tf.add(taken, hit);
      const spread = upsampleWithZeros(tf.mul(hit, dy!) as tf.Tensor4D, i.sH, i.sW);
      const placed = tf.pad(spread, [
        [0, 0],
        [a, ph - a - spread.shape[1]],
        [b, pw - b - spread.shape[2]],
        [0, 0],
      ]);
      dxp = dxp ? tf.add(dxp, placed) : placed;
    }
  const [n, h, w, c] = x.shape;
  return tf.slice(dxp as tf.Tensor4D, [0, i.pad.top, i.pad.left, 0], [n, h, w, c]);
});

let registered = false;

/** Register the kernels for backend 'wasm' (once per process). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: Array<[string, tf.KernelFunc]> = [
    ['Conv2DBackpropFilter', conv2DBackpropFilter],
    ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
    ['MaxPoolGrad', maxPoolGrad],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
