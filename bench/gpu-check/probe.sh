#!/usr/bin/env bash
# One-minute look at a GPU machine before the check: GPU, driver, Node, compiler, PyTorch.
#   bash bench/gpu-check/probe.sh
set -u
echo "== GPU";      nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv 2>&1 | head -5
echo "== Node";     command -v node && node --version || echo "no node (make-bundle.mjs --node brings one)"
echo "== C++";      command -v g++ && g++ --version | head -1 || echo "no g++"
echo "== nvcc";     command -v nvcc && nvcc --version | tail -1 || echo "no nvcc (not needed)"
echo "== glibc";    ldd --version 2>&1 | head -1
for py in python3 python /usr/bin/python3; do
  command -v "$py" >/dev/null || continue
  "$py" - <<'PY' 2>&1 && break
import os, torch
d = os.path.dirname(torch.__file__)
print("== PyTorch", torch.__version__, "at", d)
print("   cuda", torch.version.cuda, "available", torch.cuda.is_available(), "devices", torch.cuda.device_count())
print("   cxx11 abi", int(torch._C._GLIBCXX_USE_CXX11_ABI))
print("   include/ATen/ATen.h", os.path.exists(os.path.join(d, "include", "ATen", "ATen.h")))
print("   lib", sorted(f for f in os.listdir(os.path.join(d, "lib")) if f.startswith(("libtorch", "libc10"))))
PY
done
