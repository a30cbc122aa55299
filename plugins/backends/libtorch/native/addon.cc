// naslab libtorch addon: TensorFlow.js kernels on ATen.
//
// Tensor data lives where the kernels run. Every tensor argument is either a Float32Array owned
// by the JS side (the tfjs cpu backend's storage; on the CPU it is viewed with at::from_blob, never
// copied) or a handle: a number naming a flat, contiguous float32 at::Tensor the addon holds, on the
// CPU or a CUDA device. An output argument is either a Float32Array to write into (CPU only: small
// results the JS kernels read next) or null: the kernel then allocates the output on the current
// device, or adopts ATen's result when it already has the right layout, and returns it as a handle
// (one handle, or an array of handles in argument order when several outputs are null). Handles
// are freed deterministically by release() (tfjs' disposeData).
//
// Layout: tfjs tensors are NHWC; a NHWC buffer is viewed as an NCHW tensor with channels-last
// strides, which is the layout ATen's CPU (oneDNN) and cuDNN convolution and pooling kernels prefer.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <napi.h>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#elif __has_include(<torch/csrc/api/include/torch/version.h>)
#include <torch/csrc/api/include/torch/version.h>
#endif

#include <c10/core/Allocator.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <dlfcn.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <cmath>
#include <cstdint>
#include <limits>
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

const at::TensorOptions kF32 = at::TensorOptions().dtype(at::kFloat).device(at::kCPU);

// ---------------------------------------------------------------------------------------------
// CPU memory. A training step allocates and frees the same tensor sizes in the same order every
// step; through glibc's malloc, the small JS arrays allocated in between pin the heap, freed
// blocks cannot coalesce and the resident size kept growing (to 2.3× the peak of live tensors).
// Large blocks are therefore cached here by size and handed out again, as PyTorch's CUDA caching
// allocator does on GPUs: after the first steps the heap no longer changes, and a reused block
// costs no page faults. Small blocks go to malloc directly.
class CachingCpuAllocator final : public c10::Allocator {
 public:
  static constexpr size_t kMinCached = 256 * 1024;
  // One 64-byte header before each block holds its size: oneDNN frees through raw_deleter(),
  // which gets the pointer only.
  static constexpr size_t kHeader = 64;

  void setLimit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = bytes;
    trimTo(limit_);
  }

  void emptyCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    trimTo(0);
  }

  size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

  at::DataPtr take(size_t n) {
    const size_t size = n < kMinCached ? n : (n + 65535) & ~static_cast<size_t>(65535);
    void* p = nullptr;
    if (size >= kMinCached) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        p = it->second.back();
        it->second.pop_back();
        cached_ -= size;
      }
    }
    if (!p) p = fresh(size);
    return {p, p, &release, at::Device(at::kCPU)};
  }

  // libtorch 1.x declares allocate() const, 2.x non-const: defining both (without `override`)
  // implements whichever this libtorch has; the other is an unused overload.
  at::DataPtr allocate(size_t n) const { return const_cast<CachingCpuAllocator*>(this)->take(n); }
  at::DataPtr allocate(size_t n) { return take(n); }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
  // Pure virtual in libtorch >= 2.3, absent (and unused) before.
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

 private:
  static size_t& sizeOf(void* p) { return *reinterpret_cast<size_t*>(static_cast<char*>(p) - kHeader); }

  void* fresh(size_t size) {
    void* raw = nullptr;
    if (posix_memalign(&raw, 64, size + kHeader) != 0) {
      emptyCache();  // out of memory: give back every cached block and try once more
      if (posix_memalign(&raw, 64, size + kHeader) != 0) throw std::bad_alloc();
    }
    void* p = static_cast<char*>(raw) + kHeader;
    sizeOf(p) = size;
    return p;
  }

  static void release(void* p);

  void put(void* p) {
    const size_t size = sizeOf(p);
    if (size >= kMinCached) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + size <= limit_) {
        free_[size].push_back(p);
        cached_ += size;
        return;
      }
    }
    std::free(static_cast<char*>(p) - kHeader);
  }

  void trimTo(size_t bytes) {
    for (auto& [size, list] : free_) {
      while (cached_ > bytes && !list.empty()) {
        std::free(static_cast<char*>(list.back()) - kHeader);
        list.pop_back();
        cached_ -= size;
      }
    }
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
  size_t limit_ = static_cast<size_t>(4) << 30;
};

CachingCpuAllocator& cpuAllocator() {
  // Never destroyed: tensors may outlive static destruction at exit.
  static auto* a = new CachingCpuAllocator();
  return *a;
}

void CachingCpuAllocator::release(void* p) {
  if (p) cpuAllocator().put(p);
}

// ---------------------------------------------------------------------------------------------
// Device, handles and transfer counters.

at::Device gDevice = at::kCPU;
// Mixed precision: convolutions and matmuls on CUDA compute in float16 (inputs cast, outputs back
// to float32), the ops autocast would run in half precision.
bool gHalf = false;

std::atomic<int64_t> gHandles{0}, gHandleBytes{0}, gPeakHandleBytes{0}, gUploads{0}, gUploadBytes{0}, gReads{0}, gReadBytes{0};

// Handles are numbers: a slot in this table and the slot's generation (generation * 2^24 + slot).
// A number costs the garbage collector nothing; a JS External with a finalizer per tensor left
// its bookkeeping to V8's major collections, and a training run's malloc'd memory crept up by
// ~50 MB per 1,000 steps in between. Released slots are reused under a new generation, so a
// stale handle is an error, never another tensor. Only the JS thread touches the table.
class HandleTable {
 public:
  static constexpr double kSlots = 16777216.0;  // 2^24

  double add(at::Tensor t) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      if (tensors_.size() >= static_cast<size_t>(kSlots)) throw std::runtime_error("more than 2^24 live tensors");
      slot = static_cast<uint32_t>(tensors_.size());
      tensors_.emplace_back();
      generations_.push_back(1);
    }
    gHandles++;
    const int64_t bytes = (gHandleBytes += t.numel() * 4);
    if (bytes > gPeakHandleBytes) gPeakHandleBytes = bytes;
    tensors_[slot] = std::move(t);
    return generations_[slot] * kSlots + slot;
  }

  // The live tensor behind `h`, or nullptr (released, or not a handle).
  at::Tensor* find(double h) {
    if (!(h >= kSlots) || h != static_cast<double>(static_cast<int64_t>(h))) return nullptr;
    const auto id = static_cast<int64_t>(h);
    const auto slot = static_cast<size_t>(id % static_cast<int64_t>(kSlots));
    const auto generation = static_cast<uint32_t>(id / static_cast<int64_t>(kSlots));
    if (slot >= tensors_.size() || generations_[slot] != generation || !tensors_[slot].defined()) return nullptr;
    return &tensors_[slot];
  }

  void release(double h) {
    at::Tensor* t = find(h);
    if (!t) return;
    gHandles--;
    gHandleBytes -= t->numel() * 4;
    *t = at::Tensor();
    const auto slot = static_cast<uint32_t>(static_cast<int64_t>(h) % static_cast<int64_t>(kSlots));
    generations_[slot] = generations_[slot] >= (1u << 28) ? 1 : generations_[slot] + 1;
    free_.push_back(slot);
  }

 private:
  std::deque<at::Tensor> tensors_;  // a deque: references stay valid as it grows
  std::vector<uint32_t> generations_;
  std::vector<uint32_t> free_;
};

HandleTable gHandleTable;

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (t.scalar_type() != at::kFloat) t = t.to(at::kFloat);
  return Napi::Number::New(env, gHandleTable.add(t.contiguous().view({-1})));
}

const at::Tensor& handleOf(const Napi::Value& v, const char* what) {
  at::Tensor* t = gHandleTable.find(v.As<Napi::Number>().DoubleValue());
  if (!t) throw Napi::Error::New(v.Env(), std::string(what) + ": not a live tensor handle (released already?)");
  return *t;
}

bool isNothing(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

// A JS Float32Array's data and length.
float* f32ptr(const Napi::Value& v, int64_t expected, const char* what, int64_t* length = nullptr) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Float32Array or a tensor handle");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Float32Array or a tensor handle");
  if (expected >= 0 && static_cast<int64_t>(ta.ElementLength()) != expected)
    throw Napi::RangeError::New(v.Env(), std::string(what) + ": expected " + std::to_string(expected) +
                                             " elements, got " + std::to_string(ta.ElementLength()));
  if (length) *length = static_cast<int64_t>(ta.ElementLength());
  return reinterpret_cast<float*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}

// A tensor argument as a flat float32 tensor of n elements (n < 0: any) on the current device. A
// Float32Array is viewed in place on the CPU and uploaded (counted) on a CUDA device; the JS side
// caches its uploads, so this happens once per tensor.
at::Tensor flatIn(const Napi::Value& v, int64_t n, const char* what) {
  if (v.IsNumber()) {
    const at::Tensor& t = handleOf(v, what);
    if (n >= 0 && t.numel() != n)
      throw Napi::RangeError::New(v.Env(), std::string(what) + ": expected " + std::to_string(n) + " elements, got " +
                                               std::to_string(t.numel()));
    return t;
  }
  int64_t len = 0;
  float* p = f32ptr(v, n, what, &len);
  at::Tensor t = at::from_blob(p, {len}, kF32);
  if (gDevice.is_cpu()) return t;
  gUploads++;
  gUploadBytes += len * 4;
  return t.to(gDevice);
}

// One kernel call: its arguments, and the outputs it allocated (returned as handles, in order).
struct Call {
  const Napi::CallbackInfo& info;
  std::vector<at::Tensor> made;

  explicit Call(const Napi::CallbackInfo& i) : info(i) {}

  at::Tensor in(size_t i, int64_t n, const char* what) const { return flatIn(info[i], n, what); }

  // Output i as a flat tensor of n elements: the JS array given, or a new buffer on the device.
  at::Tensor out(size_t i, int64_t n, const char* what) {
    const Napi::Value v = info[i];
    if (isNothing(v)) {
      at::Tensor t = at::empty({n}, kF32.device(gDevice));
      made.push_back(t);
      return t;
    }
    if (!gDevice.is_cpu()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": outputs on a CUDA device are handles (pass null)");
    return at::from_blob(f32ptr(v, n, what), {n}, kF32);
  }

  // Output i is `t` (in tfjs element order): adopted without a copy when contiguous, else copied.
  void adopt(size_t i, const at::Tensor& t, const char* what) {
    const Napi::Value v = info[i];
    if (isNothing(v)) {
      at::Tensor c = t.scalar_type() == at::kFloat ? t.contiguous() : t.to(at::kFloat).contiguous();
      made.push_back(c.view({-1}));
      return;
    }
    out(i, t.numel(), what).view(t.sizes()).copy_(t);
  }

  Napi::Value result() const {
    Napi::Env env = info.Env();
    if (made.empty()) return env.Undefined();
    if (made.size() == 1) return wrap(env, made[0]);
    Napi::Array a = Napi::Array::New(env, made.size());
    for (uint32_t k = 0; k < made.size(); ++k) a.Set(k, wrap(env, made[k]));
    return a;
  }
};

// NHWC data seen as NCHW with channels-last strides.
at::Tensor asNHWC(const at::Tensor& flat, const Shape& nhwc) {
  if (nhwc.size() != 4) throw std::runtime_error("expected rank 4");
  const int64_t N = nhwc[0], H = nhwc[1], W = nhwc[2], C = nhwc[3];
  return flat.as_strided({N, C, H, W}, {H * W * C, 1, W * C, C});
}

// An NCHW result in tfjs' NHWC element order (contiguous, so adopted without a copy, when ATen
// produced it channels-last).
at::Tensor toNHWC(const at::Tensor& y) { return y.permute({0, 2, 3, 1}); }

// tfjs conv filter [fh, fw, inC, outC] seen as ATen weight [outC, inC, fh, fw];
// depthwise filter [fh, fw, C, mult] seen as ATen grouped weight [C*mult, 1, fh, fw].
at::Tensor asFilter(const at::Tensor& flat, const Shape& f, bool depthwise) {
  const int64_t fh = f[0], fw = f[1], a = f[2], b = f[3];
  if (depthwise) return flat.as_strided({a * b, 1, fh, fw}, {1, 1, fw * a * b, a * b});
  return flat.as_strided({b, a, fh, fw}, {1, b, fw * a * b, a * b});
}

// The ATen weight gradient in tfjs' filter element order.
at::Tensor toFilter(const at::Tensor& g, bool depthwise) { return depthwise ? g.permute({2, 3, 0, 1}) : g.permute({2, 3, 1, 0}); }

// CUDA devices ATen can use (0 without a CUDA build of libtorch or without a GPU). The device guard
// interface has kept this name across libtorch versions; the CUDA hooks' has not.
int64_t cudaDeviceCount() {
  if (!at::hasCUDA() || !c10::impl::hasDeviceGuardImpl(c10::DeviceType::CUDA)) return 0;
  return c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA)->deviceCount();
}

at::Tensor lowPrecision(const at::Tensor& t) { return gHalf && t.is_cuda() ? t.to(at::kHalf) : t; }

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
    Call c(info);
    f(c);
    return c.result();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------------------
// Convolutions. Args: (x, xShape, w, wShape, out, outShape, strides, dilations, pads, depthwise)

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), ws = toShape(info[3]);
    bool dw = info[9].As<Napi::Boolean>().Value();
    at::Tensor x = lowPrecision(asNHWC(c.in(0, numelOf(xs), "x"), xs));
    at::Tensor w = lowPrecision(asFilter(c.in(2, numelOf(ws), "filter"), ws, dw));
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
    c.adopt(4, toNHWC(y), "out");
  });
}

// Args: (dy, dyShape, w, wShape, out(dx), dxShape, strides, dilations, pads, depthwise)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape dys = toShape(info[1]), ws = toShape(info[3]), xs = toShape(info[5]);
    bool dw = info[9].As<Napi::Boolean>().Value();
    at::Tensor dy = lowPrecision(asNHWC(c.in(0, numelOf(dys), "dy"), dys));
    at::Tensor w = lowPrecision(asFilter(c.in(2, numelOf(ws), "filter"), ws, dw));
    auto st = pair(info[6]), dl = pair(info[7]);
    Pads p = toPads(info[8]);
    int64_t groups = dw ? xs[3] : 1;
    // The "input" argument only lends its shape and layout; it is not read when only grad_input
    // is requested.
    const int64_t ph = p.symmetric() ? 0 : p.top + p.bottom, pw = p.symmetric() ? 0 : p.left + p.right;
    at::Tensor shapeOnly = at::empty({xs[0], xs[3], xs[1] + ph, xs[2] + pw}, dy.options().memory_format(at::MemoryFormat::ChannelsLast));
    if (p.symmetric()) {
      auto r = at::convolution_backward(dy, shapeOnly, w, c10::nullopt, st, {p.top, p.left}, dl, false, {0, 0}, groups,
                                        {true, false, false});
      c.adopt(4, toNHWC(std::get<0>(r)), "out");
    } else {
      auto r = at::convolution_backward(dy, shapeOnly, w, c10::nullopt, st, {0, 0}, dl, false, {0, 0}, groups,
                                        {true, false, false});
      c.adopt(4, toNHWC(std::get<0>(r).narrow(2, p.top, xs[1]).narrow(3, p.left, xs[2])), "out");
    }
  });
}

// Args: (x, xShape, dy, dyShape, out(dw), wShape, strides, dilations, pads, depthwise)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), dys = toShape(info[3]), ws = toShape(info[5]);
    bool dw = info[9].As<Napi::Boolean>().Value();
    at::Tensor x = lowPrecision(asNHWC(c.in(0, numelOf(xs), "x"), xs));
    at::Tensor dy = lowPrecision(asNHWC(c.in(2, numelOf(dys), "dy"), dys));
    auto st = pair(info[6]), dl = pair(info[7]);
    Pads p = toPads(info[8]);
    int64_t groups = dw ? xs[3] : 1;
    // Only the shape of `weight` matters when only grad_weight is requested.
    const int64_t fh = ws[0], fw = ws[1], a = ws[2], b = ws[3];
    at::Tensor wshape = dw ? at::empty({a * b, 1, fh, fw}, x.options()) : at::empty({b, a, fh, fw}, x.options());
    at::Tensor gw;
    if (p.symmetric()) {
      gw = std::get<1>(at::convolution_backward(dy, x, wshape, c10::nullopt, st, {p.top, p.left}, dl, false, {0, 0},
                                                groups, {false, true, false}));
    } else {
      at::Tensor xp = at::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, 0);
      gw = std::get<1>(at::convolution_backward(dy, xp, wshape, c10::nullopt, st, {0, 0}, dl, false, {0, 0}, groups,
                                                {false, true, false}));
    }
    c.adopt(4, toFilter(gw, dw), "out");
  });
}

// ---------------------------------------------------------------------------------------------
// Pooling. tfjs 'same' padding may put one more row/column at the bottom/right than at the top/left;
// ATen pads symmetrically, so such cases use ATen's ceil_mode, which lets the last window hang over
// the bottom/right edge. The JS side checks that the output size agrees before calling.
// Args: (kind 0=max 1=avg, x, xShape, out, outShape, k, s, [padTop, padLeft], ceilMode)
Napi::Value Pool(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    int kind = info[0].As<Napi::Number>().Int32Value();
    Shape xs = toShape(info[2]), os = toShape(info[4]);
    at::Tensor x = asNHWC(c.in(1, numelOf(xs), "x"), xs);
    auto k = pair(info[5]), s = pair(info[6]), p = pair(info[7]);
    bool ceil = info[8].As<Napi::Boolean>().Value();
    if (kind == 0) {
      c.adopt(3, toNHWC(at::max_pool2d(x, k, s, p, {1, 1}, ceil)), "out");
    } else {
      at::Tensor out = asNHWC(c.out(3, numelOf(os), "out"), os);
      at::avg_pool2d_out(out, x, k, s, p, ceil, /*count_include_pad=*/false, c10::nullopt);
    }
  });
}

// Args: (dy, dyShape, x, xShape, out(dx), k, s, pad[2], ceil)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape dys = toShape(info[1]), xs = toShape(info[3]);
    at::Tensor dy = asNHWC(c.in(0, numelOf(dys), "dy"), dys);
    at::Tensor x = asNHWC(c.in(2, numelOf(xs), "x"), xs);
    auto k = pair(info[5]), s = pair(info[6]), p = pair(info[7]);
    bool ceil = info[8].As<Napi::Boolean>().Value();
    at::Tensor out = asNHWC(c.out(4, numelOf(xs), "out"), xs);
    auto r = at::max_pool2d_with_indices(x, k, s, p, {1, 1}, ceil);
    at::max_pool2d_with_indices_backward_out(out, dy, x, k, s, p, {1, 1}, ceil, std::get<1>(r));
  });
}

// Args: (dy, dyShape, out(dx), xShape, k, s, pad[2], ceil, divisor). divisor 0: the exact gradient
// of the forward pass (each window divided by its count of in-bounds pixels); > 0: every window
// divided by `divisor` (what tfjs' cpu AvgPoolGrad does, with divisor = filter area).
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape dys = toShape(info[1]), xs = toShape(info[3]);
    at::Tensor dy = asNHWC(c.in(0, numelOf(dys), "dy"), dys);
    at::Tensor out = asNHWC(c.out(2, numelOf(xs), "out"), xs);
    auto k = pair(info[4]), s = pair(info[5]), p = pair(info[6]);
    bool ceil = info[7].As<Napi::Boolean>().Value();
    int64_t divisor = info[8].As<Napi::Number>().Int64Value();
    c10::optional<int64_t> div = divisor > 0 ? c10::optional<int64_t>(divisor) : c10::nullopt;
    // `out` also lends the input's shape (it is not read).
    at::avg_pool2d_backward_out(out, dy, out, k, s, p, ceil, /*count_include_pad=*/false, div);
  });
}

// ---------------------------------------------------------------------------------------------
// Elementwise and reductions.

// Args: (op, a, aShape, b, bShape, out, outShape). op: 0 add, 1 sub, 2 mul, 3 div, 4 squaredDifference,
// 5 maximum, 6 minimum
Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    int op = info[0].As<Napi::Number>().Int32Value();
    Shape as = toShape(info[2]), bs = toShape(info[4]), os = toShape(info[6]);
    at::Tensor a = c.in(1, numelOf(as), "a").view(as);
    at::Tensor b = c.in(3, numelOf(bs), "b").view(bs);
    at::Tensor out = c.out(5, numelOf(os), "out").view(os);
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
  return guarded(info, [&](Call& c) {
    int op = info[0].As<Napi::Number>().Int32Value();
    int64_t n = info[3].As<Napi::Number>().Int64Value();
    at::Tensor x = c.in(1, n, "x");
    at::Tensor out = c.out(2, n, "out");
    switch (op) {
      case 0: at::clamp_min_out(out, x, 0); break;
      case 1: {
        // x > 0 ? 1 : alpha, NaN stays NaN (as tfjs).
        const float alpha = static_cast<float>(info[4].As<Napi::Number>().DoubleValue());
        if (!x.is_cpu()) {
          out.copy_(at::where(x > 0, at::ones_like(x), at::where(at::isnan(x), x, at::full_like(x, alpha))));
          break;
        }
        // One pass, no temporaries.
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
  return guarded(info, [&](Call& c) {
    int op = info[0].As<Napi::Number>().Int32Value();
    Shape xs = toShape(info[2]);
    Shape axes = toShape(info[3]);
    at::Tensor x = c.in(1, numelOf(xs), "x").view(xs);
    Shape os = xs;
    for (auto a : axes) os.at(a) = 1;
    at::Tensor out = c.out(4, numelOf(os), "out").view(os);
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
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    at::Tensor out = c.out(2, numelOf(xs), "out").view(xs);
    at::_softmax_out(out, x, -1, false);
  });
}

// Args: (x, xShape, mean, var, offset|null, scale|null, eps, out). Params broadcast over the last dim
// (tfjs FusedBatchNorm).
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    at::Tensor mean = c.in(2, -1, "mean"), var = c.in(3, -1, "variance");
    double eps = info[6].As<Napi::Number>().DoubleValue();
    at::Tensor inv = at::rsqrt(var + eps);
    if (!isNothing(info[5])) inv = inv * c.in(5, -1, "scale");
    at::Tensor shift = -mean * inv;
    if (!isNothing(info[4])) shift = shift + c.in(4, -1, "offset");
    at::Tensor out = c.out(7, numelOf(xs), "out").view(xs);
    at::mul_out(out, x, inv);
    out.add_(shift);
  });
}

// x of any rank seen as channels-last [1, C, M, 1] (batch norm over every axis but the last).
at::Tensor asChannelsLast(const at::Tensor& flat, const Shape& shape) {
  const int64_t C = shape.empty() ? 1 : shape.back();
  const int64_t M = C == 0 ? 0 : numelOf(shape) / C;
  return flat.as_strided({1, C, M, 1}, {M * C, 1, C, C});
}

// Training-mode batch norm over every axis but the last (NHWC: over N, H, W), fused: one pass for
// the batch statistics, one for the output; ATen's channels-last batch-norm kernels handle it.
// Args: (x, xShape, scale|null, offset|null, eps, out(y), outMean, outVariance (biased))
Napi::Value BatchNormTraining(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]);
    const int64_t n = numelOf(xs);
    at::Tensor x = asChannelsLast(c.in(0, n, "x"), xs);
    const int64_t C = x.size(1);
    const double eps = info[4].As<Napi::Number>().DoubleValue();
    at::Tensor y = asChannelsLast(c.out(5, n, "out"), xs);
    at::Tensor mean = c.out(6, C, "mean"), var = c.out(7, C, "variance");
    // Biased batch variance (ATen's Var transform), without touching running statistics.
    auto stats = at::batch_norm_update_stats(x, c10::nullopt, c10::nullopt, 0.0);
    mean.copy_(std::get<0>(stats));
    var.copy_(std::get<1>(stats));
    // y = x * a + b per channel, a = scale / sqrt(var + eps), b = offset - mean * a.
    at::Tensor a = at::rsqrt(var + eps);
    if (!isNothing(info[2])) a = a * c.in(2, C, "scale");
    at::Tensor b = -mean * a;
    if (!isNothing(info[3])) b = b + c.in(3, C, "offset");
    at::addcmul_out(y, b.view({1, C, 1, 1}), x, a.view({1, C, 1, 1}));
  });
}

// Gradient of BatchNormTraining with respect to x, scale and offset (the batch statistics' own
// gradients included, as autograd through mean and variance would give).
// Args: (dy, x, xShape, mean, variance, scale|null, eps, out(dx), outDScale|false, outDOffset|false):
// false skips that gradient; null or an array is an output as everywhere.
Napi::Value BatchNormTrainingGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[2]);
    const int64_t n = numelOf(xs);
    at::Tensor dy = asChannelsLast(c.in(0, n, "dy"), xs);
    at::Tensor x = asChannelsLast(c.in(1, n, "x"), xs);
    const int64_t C = x.size(1);
    at::Tensor mean = c.in(3, C, "mean"), var = c.in(4, C, "variance");
    const bool hasScale = !isNothing(info[5]);
    at::Tensor scale = hasScale ? c.in(5, C, "scale") : at::Tensor();
    const double eps = info[6].As<Napi::Number>().DoubleValue();
    const bool wantScale = !info[8].IsBoolean();
    const bool wantOffset = !info[9].IsBoolean();
    at::Tensor invstd = at::rsqrt(var + eps);
    auto r = at::native_batch_norm_backward(dy, x, scale, c10::nullopt, c10::nullopt, mean, invstd, true, eps,
                                            {true, wantScale && hasScale, wantOffset});
    c.adopt(7, toNHWC(std::get<0>(r)).reshape({-1}), "dx");
    if (wantScale) {
      // Without a scale ATen skips grad_weight: sum(dy * x_hat) per channel.
      c.adopt(8, hasScale ? std::get<1>(r) : at::sum(dy * (x - mean.view({1, C, 1, 1})), {0, 2, 3}) * invstd, "dscale");
    }
    if (wantOffset) c.adopt(9, std::get<2>(r), "doffset");
  });
}

// Relu gradient from the Relu output: dy where y > 0, else 0 (NaN in y propagates, as tfjs'
// dy * step(x)). One pass instead of Step + Multiply. Args: (dy, y, out, n)
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    int64_t n = info[3].As<Napi::Number>().Int64Value();
    at::Tensor dy = c.in(0, n, "dy"), y = c.in(1, n, "y");
    at::Tensor out = c.out(2, n, "out");
    if (!y.is_cpu()) {
      at::Tensor nan = at::full_like(y, std::numeric_limits<float>::quiet_NaN());
      out.copy_(at::where(y > 0, dy, at::where(at::isnan(y), y, at::where(at::isfinite(dy), at::zeros_like(y), nan))));
      return;
    }
    const float* dyp = dy.data_ptr<float>();
    const float* yp = y.data_ptr<float>();
    float* op = out.data_ptr<float>();
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
  return guarded(info, [&](Call& c) {
    Shape as = toShape(info[1]), bs = toShape(info[3]), os = toShape(info[7]);
    at::Tensor a = c.in(0, numelOf(as), "a").view(as);
    at::Tensor b = c.in(2, numelOf(bs), "b").view(bs);
    if (info[4].As<Napi::Boolean>().Value()) a = a.transpose(-1, -2);
    if (info[5].As<Napi::Boolean>().Value()) b = b.transpose(-1, -2);
    if (gHalf && a.is_cuda()) {
      c.adopt(6, at::matmul(lowPrecision(a), lowPrecision(b)).reshape(os), "out");
      return;
    }
    at::Tensor out = c.out(6, numelOf(os), "out").view(os);
    at::matmul_out(out, a, b);
  });
}

std::vector<at::Tensor> tensorList(const Napi::Value& arrays, const Napi::Value& shapes) {
  Napi::Array arrs = arrays.As<Napi::Array>();
  Napi::Array shs = shapes.As<Napi::Array>();
  std::vector<at::Tensor> ts;
  ts.reserve(arrs.Length());
  for (uint32_t i = 0; i < arrs.Length(); ++i) {
    Shape s = toShape(shs.Get(i));
    ts.push_back(flatIn(arrs.Get(i), numelOf(s), "input").view(s));
  }
  return ts;
}

// Args: (arrays[], shapes[], axis, out, outShape)
Napi::Value Concat(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    std::vector<at::Tensor> ts = tensorList(info[0], info[1]);
    int64_t axis = info[2].As<Napi::Number>().Int64Value();
    Shape os = toShape(info[4]);
    at::Tensor out = c.out(3, numelOf(os), "out").view(os);
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
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    Shape begin = toShape(info[2]), size = toShape(info[3]);
    at::Tensor out = c.out(4, numelOf(size), "out").view(size);
    at::Tensor v = x;
    for (size_t d = 0; d < begin.size(); ++d) v = v.narrow(static_cast<int64_t>(d), begin[d], size[d]);
    out.copy_(v);
  });
}

// Args: (x, xShape, paddings (flat before/after pairs), value, out, outShape)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), os = toShape(info[5]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    Shape pads = toShape(info[2]);
    double value = info[3].As<Napi::Number>().DoubleValue();
    at::Tensor out = c.out(4, numelOf(os), "out").view(os);
    out.fill_(value);
    at::Tensor inner = out;
    for (size_t d = 0; d < xs.size(); ++d) inner = inner.narrow(static_cast<int64_t>(d), pads.at(2 * d), xs[d]);
    inner.copy_(x);
  });
}

// Args: (x, xShape, reps, out)
Napi::Value Tile(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), reps = toShape(info[2]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    Shape os, xv;
    for (size_t d = 0; d < xs.size(); ++d) {
      os.push_back(reps[d]);
      os.push_back(xs[d]);
      xv.push_back(1);
      xv.push_back(xs[d]);
    }
    at::Tensor out = c.out(3, numelOf(os), "out").view(os);
    out.copy_(x.reshape(xv).expand(os));
  });
}

// Args: (x, xShape, perm, out)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), perm = toShape(info[2]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    Shape os;
    for (auto p : perm) os.push_back(xs.at(p));
    at::Tensor out = c.out(3, numelOf(os), "out").view(os);
    out.copy_(x.permute(perm));
  });
}

// Args: (arrays[], shape, out): elementwise sum of same-shape tensors.
Napi::Value AddN(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Napi::Array arrs = info[0].As<Napi::Array>();
    Shape xs = toShape(info[1]);
    const int64_t n = numelOf(xs);
    at::Tensor out = c.out(2, n, "out");
    const uint32_t count = arrs.Length();
    if (count == 1) {
      out.copy_(flatIn(arrs.Get(0u), n, "input"));
      return;
    }
    at::add_out(out, flatIn(arrs.Get(0u), n, "input"), flatIn(arrs.Get(1u), n, "input"));
    for (uint32_t i = 2; i < count; ++i) out.add_(flatIn(arrs.Get(i), n, "input"));
  });
}

// NHWC space-to-batch with a 2-D block. Args: (x, xShape, [bh, bw], [pt, pb, pl, pr], out, outShape)
Napi::Value SpaceToBatch(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), bs = toShape(info[2]), ps = toShape(info[3]), os = toShape(info[5]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    at::Tensor out = c.out(4, numelOf(os), "out");
    const int64_t B = xs[0], C = xs[3], bh = bs[0], bw = bs[1];
    at::Tensor xp = at::constant_pad_nd(x, {0, 0, ps[2], ps[3], ps[0], ps[1]}, 0);
    const int64_t Hb = xp.size(1) / bh, Wb = xp.size(2) / bw;
    // [B, Hb, bh, Wb, bw, C] -> [bh, bw, B, Hb, Wb, C]
    out.view({bh, bw, B, Hb, Wb, C}).copy_(xp.view({B, Hb, bh, Wb, bw, C}).permute({2, 4, 0, 1, 3, 5}));
  });
}

// NHWC batch-to-space with a 2-D block. Args: (x, xShape, [bh, bw], [ct, cb, cl, cr], out, outShape)
Napi::Value BatchToSpace(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    Shape xs = toShape(info[1]), bs = toShape(info[2]), cs = toShape(info[3]), os = toShape(info[5]);
    at::Tensor x = c.in(0, numelOf(xs), "x").view(xs);
    at::Tensor out = c.out(4, numelOf(os), "out").view(os);
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
// Handles: upload, read, views, release, counters.

// Args: (Float32Array) -> a handle on the current device holding a copy.
Napi::Value Upload(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    int64_t len = 0;
    float* p = f32ptr(info[0], -1, "values", &len);
    at::Tensor t = at::empty({len}, kF32.device(gDevice));
    t.copy_(at::from_blob(p, {len}, kF32));
    gUploads++;
    gUploadBytes += len * 4;
    c.made.push_back(t);
  });
}

// Args: (handle) -> a new Float32Array with the tensor's values (waits for the device).
Napi::Value Read(const Napi::CallbackInfo& info) {
  try {
    const at::Tensor& t = handleOf(info[0], "read");
    const int64_t n = t.numel();
    Napi::Float32Array a = Napi::Float32Array::New(info.Env(), static_cast<size_t>(n));
    if (n > 0) at::from_blob(a.Data(), {n}, kF32).copy_(t);
    gReads++;
    gReadBytes += n * 4;
    return a;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what());
  }
}

// Args: (handle, offset, n) -> a handle on elements [offset, offset + n) sharing the storage.
Napi::Value SliceFlat(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call& c) {
    at::Tensor t = handleOf(info[0], "sliceFlat");
    c.made.push_back(t.narrow(0, info[1].As<Napi::Number>().Int64Value(), info[2].As<Napi::Number>().Int64Value()));
  });
}

// Args: (handle): frees the tensor now (its storage, unless a view still shares it).
Napi::Value Release(const Napi::CallbackInfo& info) {
  if (info[0].IsNumber()) gHandleTable.release(info[0].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

Napi::Value Counters(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("handles", static_cast<double>(gHandles.load()));
  o.Set("handleBytes", static_cast<double>(gHandleBytes.load()));
  o.Set("peakHandleBytes", static_cast<double>(gPeakHandleBytes.load()));
  o.Set("uploads", static_cast<double>(gUploads.load()));
  o.Set("uploadBytes", static_cast<double>(gUploadBytes.load()));
  o.Set("reads", static_cast<double>(gReads.load()));
  o.Set("readBytes", static_cast<double>(gReadBytes.load()));
  o.Set("cpuCachedBytes", static_cast<double>(cpuAllocator().cachedBytes()));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Devices.

// The GPUs this process sees (CUDA_VISIBLE_DEVICES applies), from the CUDA driver API, loaded at
// run time: it answers on machines without CUDA too, and whatever libtorch was linked.
Napi::Value CudaDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Napi::Array list = Napi::Array::New(env);
  o.Set("devices", list);
  void* lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!lib) {
    o.Set("error", "no NVIDIA driver (libcuda.so.1 cannot be loaded)");
    return o;
  }
  using InitFn = int (*)(unsigned);
  using CountFn = int (*)(int*);
  using GetFn = int (*)(int*, int);
  using NameFn = int (*)(char*, int, int);
  using MemFn = int (*)(size_t*, int);
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "cuDeviceGetCount"));
  auto get = reinterpret_cast<GetFn>(dlsym(lib, "cuDeviceGet"));
  auto name = reinterpret_cast<NameFn>(dlsym(lib, "cuDeviceGetName"));
  auto mem = reinterpret_cast<MemFn>(dlsym(lib, "cuDeviceTotalMem_v2"));
  int n = 0, rc = 0;
  if (!init || !count || !get || !name) {
    o.Set("error", "libcuda.so.1 lacks the driver API functions");
  } else if ((rc = init(0)) != 0) {
    o.Set("error", "cuInit failed with CUDA error " + std::to_string(rc) + " (no usable GPU, or a driver/device mismatch)");
  } else if ((rc = count(&n)) != 0) {
    o.Set("error", "cuDeviceGetCount failed with CUDA error " + std::to_string(rc));
  } else {
    for (int i = 0; i < n; ++i) {
      int dev = 0;
      char buf[256] = {0};
      Napi::Object d = Napi::Object::New(env);
      d.Set("index", i);
      if (get(&dev, i) == 0 && name(buf, sizeof buf - 1, dev) == 0) d.Set("name", std::string(buf));
      size_t bytes = 0;
      if (mem && mem(&bytes, dev) == 0) d.Set("memoryBytes", static_cast<double>(bytes));
      list.Set(static_cast<uint32_t>(i), d);
    }
  }
  dlclose(lib);
  return o;
}

// Args: (device string: "cpu", "cuda", "cuda:N"). New outputs and uploads go there.
Napi::Value SetDevice(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call&) {
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    at::Device d(name);
    if (d.is_cuda()) {
      if (!at::hasCUDA()) {
#ifdef NASLAB_WITH_CUDA
        throw std::runtime_error("device " + name + ": libtorch_cuda is linked, but ATen finds no usable CUDA runtime or GPU");
#else
        throw std::runtime_error("device " + name + ": the addon was built against a CPU-only libtorch (no libtorch_cuda.so next to libtorch_cpu.so)");
#endif
      }
      const int64_t gpus = cudaDeviceCount();
      const int64_t index = d.has_index() ? d.index() : 0;
      if (index >= gpus) throw std::runtime_error("device " + name + ": only " + std::to_string(gpus) + " CUDA device(s) visible");
      d = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    } else if (!d.is_cpu()) {
      throw std::runtime_error("device " + name + ": only cpu and cuda[:N] are supported");
    }
    gDevice = d;
  });
}

// Args: ({ mixedPrecision?, cudnnBenchmark?, cudnnDeterministic?, tf32? })
Napi::Value SetMathMode(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call&) {
    Napi::Object o = info[0].As<Napi::Object>();
    auto flag = [&](const char* k, bool dflt) { return o.Has(k) ? o.Get(k).ToBoolean().Value() : dflt; };
    gHalf = flag("mixedPrecision", false);
    at::globalContext().setBenchmarkCuDNN(flag("cudnnBenchmark", false));
    at::globalContext().setDeterministicCuDNN(flag("cudnnDeterministic", true));
    const bool tf32 = flag("tf32", false);
    at::globalContext().setAllowTF32CuDNN(tf32);
    at::globalContext().setAllowTF32CuBLAS(tf32);
  });
}

// Args: (bytes): how much freed CPU memory the allocator keeps for reuse (0: none, and frees what
// it keeps). Installs the caching allocator on first use.
Napi::Value SetCpuCache(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call&) {
    static bool installed = false;
    const double bytes = info[0].As<Napi::Number>().DoubleValue();
    cpuAllocator().setLimit(bytes > 0 ? static_cast<size_t>(bytes) : 0);
    if (!installed && bytes > 0) {
      c10::SetAllocator(at::kCPU, &cpuAllocator(), /*priority=*/1);
      installed = true;
    }
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&](Call&) { at::set_num_threads(info[0].As<Napi::Number>().Int32Value()); });
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
#ifdef NASLAB_WITH_CUDA
  o.Set("cudaLinked", true);
#else
  o.Set("cudaLinked", false);
#endif
  o.Set("cuda", at::hasCUDA());
  o.Set("cudaDevices", static_cast<double>(cudaDeviceCount()));
  o.Set("device", gDevice.str());
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
  exports.Set("upload", Napi::Function::New(env, Upload));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("sliceFlat", Napi::Function::New(env, SliceFlat));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("counters", Napi::Function::New(env, Counters));
  exports.Set("cudaDevices", Napi::Function::New(env, CudaDevices));
  exports.Set("setDevice", Napi::Function::New(env, SetDevice));
  exports.Set("setMathMode", Napi::Function::New(env, SetMathMode));
  exports.Set("setCpuCache", Napi::Function::New(env, SetCpuCache));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  return exports;
}

}  // namespace

NODE_API_MODULE(naslab_libtorch, Init)
