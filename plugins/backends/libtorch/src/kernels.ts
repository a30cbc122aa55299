// Native (ATen) kernels for the `libtorch` tfjs backend. Each kernel falls back to the cpu
// backend's kernel for small tensors, non-float32 dtypes, NCHW data formats and other cases the
// native path does not cover, so results always match the cpu backend's semantics.
import {
  backend_util,
  slice_util,
  util,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import type { Handle, NativeAddon } from './native.js';
import { handleOf, nativeInput, writeHandle, type NativeInput } from './storage.js';

export interface KernelArgs {
  inputs: Record<string, TensorInfo> | TensorInfo[];
  backend: MathBackendCPU;
  attrs?: NamedAttrMap;
}

export interface NativeContext {
  addon: NativeAddon;
  /** Tensors with fewer elements than this stay in JS (an N-API call costs ~1.5 µs plus argument marshalling). */
  minElements: number;
  /**
   * tfjs' cpu AvgPoolGrad divides every window by the filter area, also where the forward pass
   * ('same' padding) divided by fewer in-bounds pixels. false (default): do the same, so backends
   * train alike; true: the exact gradient of the forward pass.
   */
  exactAvgPoolGrad: boolean;
  /**
   * Every tensor a native kernel touches lives on the device: JS data is uploaded once, every
   * output is a handle, a read keeps the device copy. Always so on CUDA; on the CPU the `resident`
   * option runs this data path too (tests), otherwise small outputs are JS arrays and a read
   * replaces the device copy.
   */
  resident: boolean;
  /** Calls per kernel that ran natively / fell back to JS, and the milliseconds spent in each. */
  stats: Map<string, KernelStat>;
}

export interface KernelStat {
  native: number;
  js: number;
  nativeMs: number;
  jsMs: number;
}

/** Returns the output, or null to fall back to the cpu kernel. */
type NativeImpl = (args: KernelArgs, ctx: NativeContext) => TensorInfo | TensorInfo[] | null;

/** A kernel's result as the addon returns it: the handles of the outputs it allocated. */
type NativeResult = Handle | Handle[] | undefined;

/**
 * Where an output of `n` elements goes: null lets ATen allocate it on the device (returned as a
 * handle); on the CPU a small one is a JS array, since JS kernels read small tensors next (an
 * optimizer step on a bias, a metric) and a handle would cost them a read.
 */
function outFor(ctx: NativeContext, n: number): Float32Array | null {
  return !ctx.resident && n < ctx.minElements ? new Float32Array(n) : null;
}

/** The output tensor: the JS array passed, or the handle the addon returned. */
function emit(args: KernelArgs, ctx: NativeContext, shape: number[], o: Float32Array | null, r: NativeResult): TensorInfo {
  if (o) return args.backend.makeTensorInfo(shape, 'float32', o);
  if (r === undefined || Array.isArray(r)) throw new Error('internal: the addon returned no tensor handle');
  return writeHandle(args.backend, r, shape, ctx.addon, ctx.resident);
}

/** Several outputs: the addon returns the handles of those passed as null, in argument order. */
function emitAll(args: KernelArgs, ctx: NativeContext, outs: Array<[number[], Float32Array | null]>, r: NativeResult): TensorInfo[] {
  const handles = r === undefined ? [] : Array.isArray(r) ? r : [r];
  let k = 0;
  return outs.map(([shape, o]) => (o ? args.backend.makeTensorInfo(shape, 'float32', o) : writeHandle(args.backend, handles[k++]!, shape, ctx.addon, ctx.resident)));
}

/** The tensor as a native argument (its handle, or its JS data), or null: fall back to JS. */
function inp(args: KernelArgs, ctx: NativeContext, t: TensorInfo | undefined | null): NativeInput | null {
  return nativeInput(args.backend, t, ctx.addon, ctx.resident);
}

/** Elements [offset, offset + size(shape)) of `x` as a tensor: a view sharing x's device data; null when x's data is in JS. */
function flatPiece(args: KernelArgs, ctx: NativeContext, x: TensorInfo, offset: number, shape: number[]): TensorInfo | null {
  const h = handleOf(args.backend, x);
  if (!h) return null;
  return writeHandle(args.backend, ctx.addon.sliceFlat(h, offset, size(shape)), shape, ctx.addon, ctx.resident);
}

function size(shape: readonly number[]): number {
  return util.sizeFromShape(shape as number[]);
}

function named(args: KernelArgs): Record<string, TensorInfo> {
  return args.inputs as Record<string, TensorInfo>;
}

function padsOf(info: backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [p.top, p.bottom, p.left, p.right];
}

// --------------------------------------------------------------------------------------------
// Convolutions

const conv2d: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, filter } = named(args);
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as any;
  if (dataFormat === 'NCHW' || x.shape.length !== 4) return null;
  const xv = inp(args, ctx, x), wv = inp(args, ctx, filter);
  if (!xv || !wv) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filter.shape as any, strides, dilations ?? 1, pad, dimRoundingMode, false, 'channelsLast');
  if (size(info.outShape) < minElements) return null;
  const o = outFor(ctx, size(info.outShape));
  const r = addon.conv2d(xv, x.shape, wv, filter.shape, o, info.outShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), false);
  return emit(args, ctx, info.outShape, o, r);
};

const conv2dBackpropInput: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, filter } = named(args);
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = args.attrs as any;
  if (dataFormat === 'NCHW') return null;
  const dyv = inp(args, ctx, dy), wv = inp(args, ctx, filter);
  if (!dyv || !wv || size(inputShape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as any, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const o = outFor(ctx, size(inputShape));
  const r = addon.conv2dBackpropInput(dyv, dy.shape, wv, filter.shape, o, inputShape, [info.strideHeight, info.strideWidth], [1, 1], padsOf(info), false);
  return emit(args, ctx, [...inputShape], o, r);
};

const conv2dBackpropFilter: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, dy } = named(args);
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as any;
  if (dataFormat === 'NCHW') return null;
  const xv = inp(args, ctx, x), dyv = inp(args, ctx, dy);
  if (!xv || !dyv || size(x.shape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const o = outFor(ctx, size(filterShape));
  const r = addon.conv2dBackpropFilter(xv, x.shape, dyv, dy.shape, o, filterShape, [info.strideHeight, info.strideWidth], [1, 1], padsOf(info), false);
  return emit(args, ctx, [...filterShape], o, r);
};

const depthwiseConv2d: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, filter } = named(args);
  const { strides, pad, dilations, dimRoundingMode } = args.attrs as any;
  const xv = inp(args, ctx, x), wv = inp(args, ctx, filter);
  if (!xv || !wv || x.shape.length !== 4) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filter.shape as any, strides, dilations ?? [1, 1], pad, dimRoundingMode, true);
  if (size(info.outShape) < minElements) return null;
  const o = outFor(ctx, size(info.outShape));
  const r = addon.conv2d(xv, x.shape, wv, filter.shape, o, info.outShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), true);
  return emit(args, ctx, info.outShape, o, r);
};

const depthwiseConv2dBackpropInput: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, filter } = named(args);
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as any;
  const dyv = inp(args, ctx, dy), wv = inp(args, ctx, filter);
  if (!dyv || !wv || size(inputShape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as any, strides, dilations ?? [1, 1], pad, dimRoundingMode, true);
  const o = outFor(ctx, size(inputShape));
  const r = addon.conv2dBackpropInput(dyv, dy.shape, wv, filter.shape, o, inputShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), true);
  return emit(args, ctx, [...inputShape], o, r);
};

const depthwiseConv2dBackpropFilter: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, dy } = named(args);
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as any;
  const xv = inp(args, ctx, x), dyv = inp(args, ctx, dy);
  if (!xv || !dyv || size(x.shape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filterShape, strides, dilations ?? [1, 1], pad, dimRoundingMode, true);
  const o = outFor(ctx, size(filterShape));
  const r = addon.conv2dBackpropFilter(xv, x.shape, dyv, dy.shape, o, filterShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), true);
  return emit(args, ctx, [...filterShape], o, r);
};

// --------------------------------------------------------------------------------------------
// Pooling

/** ATen's pooled length (aten/src/ATen/native/Pool.h pooling_output_shape). */
function atenPoolOut(inSize: number, k: number, s: number, pad: number, ceil: boolean): number {
  let o = Math.floor((inSize + 2 * pad - (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= inSize + pad) o--;
  return o;
}

/**
 * ATen pads symmetrically, tfjs 'same' may pad one more at the bottom/right. Windows start at the
 * same places when the top/left pads agree; the extra padding never counts (max: -inf, avg:
 * excluded), so only the number of windows must agree, which ceil_mode can fix.
 */
function poolParams(info: backend_util.Conv2DInfo): { k: number[]; s: number[]; pad: number[]; ceil: boolean } | null {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const k = [info.filterHeight, info.filterWidth];
  const s = [info.strideHeight, info.strideWidth];
  const pad = [info.padInfo.top, info.padInfo.left];
  if (pad[0] * 2 > k[0] || pad[1] * 2 > k[1]) return null;
  for (const ceil of [false, true]) {
    if (
      atenPoolOut(info.inHeight, k[0], s[0], pad[0], ceil) === info.outHeight &&
      atenPoolOut(info.inWidth, k[1], s[1], pad[1], ceil) === info.outWidth
    ) {
      return { k, s, pad, ceil };
    }
  }
  return null;
}

function poolInfo(xShape: readonly number[], attrs: any): backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  return backend_util.computePool2DInfo(xShape as any, filterSize, strides, 1, pad, dimRoundingMode);
}

function isIdentityPool(info: backend_util.Conv2DInfo): boolean {
  return info.filterWidth === 1 && info.filterHeight === 1 && util.arraysEqual(info.inShape, info.outShape);
}

const makePool = (kind: 0 | 1): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const xv = inp(args, ctx, x);
  if (!xv || x.shape.length !== 4 || size(x.shape) < minElements) return null;
  const info = poolInfo(x.shape, args.attrs);
  if (isIdentityPool(info)) return null;
  const p = poolParams(info);
  if (!p) return null;
  const o = outFor(ctx, size(info.outShape));
  const r = addon.pool(kind, xv, x.shape, o, info.outShape, p.k, p.s, p.pad, p.ceil);
  return emit(args, ctx, info.outShape, o, r);
};

const maxPoolGrad: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, input } = named(args);
  const dyv = inp(args, ctx, dy), xv = inp(args, ctx, input);
  if (!dyv || !xv || size(input.shape) < minElements) return null;
  const info = poolInfo(input.shape, args.attrs);
  const p = poolParams(info);
  if (!p) return null;
  const o = outFor(ctx, size(input.shape));
  const r = addon.maxPoolGrad(dyv, dy.shape, xv, input.shape, o, p.k, p.s, p.pad, p.ceil);
  return emit(args, ctx, [...input.shape], o, r);
};

const avgPoolGrad: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, input } = named(args);
  const dyv = inp(args, ctx, dy);
  if (!dyv || input.shape.length !== 4 || size(input.shape) < minElements) return null;
  const info = poolInfo(input.shape, args.attrs);
  const p = poolParams(info);
  if (!p) return null;
  const o = outFor(ctx, size(input.shape));
  const r = addon.avgPoolGrad(dyv, dy.shape, o, input.shape, p.k, p.s, p.pad, p.ceil, ctx.exactAvgPoolGrad ? 0 : p.k[0] * p.k[1]);
  return emit(args, ctx, [...input.shape], o, r);
};

// --------------------------------------------------------------------------------------------
// Elementwise, reductions, softmax, batch norm

const makeBinary = (op: number): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { a, b } = named(args);
  const av = inp(args, ctx, a), bv = inp(args, ctx, b);
  if (!av || !bv) return null;
  const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  if (size(shape) < minElements) return null;
  const o = outFor(ctx, size(shape));
  const r = addon.binary(op, av, a.shape, bv, b.shape, o, shape);
  return emit(args, ctx, shape, o, r);
};

const makeUnary = (op: number, alphaAttr?: string): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const xv = inp(args, ctx, x);
  if (!xv || size(x.shape) < minElements) return null;
  const n = size(x.shape);
  const o = outFor(ctx, n);
  const alpha = alphaAttr ? Number((args.attrs as any)?.[alphaAttr] ?? 0) : undefined;
  const r = addon.unary(op, xv, o, n, alpha);
  return emit(args, ctx, [...x.shape], o, r);
};

const makeReduce = (op: number, axisAttr: string): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const xv = inp(args, ctx, x);
  if (!xv || size(x.shape) < minElements) return null;
  const attrs = args.attrs as any;
  const axes = util.parseAxisParam(attrs[axisAttr], x.shape as number[]);
  if (axes.length === 0) return null;
  const reduced = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shape = attrs.keepDims ? reduced : x.shape.filter((_, i) => !axes.includes(i));
  const o = outFor(ctx, size(reduced));
  const r = addon.reduce(op, xv, x.shape, axes, o);
  return emit(args, ctx, shape, o, r);
};

const softmax: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { logits } = named(args);
  const { dim } = args.attrs as any;
  const xv = inp(args, ctx, logits);
  const rank = logits.shape.length;
  if (!xv || size(logits.shape) < minElements || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const o = outFor(ctx, size(logits.shape));
  const r = addon.softmax(xv, logits.shape, o);
  return emit(args, ctx, [...logits.shape], o, r);
};

const fusedBatchNorm: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, mean, variance, offset, scale } = named(args);
  const xv = inp(args, ctx, x), mv = inp(args, ctx, mean), vv = inp(args, ctx, variance);
  if (!xv || !mv || !vv || size(x.shape) < minElements || x.shape.length === 0) return null;
  const ov = offset ? inp(args, ctx, offset) : null;
  const sv = scale ? inp(args, ctx, scale) : null;
  if ((offset && !ov) || (scale && !sv)) return null;
  // The cpu kernel cycles each parameter over the flat index: same as broadcasting over the last
  // dimension when the parameter's length is that dimension (or 1).
  const last = x.shape[x.shape.length - 1];
  for (const p of [mean, variance, offset, scale]) if (p && size(p.shape) !== last && size(p.shape) !== 1) return null;
  const eps = (args.attrs as any)?.varianceEpsilon ?? 0.001;
  const o = outFor(ctx, size(x.shape));
  const r = addon.batchNorm(xv, x.shape, mv, vv, ov, sv, eps, o);
  return emit(args, ctx, [...x.shape], o, r);
};

// --------------------------------------------------------------------------------------------
// Matmul and shape ops

const batchMatMul: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { a, b } = named(args);
  const { transposeA, transposeB } = args.attrs as any;
  const av = inp(args, ctx, a), bv = inp(args, ctx, b);
  if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length, rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (ka !== kb) return null; // let the cpu kernel throw its own error
  const batch = backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  // Work, not output size, decides: m*n*k multiply-adds.
  if (size(batch) * m * n * ka < minElements * 16) return null;
  const o = outFor(ctx, size(shape));
  const r = addon.batchMatMul(av, a.shape, bv, b.shape, !!transposeA, !!transposeB, o, shape);
  return emit(args, ctx, shape, o, r);
};

const concat: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const all = args.inputs as TensorInfo[];
  const { axis } = args.attrs as any;
  if (all.length === 0) return null;
  const $axis = util.parseAxisParam(axis, all[0].shape as number[])[0];
  const shape = backend_util.computeOutShape(all.map((t) => t.shape as number[]), $axis);
  if (size(shape) < minElements) return null;
  const inputs = all.filter((t) => size(t.shape) > 0);
  if (inputs.length < 2) return null;
  const vals: NativeInput[] = [];
  for (const t of inputs) {
    const v = inp(args, ctx, t);
    if (!v) return null;
    vals.push(v);
  }
  const o = outFor(ctx, size(shape));
  const r = addon.concat(vals, inputs.map((t) => t.shape), $axis, o, shape);
  return emit(args, ctx, shape, o, r);
};

const slice: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { begin, size: sz } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv) return null;
  const [$begin, $size] = slice_util.parseSliceParams(x as any, begin, sz);
  slice_util.assertParamsValid(x as any, $begin, $size);
  if (slice_util.isSliceContinous(x.shape as number[], $begin, $size)) {
    // A view of device data; JS data: the cpu kernel's zero-copy subarray.
    return flatPiece(args, ctx, x, slice_util.computeFlatOffset($begin, util.computeStrides(x.shape as number[])), $size);
  }
  if (size($size) < minElements) return null;
  const o = outFor(ctx, size($size));
  const r = addon.slice(xv, x.shape, $begin, $size, o);
  return emit(args, ctx, $size, o, r);
};

/**
 * tf.split (the gradient of tf.concat on channels): the cpu kernel copies each non-contiguous piece
 * element by element, which was 75 % of a DARTS training step before this kernel.
 */
const splitV = (args: KernelArgs, ctx: NativeContext): TensorInfo[] | null => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { numOrSizeSplits, axis } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv) return null;
  const $axis = util.parseAxisParam(axis, x.shape as number[])[0];
  const sizes = backend_util.prepareSplitSize(x as any, numOrSizeSplits, $axis) as number[];
  const begin = new Array(x.shape.length).fill(0);
  const first = [...x.shape];
  first[$axis] = sizes[0];
  const pieceShape = (s: number) => x.shape.map((d, i) => (i === $axis ? s : d));
  if (slice_util.isSliceContinous(x.shape as number[], begin, first)) {
    // Pieces along a leading axis: views of device data; JS data: the cpu kernel's subarrays.
    if (!handleOf(args.backend, x)) return null;
    const inner = size(x.shape) / Math.max(1, x.shape[$axis]);
    let offset = 0;
    return sizes.map((s) => {
      const piece = flatPiece(args, ctx, x, offset, pieceShape(s))!;
      offset += s * inner;
      return piece;
    });
  }
  if (size(x.shape) < minElements) return null;
  const res: TensorInfo[] = [];
  for (const s of sizes) {
    const sz = pieceShape(s);
    const o = outFor(ctx, size(sz));
    const r = addon.slice(xv, x.shape, begin, sz, o);
    res.push(emit(args, ctx, sz, o, r));
    begin[$axis] += s;
  }
  return res;
};

const padV2: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { paddings, constantValue } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv || x.shape.length === 0) return null;
  const shape = paddings.map((p: [number, number], i: number) => p[0] + x.shape[i] + p[1]);
  if (size(shape) < minElements) return null;
  const o = outFor(ctx, size(shape));
  const r = addon.pad(xv, x.shape, paddings.flat(), Number(constantValue ?? 0), o, shape);
  return emit(args, ctx, shape, o, r);
};

const tile: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { reps } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv || x.shape.length === 0 || reps.length !== x.shape.length) return null;
  const shape = x.shape.map((d, i) => d * reps[i]);
  if (size(shape) < minElements) return null;
  const o = outFor(ctx, size(shape));
  const r = addon.tile(xv, x.shape, reps, o);
  return emit(args, ctx, shape, o, r);
};

const transpose: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { perm } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv || size(x.shape) < minElements || perm.length !== x.shape.length) return null;
  const shape = perm.map((p: number) => x.shape[p]);
  const o = outFor(ctx, size(x.shape));
  const r = addon.transpose(xv, x.shape, perm, o);
  return emit(args, ctx, shape, o, r);
};

const addN: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const all = args.inputs as TensorInfo[];
  if (all.length === 0 || size(all[0].shape) < minElements) return null;
  const vals: NativeInput[] = [];
  for (const t of all) {
    const v = inp(args, ctx, t);
    if (!v || !util.arraysEqual(t.shape, all[0].shape)) return null;
    vals.push(v);
  }
  const o = outFor(ctx, size(all[0].shape));
  const r = addon.addN(vals, all[0].shape, o);
  return emit(args, ctx, [...all[0].shape], o, r);
};

const pack: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const all = args.inputs as TensorInfo[];
  if (all.length < 2) return null;
  const shape0 = all[0].shape;
  const rank = shape0.length;
  let axis = Number((args.attrs as any).axis ?? 0);
  if (axis < 0) axis += rank + 1;
  if (axis < 0 || axis > rank || size(shape0) * all.length < minElements) return null;
  const vals: NativeInput[] = [];
  for (const t of all) {
    const v = inp(args, ctx, t);
    if (!v || !util.arraysEqual(t.shape, shape0)) return null;
    vals.push(v);
  }
  const expanded = [...shape0.slice(0, axis), 1, ...shape0.slice(axis)];
  const shape = [...shape0.slice(0, axis), all.length, ...shape0.slice(axis)];
  const o = outFor(ctx, size(shape));
  const r = addon.concat(vals, vals.map(() => expanded), axis, o, shape);
  return emit(args, ctx, shape, o, r);
};

const unpack = (args: KernelArgs, ctx: NativeContext): TensorInfo[] | null => {
  const { addon, minElements } = ctx;
  const { value } = named(args);
  const xv = inp(args, ctx, value);
  const rank = value.shape.length;
  let axis = Number((args.attrs as any).axis ?? 0);
  if (axis < 0) axis += rank;
  if (!xv || axis < 0 || axis >= rank) return null;
  const num = value.shape[axis];
  const outShape = value.shape.filter((_, i) => i !== axis);
  if (axis === 0) {
    // Views of device data; JS data: the cpu kernel's zero-copy subarrays.
    if (!handleOf(args.backend, value)) return null;
    const n = size(outShape);
    return Array.from({ length: num }, (_, i) => flatPiece(args, ctx, value, i * n, outShape)!);
  }
  if (size(value.shape) < minElements) return null;
  const begin = new Array(rank).fill(0);
  const sz = [...value.shape];
  sz[axis] = 1;
  const res: TensorInfo[] = [];
  for (let i = 0; i < num; i++) {
    begin[axis] = i;
    const o = outFor(ctx, size(outShape));
    const r = addon.slice(xv, value.shape, begin, sz, o);
    res.push(emit(args, ctx, outShape, o, r));
  }
  return res;
};

const spaceToBatchND: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { blockShape, paddings } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv || x.shape.length !== 4 || blockShape.length !== 2 || size(x.shape) < minElements) return null;
  const [bh, bw] = blockShape as number[];
  const [[pt, pb], [pl, pr]] = paddings as number[][];
  const hp = x.shape[1] + pt + pb, wp = x.shape[2] + pl + pr;
  if (hp % bh !== 0 || wp % bw !== 0) return null;
  const shape = [x.shape[0] * bh * bw, hp / bh, wp / bw, x.shape[3]];
  const o = outFor(ctx, size(shape));
  const r = addon.spaceToBatch(xv, x.shape, [bh, bw], [pt, pb, pl, pr], o, shape);
  return emit(args, ctx, shape, o, r);
};

const batchToSpaceND: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { blockShape, crops } = args.attrs as any;
  const xv = inp(args, ctx, x);
  if (!xv || x.shape.length !== 4 || blockShape.length !== 2 || size(x.shape) < minElements) return null;
  const [bh, bw] = blockShape as number[];
  const [[ct, cb], [cl, cr]] = crops as number[][];
  if (x.shape[0] % (bh * bw) !== 0) return null;
  const shape = [x.shape[0] / (bh * bw), x.shape[1] * bh - ct - cb, x.shape[2] * bw - cl - cr, x.shape[3]];
  if (shape[1] <= 0 || shape[2] <= 0) return null;
  const o = outFor(ctx, size(shape));
  const r = addon.batchToSpace(xv, x.shape, [bh, bw], [ct, cb, cl, cr], o, shape);
  return emit(args, ctx, shape, o, r);
};

// --------------------------------------------------------------------------------------------
// Fused training kernels that @naslab/engine uses when the active backend registers them (see the
// engine's src/fused.ts for the contract). They have no cpu counterpart: the engine keeps its own
// tfjs maths on other backends.

/** Kernel names shared with @naslab/engine (src/fused.ts). */
export const FUSED_KERNEL_NAMES = {
  batchNormTraining: 'NaslabBatchNormTraining',
  batchNormTrainingGrad: 'NaslabBatchNormTrainingGrad',
  reluGrad: 'NaslabReluGrad',
} as const;

function required(args: KernelArgs, ctx: NativeContext, t: TensorInfo | undefined, kernel: string, what: string): NativeInput {
  const v = inp(args, ctx, t);
  if (!v) throw new Error(`${kernel}: ${what} must be a float32 tensor`);
  return v;
}

function channelsOf(x: TensorInfo): number {
  return x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
}

/** Inputs {x, scale?, offset?}, attr varianceEpsilon → [y, mean, variance (biased)] over all axes but the last. */
const batchNormTraining = (args: KernelArgs, ctx: NativeContext): TensorInfo[] => {
  const name = FUSED_KERNEL_NAMES.batchNormTraining;
  const { x, scale, offset } = named(args);
  const xv = required(args, ctx, x, name, 'x');
  const sv = scale ? required(args, ctx, scale, name, 'scale') : null;
  const ov = offset ? required(args, ctx, offset, name, 'offset') : null;
  const c = channelsOf(x);
  const eps = Number((args.attrs as any)?.varianceEpsilon ?? 1e-5);
  const y = outFor(ctx, size(x.shape));
  const mean = outFor(ctx, c);
  const variance = outFor(ctx, c);
  const r = ctx.addon.batchNormTraining(xv, x.shape, sv, ov, eps, y, mean, variance);
  return emitAll(args, ctx, [[[...x.shape], y], [[c], mean], [[c], variance]], r);
};

/** Inputs {dy, x, mean, variance, scale?}, attr varianceEpsilon → [dx, dscale, doffset]. */
const batchNormTrainingGrad = (args: KernelArgs, ctx: NativeContext): TensorInfo[] => {
  const name = FUSED_KERNEL_NAMES.batchNormTrainingGrad;
  const { dy, x, mean, variance, scale } = named(args);
  const dyv = required(args, ctx, dy, name, 'dy');
  const xv = required(args, ctx, x, name, 'x');
  const mv = required(args, ctx, mean, name, 'mean');
  const vv = required(args, ctx, variance, name, 'variance');
  const sv = scale ? required(args, ctx, scale, name, 'scale') : null;
  if (size(dy.shape) !== size(x.shape)) throw new Error(`${name}: dy and x differ in size`);
  const c = channelsOf(x);
  const eps = Number((args.attrs as any)?.varianceEpsilon ?? 1e-5);
  const dx = outFor(ctx, size(x.shape));
  const dscale = outFor(ctx, c);
  const doffset = outFor(ctx, c);
  const r = ctx.addon.batchNormTrainingGrad(dyv, xv, x.shape, mv, vv, sv, eps, dx, dscale, doffset);
  return emitAll(args, ctx, [[[...x.shape], dx], [[c], dscale], [[c], doffset]], r);
};

/** Inputs {dy, y} (y = relu(x)) → dy where y > 0, else 0. */
const reluGrad = (args: KernelArgs, ctx: NativeContext): TensorInfo => {
  const name = FUSED_KERNEL_NAMES.reluGrad;
  const { dy, y } = named(args);
  const dyv = required(args, ctx, dy, name, 'dy');
  const yv = required(args, ctx, y, name, 'y');
  const n = size(y.shape);
  if (size(dy.shape) !== n) throw new Error(`${name}: dy and y differ in size`);
  const o = outFor(ctx, n);
  const r = ctx.addon.reluGrad(dyv, yv, o, n);
  return emit(args, ctx, [...y.shape], o, r);
};

/** Kernel name → implementation, for the kernels only this backend has. */
export const FUSED_KERNELS: Record<string, (args: KernelArgs, ctx: NativeContext) => TensorInfo | TensorInfo[]> = {
  [FUSED_KERNEL_NAMES.batchNormTraining]: batchNormTraining,
  [FUSED_KERNEL_NAMES.batchNormTrainingGrad]: batchNormTrainingGrad,
  [FUSED_KERNEL_NAMES.reluGrad]: reluGrad,
};

/** Wraps a backend-only kernel to count its calls and time (always native). */
export function timedNative(name: string, impl: (args: KernelArgs, ctx: NativeContext) => TensorInfo | TensorInfo[], ctx: NativeContext): KernelFunc {
  let st = ctx.stats.get(name);
  if (!st) ctx.stats.set(name, (st = { native: 0, js: 0, nativeMs: 0, jsMs: 0 }));
  const stats = st;
  return ((args: KernelArgs) => {
    const t0 = performance.now();
    const r = impl(args, ctx);
    stats.native++;
    stats.nativeMs += performance.now() - t0;
    return r;
  }) as unknown as KernelFunc;
}

/** Kernel name → native implementation. */
export const NATIVE_KERNELS: Record<string, NativeImpl> = {
  Conv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  DepthwiseConv2dNative: depthwiseConv2d,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dBackpropFilter,
  MaxPool: makePool(0),
  AvgPool: makePool(1),
  MaxPoolGrad: maxPoolGrad,
  AvgPoolGrad: avgPoolGrad,
  Add: makeBinary(0),
  Sub: makeBinary(1),
  Multiply: makeBinary(2),
  RealDiv: makeBinary(3),
  SquaredDifference: makeBinary(4),
  Maximum: makeBinary(5),
  Minimum: makeBinary(6),
  Relu: makeUnary(0),
  Step: makeUnary(1, 'alpha'),
  Exp: makeUnary(2),
  Log: makeUnary(3),
  Sqrt: makeUnary(4),
  Rsqrt: makeUnary(5),
  Square: makeUnary(6),
  Neg: makeUnary(7),
  Relu6: makeUnary(8),
  Sigmoid: makeUnary(9),
  Tanh: makeUnary(10),
  Abs: makeUnary(11),
  Sum: makeReduce(0, 'axis'),
  Mean: makeReduce(1, 'axis'),
  Max: makeReduce(2, 'reductionIndices'),
  Min: makeReduce(3, 'axis'),
  Softmax: softmax,
  FusedBatchNorm: fusedBatchNorm,
  BatchMatMul: batchMatMul,
  Concat: concat,
  Slice: slice,
  SplitV: splitV as unknown as NativeImpl,
  PadV2: padV2,
  Tile: tile,
  Transpose: transpose,
  AddN: addN,
  Pack: pack,
  Unpack: unpack as unknown as NativeImpl,
  SpaceToBatchND: spaceToBatchND,
  BatchToSpaceND: batchToSpaceND,
};

/** Wraps a native implementation with its cpu fallback. */
export function withFallback(name: string, impl: NativeImpl, cpu: KernelFunc, ctx: NativeContext): KernelFunc {
  let st = ctx.stats.get(name);
  if (!st) ctx.stats.set(name, (st = { native: 0, js: 0, nativeMs: 0, jsMs: 0 }));
  const stats = st;
  return ((args: KernelArgs) => {
    const t0 = performance.now();
    const r = impl(args, ctx);
    if (r) {
      stats.native++;
      stats.nativeMs += performance.now() - t0;
      return r;
    }
    const t1 = performance.now();
    const y = cpu(args as any);
    stats.js++;
    stats.jsMs += performance.now() - t1;
    return y;
  }) as unknown as KernelFunc;
}

/** Wraps a JS-only kernel to count its calls and time (profiling mode). */
export function counted(name: string, cpu: KernelFunc, ctx: NativeContext): KernelFunc {
  let st = ctx.stats.get(name);
  if (!st) ctx.stats.set(name, (st = { native: 0, js: 0, nativeMs: 0, jsMs: 0 }));
  const stats = st;
  return ((args: unknown) => {
    const t1 = performance.now();
    const y = cpu(args as any);
    stats.js++;
    stats.jsMs += performance.now() - t1;
    return y;
  }) as unknown as KernelFunc;
}
