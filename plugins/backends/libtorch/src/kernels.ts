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

import type { NativeAddon } from './native.js';
import type { BufferPool } from './pool.js';

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
  /** Output allocation (from the buffer pool when enabled). */
  alloc(n: number): Float32Array;
  pool?: BufferPool;
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

function f32(backend: MathBackendCPU, t: TensorInfo | undefined | null): Float32Array | null {
  if (t == null || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

function out(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
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
  const xv = f32(args.backend, x), wv = f32(args.backend, filter);
  if (!xv || !wv) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filter.shape as any, strides, dilations ?? 1, pad, dimRoundingMode, false, 'channelsLast');
  if (size(info.outShape) < minElements) return null;
  const o = ctx.alloc(size(info.outShape));
  addon.conv2d(xv, x.shape, wv, filter.shape, o, info.outShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), false);
  return out(args.backend, info.outShape, o);
};

const conv2dBackpropInput: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, filter } = named(args);
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = args.attrs as any;
  if (dataFormat === 'NCHW') return null;
  const dyv = f32(args.backend, dy), wv = f32(args.backend, filter);
  if (!dyv || !wv || size(inputShape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as any, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const o = ctx.alloc(size(inputShape));
  addon.conv2dBackpropInput(dyv, dy.shape, wv, filter.shape, o, inputShape, [info.strideHeight, info.strideWidth], [1, 1], padsOf(info), false);
  return out(args.backend, [...inputShape], o);
};

const conv2dBackpropFilter: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, dy } = named(args);
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as any;
  if (dataFormat === 'NCHW') return null;
  const xv = f32(args.backend, x), dyv = f32(args.backend, dy);
  if (!xv || !dyv || size(x.shape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const o = ctx.alloc(size(filterShape));
  addon.conv2dBackpropFilter(xv, x.shape, dyv, dy.shape, o, filterShape, [info.strideHeight, info.strideWidth], [1, 1], padsOf(info), false);
  return out(args.backend, [...filterShape], o);
};

const depthwiseConv2d: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, filter } = named(args);
  const { strides, pad, dilations, dimRoundingMode } = args.attrs as any;
  const xv = f32(args.backend, x), wv = f32(args.backend, filter);
  if (!xv || !wv || x.shape.length !== 4) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filter.shape as any, strides, dilations ?? [1, 1], pad, dimRoundingMode, true);
  if (size(info.outShape) < minElements) return null;
  const o = ctx.alloc(size(info.outShape));
  addon.conv2d(xv, x.shape, wv, filter.shape, o, info.outShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), true);
  return out(args.backend, info.outShape, o);
};

const depthwiseConv2dBackpropInput: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, filter } = named(args);
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as any;
  const dyv = f32(args.backend, dy), wv = f32(args.backend, filter);
  if (!dyv || !wv || size(inputShape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as any, strides, dilations ?? [1, 1], pad, dimRoundingMode, true);
  const o = ctx.alloc(size(inputShape));
  addon.conv2dBackpropInput(dyv, dy.shape, wv, filter.shape, o, inputShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), true);
  return out(args.backend, [...inputShape], o);
};

const depthwiseConv2dBackpropFilter: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, dy } = named(args);
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as any;
  const xv = f32(args.backend, x), dyv = f32(args.backend, dy);
  if (!xv || !dyv || size(x.shape) < minElements) return null;
  const info = backend_util.computeConv2DInfo(x.shape as any, filterShape, strides, dilations ?? [1, 1], pad, dimRoundingMode, true);
  const o = ctx.alloc(size(filterShape));
  addon.conv2dBackpropFilter(xv, x.shape, dyv, dy.shape, o, filterShape, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], padsOf(info), true);
  return out(args.backend, [...filterShape], o);
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
  const xv = f32(args.backend, x);
  if (!xv || x.shape.length !== 4 || size(x.shape) < minElements) return null;
  const info = poolInfo(x.shape, args.attrs);
  if (isIdentityPool(info)) return null;
  const p = poolParams(info);
  if (!p) return null;
  const o = ctx.alloc(size(info.outShape));
  addon.pool(kind, xv, x.shape, o, info.outShape, p.k, p.s, p.pad, p.ceil);
  return out(args.backend, info.outShape, o);
};

const maxPoolGrad: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, input } = named(args);
  const dyv = f32(args.backend, dy), xv = f32(args.backend, input);
  if (!dyv || !xv || size(input.shape) < minElements) return null;
  const info = poolInfo(input.shape, args.attrs);
  const p = poolParams(info);
  if (!p) return null;
  const o = ctx.alloc(size(input.shape));
  addon.maxPoolGrad(dyv, dy.shape, xv, input.shape, o, p.k, p.s, p.pad, p.ceil);
  return out(args.backend, [...input.shape], o);
};

const avgPoolGrad: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { dy, input } = named(args);
  const dyv = f32(args.backend, dy);
  if (!dyv || input.shape.length !== 4 || size(input.shape) < minElements) return null;
  const info = poolInfo(input.shape, args.attrs);
  const p = poolParams(info);
  if (!p) return null;
  const o = ctx.alloc(size(input.shape));
  addon.avgPoolGrad(dyv, dy.shape, o, input.shape, p.k, p.s, p.pad, p.ceil, ctx.exactAvgPoolGrad ? 0 : p.k[0] * p.k[1]);
  return out(args.backend, [...input.shape], o);
};

// --------------------------------------------------------------------------------------------
// Elementwise, reductions, softmax, batch norm

const makeBinary = (op: number): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { a, b } = named(args);
  const av = f32(args.backend, a), bv = f32(args.backend, b);
  if (!av || !bv) return null;
  const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  if (size(shape) < minElements) return null;
  const o = ctx.alloc(size(shape));
  addon.binary(op, av, a.shape, bv, b.shape, o, shape);
  return out(args.backend, shape, o);
};

const makeUnary = (op: number, alphaAttr?: string): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const xv = f32(args.backend, x);
  if (!xv || xv.length < minElements) return null;
  const o = ctx.alloc(xv.length);
  const alpha = alphaAttr ? Number((args.attrs as any)?.[alphaAttr] ?? 0) : undefined;
  addon.unary(op, xv, o, xv.length, alpha);
  return out(args.backend, [...x.shape], o);
};

const makeReduce = (op: number, axisAttr: string): NativeImpl => (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const xv = f32(args.backend, x);
  if (!xv || xv.length < minElements) return null;
  const attrs = args.attrs as any;
  const axes = util.parseAxisParam(attrs[axisAttr], x.shape as number[]);
  if (axes.length === 0) return null;
  const reduced = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shape = attrs.keepDims ? reduced : x.shape.filter((_, i) => !axes.includes(i));
  const o = ctx.alloc(size(reduced));
  addon.reduce(op, xv, x.shape, axes, o);
  return out(args.backend, shape, o);
};

const softmax: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { logits } = named(args);
  const { dim } = args.attrs as any;
  const xv = f32(args.backend, logits);
  const rank = logits.shape.length;
  if (!xv || xv.length < minElements || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const o = ctx.alloc(xv.length);
  addon.softmax(xv, logits.shape, o);
  return out(args.backend, [...logits.shape], o);
};

const fusedBatchNorm: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x, mean, variance, offset, scale } = named(args);
  const { backend } = args;
  const xv = f32(backend, x), mv = f32(backend, mean), vv = f32(backend, variance);
  if (!xv || !mv || !vv || xv.length < minElements || x.shape.length === 0) return null;
  const ov = offset ? f32(backend, offset) : null;
  const sv = scale ? f32(backend, scale) : null;
  if ((offset && !ov) || (scale && !sv)) return null;
  // The cpu kernel cycles each parameter over the flat index: same as broadcasting over the last
  // dimension when the parameter's length is that dimension (or 1).
  const last = x.shape[x.shape.length - 1];
  for (const p of [mv, vv, ov, sv]) if (p && p.length !== last && p.length !== 1) return null;
  const eps = (args.attrs as any)?.varianceEpsilon ?? 0.001;
  const o = ctx.alloc(xv.length);
  addon.batchNorm(xv, x.shape, mv, vv, ov, sv, eps, o);
  return out(backend, [...x.shape], o);
};

// --------------------------------------------------------------------------------------------
// Matmul and shape ops

const batchMatMul: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { a, b } = named(args);
  const { transposeA, transposeB } = args.attrs as any;
  const av = f32(args.backend, a), bv = f32(args.backend, b);
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
  const o = ctx.alloc(size(shape));
  addon.batchMatMul(av, a.shape, bv, b.shape, !!transposeA, !!transposeB, o, shape);
  return out(args.backend, shape, o);
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
  const vals: Float32Array[] = [];
  for (const t of inputs) {
    const v = f32(args.backend, t);
    if (!v) return null;
    vals.push(v);
  }
  const o = ctx.alloc(size(shape));
  addon.concat(vals, inputs.map((t) => t.shape), $axis, o, shape);
  return out(args.backend, shape, o);
};

const slice: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { begin, size: sz } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv) return null;
  const [$begin, $size] = slice_util.parseSliceParams(x as any, begin, sz);
  slice_util.assertParamsValid(x as any, $begin, $size);
  // Contiguous slices are zero-copy subarrays in the cpu kernel already.
  if (size($size) < minElements || slice_util.isSliceContinous(x.shape as number[], $begin, $size)) return null;
  const o = ctx.alloc(size($size));
  addon.slice(xv, x.shape, $begin, $size, o);
  return out(args.backend, $size, o);
};

/**
 * tf.split (the gradient of tf.concat on channels): the cpu kernel copies each non-contiguous piece
 * element by element, which was 75 % of a DARTS training step before this kernel.
 */
const splitV = (args: KernelArgs, ctx: NativeContext): TensorInfo[] | null => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { numOrSizeSplits, axis } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv || xv.length < minElements) return null;
  const $axis = util.parseAxisParam(axis, x.shape as number[])[0];
  const sizes = backend_util.prepareSplitSize(x as any, numOrSizeSplits, $axis) as number[];
  const begin = new Array(x.shape.length).fill(0);
  const first = [...x.shape];
  first[$axis] = sizes[0];
  // Pieces along a leading axis are zero-copy subarrays in the cpu kernel.
  if (slice_util.isSliceContinous(x.shape as number[], begin, first)) return null;
  const res: TensorInfo[] = [];
  for (const s of sizes) {
    const sz = [...x.shape];
    sz[$axis] = s;
    const o = ctx.alloc(size(sz));
    if (o.length > 0) addon.slice(xv, x.shape, begin, sz, o);
    res.push(out(args.backend, sz, o));
    begin[$axis] += s;
  }
  return res;
};

const padV2: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { paddings, constantValue } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv || x.shape.length === 0) return null;
  const shape = paddings.map((p: [number, number], i: number) => p[0] + x.shape[i] + p[1]);
  if (size(shape) < minElements) return null;
  const o = ctx.alloc(size(shape));
  addon.pad(xv, x.shape, paddings.flat(), Number(constantValue ?? 0), o, shape);
  return out(args.backend, shape, o);
};

const tile: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { reps } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv || x.shape.length === 0 || reps.length !== x.shape.length) return null;
  const shape = x.shape.map((d, i) => d * reps[i]);
  if (size(shape) < minElements) return null;
  const o = ctx.alloc(size(shape));
  addon.tile(xv, x.shape, reps, o);
  return out(args.backend, shape, o);
};

const transpose: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { perm } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv || xv.length < minElements || perm.length !== x.shape.length) return null;
  const shape = perm.map((p: number) => x.shape[p]);
  const o = ctx.alloc(xv.length);
  addon.transpose(xv, x.shape, perm, o);
  return out(args.backend, shape, o);
};

const addN: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const all = args.inputs as TensorInfo[];
  if (all.length === 0 || size(all[0].shape) < minElements) return null;
  const vals: Float32Array[] = [];
  for (const t of all) {
    const v = f32(args.backend, t);
    if (!v || !util.arraysEqual(t.shape, all[0].shape)) return null;
    vals.push(v);
  }
  const o = ctx.alloc(vals[0].length);
  addon.addN(vals, all[0].shape, o);
  return out(args.backend, [...all[0].shape], o);
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
  const vals: Float32Array[] = [];
  for (const t of all) {
    const v = f32(args.backend, t);
    if (!v || !util.arraysEqual(t.shape, shape0)) return null;
    vals.push(v);
  }
  const expanded = [...shape0.slice(0, axis), 1, ...shape0.slice(axis)];
  const shape = [...shape0.slice(0, axis), all.length, ...shape0.slice(axis)];
  const o = ctx.alloc(size(shape));
  addon.concat(vals, vals.map(() => expanded), axis, o, shape);
  return out(args.backend, shape, o);
};

const unpack = (args: KernelArgs, ctx: NativeContext): TensorInfo[] | null => {
  const { addon, minElements } = ctx;
  const { value } = named(args);
  const xv = f32(args.backend, value);
  const rank = value.shape.length;
  let axis = Number((args.attrs as any).axis ?? 0);
  if (axis < 0) axis += rank;
  // Along axis 0 the cpu kernel's slices are zero-copy subarrays.
  if (!xv || axis <= 0 || axis >= rank || xv.length < minElements) return null;
  const num = value.shape[axis];
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array(rank).fill(0);
  const sz = [...value.shape];
  sz[axis] = 1;
  const res: TensorInfo[] = [];
  for (let i = 0; i < num; i++) {
    begin[axis] = i;
    const o = ctx.alloc(size(outShape));
    addon.slice(xv, value.shape, begin, sz, o);
    res.push(out(args.backend, outShape, o));
  }
  return res;
};

const spaceToBatchND: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { blockShape, paddings } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv || x.shape.length !== 4 || blockShape.length !== 2 || xv.length < minElements) return null;
  const [bh, bw] = blockShape as number[];
  const [[pt, pb], [pl, pr]] = paddings as number[][];
  const hp = x.shape[1] + pt + pb, wp = x.shape[2] + pl + pr;
  if (hp % bh !== 0 || wp % bw !== 0) return null;
  const shape = [x.shape[0] * bh * bw, hp / bh, wp / bw, x.shape[3]];
  const o = ctx.alloc(size(shape));
  addon.spaceToBatch(xv, x.shape, [bh, bw], [pt, pb, pl, pr], o, shape);
  return out(args.backend, shape, o);
};

const batchToSpaceND: NativeImpl = (args, ctx) => {
  const { addon, minElements } = ctx;
  const { x } = named(args);
  const { blockShape, crops } = args.attrs as any;
  const xv = f32(args.backend, x);
  if (!xv || x.shape.length !== 4 || blockShape.length !== 2 || xv.length < minElements) return null;
  const [bh, bw] = blockShape as number[];
  const [[ct, cb], [cl, cr]] = crops as number[][];
  if (x.shape[0] % (bh * bw) !== 0) return null;
  const shape = [x.shape[0] / (bh * bw), x.shape[1] * bh - ct - cb, x.shape[2] * bw - cl - cr, x.shape[3]];
  if (shape[1] <= 0 || shape[2] <= 0) return null;
  const o = ctx.alloc(size(shape));
  addon.batchToSpace(xv, x.shape, [bh, bw], [ct, cb, cl, cr], o, shape);
  return out(args.backend, shape, o);
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

function required(backend: MathBackendCPU, t: TensorInfo | undefined, kernel: string, what: string): Float32Array {
  const v = f32(backend, t);
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
  const { backend } = args;
  const xv = required(backend, x, name, 'x');
  const sv = scale ? required(backend, scale, name, 'scale') : null;
  const ov = offset ? required(backend, offset, name, 'offset') : null;
  const c = channelsOf(x);
  const eps = Number((args.attrs as any)?.varianceEpsilon ?? 1e-5);
  const y = ctx.alloc(xv.length);
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  ctx.addon.batchNormTraining(xv, x.shape, sv, ov, eps, y, mean, variance);
  return [out(backend, [...x.shape], y), out(backend, [c], mean), out(backend, [c], variance)];
};

/** Inputs {dy, x, mean, variance, scale?}, attr varianceEpsilon → [dx, dscale, doffset]. */
const batchNormTrainingGrad = (args: KernelArgs, ctx: NativeContext): TensorInfo[] => {
  const name = FUSED_KERNEL_NAMES.batchNormTrainingGrad;
  const { dy, x, mean, variance, scale } = named(args);
  const { backend } = args;
  const dyv = required(backend, dy, name, 'dy');
  const xv = required(backend, x, name, 'x');
  const mv = required(backend, mean, name, 'mean');
  const vv = required(backend, variance, name, 'variance');
  const sv = scale ? required(backend, scale, name, 'scale') : null;
  const c = channelsOf(x);
  const eps = Number((args.attrs as any)?.varianceEpsilon ?? 1e-5);
  const dx = ctx.alloc(xv.length);
  const dscale = new Float32Array(c);
  const doffset = new Float32Array(c);
  ctx.addon.batchNormTrainingGrad(dyv, xv, x.shape, mv, vv, sv, eps, dx, dscale, doffset);
  return [out(backend, [...x.shape], dx), out(backend, [c], dscale), out(backend, [c], doffset)];
};

/** Inputs {dy, y} (y = relu(x)) → dy where y > 0, else 0. */
const reluGrad = (args: KernelArgs, ctx: NativeContext): TensorInfo => {
  const name = FUSED_KERNEL_NAMES.reluGrad;
  const { dy, y } = named(args);
  const dyv = required(args.backend, dy, name, 'dy');
  const yv = required(args.backend, y, name, 'y');
  if (dyv.length !== yv.length) throw new Error(`${name}: dy and y differ in size`);
  const o = ctx.alloc(yv.length);
  ctx.addon.reluGrad(dyv, yv, o, yv.length);
  return out(args.backend, [...y.shape], o);
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
