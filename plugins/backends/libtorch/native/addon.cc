// naslab libtorch addon: TensorFlow.js kernels on ATen.
//
// Every function receives Float32Arrays owned by the JS side (the tfjs cpu backend's own storage)
// and views them with at::from_blob, so inputs are never copied. Results are written into
// Float32Arrays allocated on the JS side: with ATen `_out` variants where ATen has one, otherwise
// by one `copy_` from ATen's result (convolutions, max pool forward). No ATen-owned memory is ever
// handed to JS.
//
// Layout: tfjs tensors are NHWC; a NHWC buffer is viewed as an NCHW tensor with channels-last
// strides, which is the layout ATen's CPU (oneDNN) convolution and pooling kernels prefer.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <napi.h>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#elif __has_include(<torch/csrc/api/include/torch/version.h>)
#include <torch/csrc/api/include/torch/version.h>
#endif

#include <array>
#include <cmath>
#include <limits>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using Shape = std::vector<int64_t>;

Shape toShape(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  Shape s(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) s[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return s;
}

int64_t numelOf(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

float* f32ptr(const Napi::Value& v, int64_t expected, const char* what) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Float32Array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Float32Array");
  if (expected >= 0 && static_cast<int64_t>(ta.ElementLength()) != expected)
    throw Napi::RangeError::New(v.Env(), std::string(what) + ": expected " + std::to_string(expected) +
                                             " elements, got " + std::to_string(ta.ElementLength()));
  return reinterpret_cast<float*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}

const at::TensorOptions kF32 = at::TensorOptions().dtype(at::kFloat).device(at::kCPU);

// Contiguous (row-major) view of a JS Float32Array.
at::Tensor view(const Napi::Value& v, const Shape& shape, const char* what) {
  float* p = f32ptr(v, numelOf(shape), what);
  return at::from_blob(p, shape, kF32);
}

// NHWC buffer seen as NCHW with channels-last strides.
at::Tensor viewNHWC(const Napi::Value& v, const Shape& nhwc, const char* what) {
  if (nhwc.size() != 4) throw Napi::RangeError::New(v.Env(), std::string(what) + ": expected rank 4");
  float* p = f32ptr(v, numelOf(nhwc), what);
  const int64_t N = nhwc[0], H = nhwc[1], W = nhwc[2], C = nhwc[3];
  return at::from_blob(p, {N, C, H, W}, {H * W * C, 1, W * C, C}, kF32);
}

// tfjs conv filter [fh, fw, inC, outC] seen as ATen weight [outC, inC, fh, fw];
// depthwise filter [fh, fw, C, mult] seen as ATen grouped weight [C*mult, 1, fh, fw].
at::Tensor viewFilter(const Napi::Value& v, const Shape& f, bool depthwise, const char* what) {
  float* p = f32ptr(v, numelOf(f), what);
  const int64_t fh = f[0], fw = f[1], a = f[2], b = f[3];
  if (depthwise) return at::from_blob(p, {a * b, 1, fh, fw}, {1, 1, fw * a * b, a * b}, kF32);
  return at::from_blob(p, {b, a, fh, fw}, {1, b, fw * a * b, a * b}, kF32);
}

std::array<int64_t, 2> pair(const Napi::Value& v) {
  Shape s = toShape(v);
  return {s.at(0), s.at(1)};
}

struct Pads {
  int64_t top, bottom, left, right;
  bool symmetric() const { return top == bottom && left == right; }
};

Pads toPads(const Napi::Value& v) {
  Shape s = toShape(v);
  return {s.at(0), s.at(1), s.at(2), s.at(3)};
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& f) {
  try {
    f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what());
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// Convolutions. Args: (x, xShape, w, wShape, out, outShape, strides, dilations, pads, depthwise)

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]), ws = toShape(info[3]), os = toShape(info[5]);
    bool dw = info[9].As<Napi::Boolean>().Value();
    at::Tensor x = viewNHWC(info[0], xs, "x");
    at::Tensor w = viewFilter(info[2], ws, dw, "filter");
    at::Tensor out = viewNHWC(info[4], os, "out");
    auto st = pair(info[6]), dl = pair(info[7]);
    Pads p = toPads(info[8]);
    int64_t groups = dw ? xs[3] : 1;
    at::Tensor y;
    if (p.symmetric()) {
      y = at::convolution(x, w, {}, st, {p.top, p.left}, dl, false, {0, 0}, groups);
    } else {
      at::Tensor xp = at::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, 0);
      y = at::convolution(xp, w, {}, st, {0, 0}, dl, false, {0, 0}, groups);
    }
    out.copy_(y);
  });
}

// Args: (dy, dyShape, w, wShape, out(dx), dxShape, strides, dilations, pads, depthwise)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape dys = toShape(info[1]), ws = toShape(info[3]), xs = toShape(info[5]);
    bool dw = info[9].As<Napi::Boolean>().Value();
    at::Tensor dy = viewNHWC(info[0], dys, "dy");
    at::Tensor w = viewFilter(info[2], ws, dw, "filter");
    at::Tensor out = viewNHWC(info[4], xs, "out");
    auto st = pair(info[6]), dl = pair(info[7]);
    Pads p = toPads(info[8]);
    int64_t groups = dw ? xs[3] : 1;
    if (p.symmetric()) {
      // The output buffer only lends its shape and layout to the "input" argument; it is not read
      // when only grad_input is requested.
      auto r = at::convolution_backward(dy, out, w, c10::nullopt, st, {p.top, p.left}, dl, false, {0, 0},
                                        groups, {true, false, false});
      out.copy_(std::get<0>(r));
    } else {
      at::Tensor xp = at::empty({xs[0], xs[3], xs[1] + p.top + p.bottom, xs[2] + p.left + p.right},
                                kF32.memory_format(at::MemoryFormat::ChannelsLast));
      auto r = at::convolution_backward(dy, xp, w, c10::nullopt, st, {0, 0}, dl, false, {0, 0}, groups,
                                        {true, false, false});
      out.copy_(std::get<0>(r).narrow(2, p.top, xs[1]).narrow(3, p.left, xs[2]));
    }
  });
}

// Args: (x, xShape, dy, dyShape, out(dw), wShape, strides, dilations, pads, depthwise)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]), dys = toShape(info[3]), ws = toShape(info[5]);
    bool dw = info[9].As<Napi::Boolean>().Value();
    at::Tensor x = viewNHWC(info[0], xs, "x");
    at::Tensor dy = viewNHWC(info[2], dys, "dy");
    at::Tensor out = viewFilter(info[4], ws, dw, "out");
    auto st = pair(info[6]), dl = pair(info[7]);
    Pads p = toPads(info[8]);
    int64_t groups = dw ? xs[3] : 1;
    // Only the shape of `weight` matters when only grad_weight is requested.
    at::Tensor wshape = at::empty(out.sizes(), kF32);
    at::Tensor gw;
    if (p.symmetric()) {
      gw = std::get<1>(at::convolution_backward(dy, x, wshape, c10::nullopt, st, {p.top, p.left}, dl, false,
                                                {0, 0}, groups, {false, true, false}));
    } else {
      at::Tensor xp = at::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, 0);
      gw = std::get<1>(at::convolution_backward(dy, xp, wshape, c10::nullopt, st, {0, 0}, dl, false, {0, 0},
                                                groups, {false, true, false}));
    }
    out.copy_(gw);
  });
}

// ---------------------------------------------------------------------------------------------
// Pooling. tfjs 'same' padding may put one more row/column at the bottom/right than at the top/left;
// ATen pads symmetrically, so such cases use ATen's ceil_mode, which lets the last window hang over
// the bottom/right edge. The JS side checks that the output size agrees before calling.
// Args: (kind 0=max 1=avg, x, xShape, out, outShape, k, s, [padTop, padLeft], ceilMode)
Napi::Value Pool(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int kind = info[0].As<Napi::Number>().Int32Value();
    Shape xs = toShape(info[2]), os = toShape(info[4]);
    at::Tensor x = viewNHWC(info[1], xs, "x");
    at::Tensor out = viewNHWC(info[3], os, "out");
    auto k = pair(info[5]), s = pair(info[6]), p = pair(info[7]);
    bool ceil = info[8].As<Napi::Boolean>().Value();
    if (kind == 0) {
      out.copy_(at::max_pool2d(x, k, s, p, {1, 1}, ceil));
    } else {
      at::avg_pool2d_out(out, x, k, s, p, ceil, /*count_include_pad=*/false, c10::nullopt);
    }
  });
}

// Args: (dy, dyShape, x, xShape, out(dx), k, s, pad[2], ceil)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape dys = toShape(info[1]), xs = toShape(info[3]);
    at::Tensor dy = viewNHWC(info[0], dys, "dy");
    at::Tensor x = viewNHWC(info[2], xs, "x");
    at::Tensor out = viewNHWC(info[4], xs, "out");
    auto k = pair(info[5]), s = pair(info[6]), p = pair(info[7]);
    bool ceil = info[8].As<Napi::Boolean>().Value();
    auto r = at::max_pool2d_with_indices(x, k, s, p, {1, 1}, ceil);
    at::max_pool2d_with_indices_backward_out(out, dy, x, k, s, p, {1, 1}, ceil, std::get<1>(r));
  });
}

// Args: (dy, dyShape, out(dx), xShape, k, s, pad[2], ceil, divisor). divisor 0: the exact gradient
// of the forward pass (each window divided by its count of in-bounds pixels); > 0: every window
// divided by `divisor` (what tfjs' cpu AvgPoolGrad does, with divisor = filter area).
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape dys = toShape(info[1]), xs = toShape(info[3]);
    at::Tensor dy = viewNHWC(info[0], dys, "dy");
    at::Tensor out = viewNHWC(info[2], xs, "out");
    auto k = pair(info[4]), s = pair(info[5]), p = pair(info[6]);
    bool ceil = info[7].As<Napi::Boolean>().Value();
    int64_t divisor = info[8].As<Napi::Number>().Int64Value();
    c10::optional<int64_t> div = divisor > 0 ? c10::optional<int64_t>(divisor) : c10::nullopt;
    at::avg_pool2d_backward_out(out, dy, out, k, s, p, ceil, /*count_include_pad=*/false, div);
  });
}

// ---------------------------------------------------------------------------------------------
// Elementwise and reductions.

// Args: (op, a, aShape, b, bShape, out, outShape). op: 0 add, 1 sub, 2 mul, 3 div, 4 squaredDifference,
// 5 maximum, 6 minimum
Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int op = info[0].As<Napi::Number>().Int32Value();
    at::Tensor a = view(info[1], toShape(info[2]), "a");
    at::Tensor b = view(info[3], toShape(info[4]), "b");
    at::Tensor out = view(info[5], toShape(info[6]), "out");
    switch (op) {
      case 0: at::add_out(out, a, b); break;
      case 1: at::sub_out(out, a, b); break;
      case 2: at::mul_out(out, a, b); break;
      case 3: at::div_out(out, a, b); break;
      case 4: at::sub_out(out, a, b); out.mul_(out); break;
      case 5: at::maximum_out(out, a, b); break;
      case 6: at::minimum_out(out, a, b); break;
      default: throw std::runtime_error("unknown binary op");
    }
  });
}

// Args: (op, x, out, n [, alpha]). op: 0 relu, 1 step(alpha), 2 exp, 3 log, 4 sqrt, 5 rsqrt, 6 square,
// 7 neg, 8 relu6, 9 sigmoid, 10 tanh, 11 abs
Napi::Value Unary(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int op = info[0].As<Napi::Number>().Int32Value();
    int64_t n = info[3].As<Napi::Number>().Int64Value();
    at::Tensor x = view(info[1], {n}, "x");
    at::Tensor out = view(info[2], {n}, "out");
    switch (op) {
      case 0: at::clamp_min_out(out, x, 0); break;
      case 1: {
        // x > 0 ? 1 : alpha, NaN stays NaN (as tfjs). One pass, no temporaries.
        const float alpha = static_cast<float>(info[4].As<Napi::Number>().DoubleValue());
        const float* xp = x.data_ptr<float>();
        float* op = out.data_ptr<float>();
        at::parallel_for(0, n, 16384, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            const float v = xp[i];
            op[i] = v > 0.f ? 1.f : (v != v ? v : alpha);
          }
        });
        break;
      }
      case 2: at::exp_out(out, x); break;
      case 3: at::log_out(out, x); break;
      case 4: at::sqrt_out(out, x); break;
      case 5: at::rsqrt_out(out, x); break;
      case 6: at::mul_out(out, x, x); break;
      case 7: at::neg_out(out, x); break;
      case 8: at::clamp_out(out, x, 0, 6); break;
      case 9: at::sigmoid_out(out, x); break;
      case 10: at::tanh_out(out, x); break;
      case 11: at::abs_out(out, x); break;
      default: throw std::runtime_error("unknown unary op");
    }
  });
}

// Args: (op, x, xShape, axes, out). op: 0 sum, 1 mean, 2 max, 3 min. The output keeps the reduced
// dims as size 1 (same element order as tfjs' keepDims=false result).
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int op = info[0].As<Napi::Number>().Int32Value();
    Shape xs = toShape(info[2]);
    Shape axes = toShape(info[3]);
    at::Tensor x = view(info[1], xs, "x");
    Shape os = xs;
    for (auto a : axes) os.at(a) = 1;
    at::Tensor out = view(info[4], os, "out");
    switch (op) {
      case 0: at::sum_out(out, x, axes, true); break;
      case 1: at::mean_out(out, x, axes, true); break;
      case 2: at::amax_out(out, x, axes, true); break;
      case 3: at::amin_out(out, x, axes, true); break;
      default: throw std::runtime_error("unknown reduce op");
    }
  });
}

// Args: (x, shape, out) softmax over the last dimension.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]);
    at::Tensor x = view(info[0], xs, "x");
    at::Tensor out = view(info[2], xs, "out");
    at::_softmax_out(out, x, -1, false);
  });
}

// Args: (x, xShape, mean, var, offset|null, scale|null, eps, out). Params broadcast over the last dim
// (tfjs FusedBatchNorm).
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]);
    at::Tensor x = view(info[0], xs, "x");
    auto vec = [&](const Napi::Value& v, const char* what) {
      Napi::TypedArray ta = v.As<Napi::TypedArray>();
      return view(v, {static_cast<int64_t>(ta.ElementLength())}, what);
    };
    at::Tensor mean = vec(info[2], "mean"), var = vec(info[3], "variance");
    double eps = info[6].As<Napi::Number>().DoubleValue();
    at::Tensor out = view(info[7], xs, "out");
    at::Tensor inv = at::rsqrt(var + eps);
    if (!info[5].IsNull() && !info[5].IsUndefined()) inv = inv * vec(info[5], "scale");
    at::Tensor shift = -mean * inv;
    if (!info[4].IsNull() && !info[4].IsUndefined()) shift = shift + vec(info[4], "offset");
    at::mul_out(out, x, inv);
    out.add_(shift);
  });
}

// Training-mode batch norm over every axis but the last (NHWC: over N, H, W), fused: one pass for
// the batch statistics, one for the output. x of any rank is seen as channels-last [1, C, M, 1],
// which ATen's channels-last batch-norm kernels handle.
// Args: (x, xShape, scale|null, offset|null, eps, out(y), outMean, outVariance (biased))
at::Tensor channelsLastView(const Napi::Value& v, const Shape& shape, const char* what) {
  float* p = f32ptr(v, numelOf(shape), what);
  const int64_t C = shape.empty() ? 1 : shape.back();
  const int64_t M = C == 0 ? 0 : numelOf(shape) / C;
  return at::from_blob(p, {1, C, M, 1}, {M * C, 1, C, C}, kF32);
}

at::Tensor vecView(const Napi::Value& v, int64_t n, const char* what) { return at::from_blob(f32ptr(v, n, what), {n}, kF32); }

Napi::Value BatchNormTraining(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]);
    at::Tensor x = channelsLastView(info[0], xs, "x");
    const int64_t C = x.size(1);
    const double eps = info[4].As<Napi::Number>().DoubleValue();
    at::Tensor y = channelsLastView(info[5], xs, "out");
    at::Tensor mean = vecView(info[6], C, "mean"), var = vecView(info[7], C, "variance");
    // Biased batch variance (ATen's Var transform), without touching running statistics.
    auto stats = at::batch_norm_update_stats(x, c10::nullopt, c10::nullopt, 0.0);
    mean.copy_(std::get<0>(stats));
    var.copy_(std::get<1>(stats));
    // y = x * a + b per channel, a = scale / sqrt(var + eps), b = offset - mean * a.
    at::Tensor a = at::rsqrt(var + eps);
    if (!info[2].IsNull() && !info[2].IsUndefined()) a = a * vecView(info[2], C, "scale");
    at::Tensor b = -mean * a;
    if (!info[3].IsNull() && !info[3].IsUndefined()) b = b + vecView(info[3], C, "offset");
    at::addcmul_out(y, b.view({1, C, 1, 1}), x, a.view({1, C, 1, 1}));
  });
}

// Gradient of BatchNormTraining with respect to x, scale and offset (the batch statistics' own
// gradients included, as autograd through mean and variance would give).
// Args: (dy, x, xShape, mean, variance, scale|null, eps, out(dx), outDScale|null, outDOffset|null)
Napi::Value BatchNormTrainingGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[2]);
    at::Tensor dy = channelsLastView(info[0], xs, "dy");
    at::Tensor x = channelsLastView(info[1], xs, "x");
    const int64_t C = x.size(1);
    at::Tensor mean = vecView(info[3], C, "mean"), var = vecView(info[4], C, "variance");
    const bool hasScale = !info[5].IsNull() && !info[5].IsUndefined();
    at::Tensor scale = hasScale ? vecView(info[5], C, "scale") : at::Tensor();
    const double eps = info[6].As<Napi::Number>().DoubleValue();
    at::Tensor dx = channelsLastView(info[7], xs, "dx");
    const bool wantScale = !info[8].IsNull() && !info[8].IsUndefined();
    const bool wantOffset = !info[9].IsNull() && !info[9].IsUndefined();
    at::Tensor invstd = at::rsqrt(var + eps);
    auto r = at::native_batch_norm_backward(dy, x, scale, c10::nullopt, c10::nullopt, mean, invstd, true, eps,
                                            {true, wantScale && hasScale, wantOffset});
    dx.copy_(std::get<0>(r));
    if (wantScale) {
      at::Tensor ds = vecView(info[8], C, "dscale");
      // Without a scale ATen skips grad_weight: sum(dy * x_hat) per channel.
      if (hasScale) ds.copy_(std::get<1>(r));
      else ds.copy_(at::sum(dy * (x - mean.view({1, C, 1, 1})), {0, 2, 3}) * invstd);
    }
    if (wantOffset) vecView(info[9], C, "doffset").copy_(std::get<2>(r));
  });
}

// Relu gradient from the Relu output: dy where y > 0, else 0 (NaN in y propagates, as tfjs'
// dy * step(x)). One pass instead of Step + Multiply. Args: (dy, y, out, n)
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int64_t n = info[3].As<Napi::Number>().Int64Value();
    const float* dyp = f32ptr(info[0], n, "dy");
    const float* yp = f32ptr(info[1], n, "y");
    float* op = f32ptr(info[2], n, "out");
    at::parallel_for(0, n, 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        // No 0 * dy: multiplying tiny (denormal) gradients is microcode-slow on x86.
        const float v = yp[i], d = dyp[i];
        op[i] = v > 0.f ? d : (v != v ? v : (std::isfinite(d) ? 0.f : std::numeric_limits<float>::quiet_NaN()));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Shape ops.

// Args: (a, aShape, b, bShape, transposeA, transposeB, out, outShape)
Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    at::Tensor a = view(info[0], toShape(info[1]), "a");
    at::Tensor b = view(info[2], toShape(info[3]), "b");
    if (info[4].As<Napi::Boolean>().Value()) a = a.transpose(-1, -2);
    if (info[5].As<Napi::Boolean>().Value()) b = b.transpose(-1, -2);
    at::Tensor out = view(info[6], toShape(info[7]), "out");
    at::matmul_out(out, a, b);
  });
}

// Args: (arrays[], shapes[], axis, out, outShape)
Napi::Value Concat(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Array arrs = info[0].As<Napi::Array>();
    Napi::Array shapes = info[1].As<Napi::Array>();
    int64_t axis = info[2].As<Napi::Number>().Int64Value();
    std::vector<at::Tensor> ts;
    ts.reserve(arrs.Length());
    for (uint32_t i = 0; i < arrs.Length(); ++i) ts.push_back(view(arrs.Get(i), toShape(shapes.Get(i)), "input"));
    at::Tensor out = view(info[3], toShape(info[4]), "out");
    if (axis == 0) {
      at::cat_out(out, ts, axis);
    } else {
      // at::cat on an inner axis with short rows (NHWC channels) is slow and serial in ATen 1.13;
      // strided copies into slices of the output are vectorised and parallel.
      int64_t offset = 0;
      for (auto& t : ts) {
        const int64_t len = t.size(axis);
        out.narrow(axis, offset, len).copy_(t);
        offset += len;
      }
    }
  });
}

// Args: (x, xShape, begin, size, out)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    at::Tensor x = view(info[0], toShape(info[1]), "x");
    Shape begin = toShape(info[2]), size = toShape(info[3]);
    at::Tensor out = view(info[4], size, "out");
    at::Tensor v = x;
    for (size_t d = 0; d < begin.size(); ++d) v = v.narrow(static_cast<int64_t>(d), begin[d], size[d]);
    out.copy_(v);
  });
}

// Args: (x, xShape, paddings (flat before/after pairs), value, out, outShape)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]);
    at::Tensor x = view(info[0], xs, "x");
    Shape pads = toShape(info[2]);
    double value = info[3].As<Napi::Number>().DoubleValue();
    at::Tensor out = view(info[4], toShape(info[5]), "out");
    out.fill_(value);
    at::Tensor inner = out;
    for (size_t d = 0; d < xs.size(); ++d) inner = inner.narrow(static_cast<int64_t>(d), pads.at(2 * d), xs[d]);
    inner.copy_(x);
  });
}

// Args: (x, xShape, reps, out)
Napi::Value Tile(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]), reps = toShape(info[2]);
    float* op = f32ptr(info[3], -1, "out");
    at::Tensor x = view(info[0], xs, "x");
    Shape os, xv, ex;
    for (size_t d = 0; d < xs.size(); ++d) {
      os.push_back(reps[d]);
      os.push_back(xs[d]);
      xv.push_back(1);
      xv.push_back(xs[d]);
    }
    at::Tensor out = at::from_blob(op, os, kF32);
    out.copy_(x.reshape(xv).expand(os));
  });
}

// Args: (x, xShape, perm, out)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]), perm = toShape(info[2]);
    at::Tensor x = view(info[0], xs, "x");
    Shape os;
    for (auto p : perm) os.push_back(xs.at(p));
    at::Tensor out = view(info[3], os, "out");
    out.copy_(x.permute(perm));
  });
}

// Args: (arrays[], shape, out): elementwise sum of same-shape tensors.
Napi::Value AddN(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Napi::Array arrs = info[0].As<Napi::Array>();
    Shape xs = toShape(info[1]);
    at::Tensor out = view(info[2], xs, "out");
    const uint32_t n = arrs.Length();
    if (n == 1) {
      out.copy_(view(arrs.Get(0u), xs, "input"));
      return;
    }
    at::add_out(out, view(arrs.Get(0u), xs, "input"), view(arrs.Get(1u), xs, "input"));
    for (uint32_t i = 2; i < n; ++i) out.add_(view(arrs.Get(i), xs, "input"));
  });
}

// NHWC space-to-batch with a 2-D block. Args: (x, xShape, [bh, bw], [pt, pb, pl, pr], out, outShape)
Napi::Value SpaceToBatch(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]), bs = toShape(info[2]), ps = toShape(info[3]), os = toShape(info[5]);
    at::Tensor x = view(info[0], xs, "x");
    at::Tensor out = view(info[4], os, "out");
    const int64_t B = xs[0], C = xs[3], bh = bs[0], bw = bs[1];
    at::Tensor xp = at::constant_pad_nd(x, {0, 0, ps[2], ps[3], ps[0], ps[1]}, 0);
    const int64_t Hb = xp.size(1) / bh, Wb = xp.size(2) / bw;
    // [B, Hb, bh, Wb, bw, C] -> [bh, bw, B, Hb, Wb, C]
    out.view({bh, bw, B, Hb, Wb, C}).copy_(xp.view({B, Hb, bh, Wb, bw, C}).permute({2, 4, 0, 1, 3, 5}));
  });
}

// NHWC batch-to-space with a 2-D block. Args: (x, xShape, [bh, bw], [ct, cb, cl, cr], out, outShape)
Napi::Value BatchToSpace(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Shape xs = toShape(info[1]), bs = toShape(info[2]), cs = toShape(info[3]), os = toShape(info[5]);
    at::Tensor x = view(info[0], xs, "x");
    at::Tensor out = view(info[4], os, "out");
    const int64_t bh = bs[0], bw = bs[1], B = xs[0] / (bh * bw), Hb = xs[1], Wb = xs[2], C = xs[3];
    // [bh, bw, B, Hb, Wb, C] -> [B, Hb, bh, Wb, bw, C] -> [B, Hb*bh, Wb*bw, C], then crop.
    at::Tensor full = x.view({bh, bw, B, Hb, Wb, C}).permute({2, 3, 0, 4, 1, 5});
    at::Tensor cropped = full.reshape({B, Hb * bh, Wb * bw, C})
                             .narrow(1, cs[0], Hb * bh - cs[0] - cs[1])
                             .narrow(2, cs[2], Wb * bw - cs[2] - cs[3]);
    out.copy_(cropped);
  });
}

// ---------------------------------------------------------------------------------------------

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&] { at::set_num_threads(info[0].As<Napi::Number>().Int32Value()); });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#ifdef TORCH_VERSION_MAJOR
  o.Set("torchVersion", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                            std::to_string(TORCH_VERSION_PATCH));
#endif
  o.Set("parallelInfo", at::get_parallel_info());
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("threads", at::get_num_threads());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("pool", Napi::Function::New(env, Pool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("batchNormTraining", Napi::Function::New(env, BatchNormTraining));
  exports.Set("batchNormTrainingGrad", Napi::Function::New(env, BatchNormTrainingGrad));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad));
  exports.Set("batchMatMul", Napi::Function::New(env, BatchMatMul));
  exports.Set("concat", Napi::Function::New(env, Concat));
  exports.Set("slice", Napi::Function::New(env, Slice));
  exports.Set("pad", Napi::Function::New(env, Pad));
  exports.Set("tile", Napi::Function::New(env, Tile));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("addN", Napi::Function::New(env, AddN));
  exports.Set("spaceToBatch", Napi::Function::New(env, SpaceToBatch));
  exports.Set("batchToSpace", Napi::Function::New(env, BatchToSpace));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(naslab_libtorch, Init)
