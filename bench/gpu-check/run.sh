#!/usr/bin/env bash
# The GPU check of @naslab/backend-libtorch, in one go, on a machine with a GPU and PyTorch but no
# package registry. Prepare the bundle where npm works (`npm run build && node
# bench/gpu-check/make-bundle.mjs [--node]`), then on the GPU machine, from the repository root:
#
#   OUT=/some/folder bash bench/gpu-check/run.sh [--device cuda] [--batch 96]
#
# It unpacks the bundle, compiles the addon against that machine's PyTorch (g++ only, no CUDA
# headers needed), runs the kernel and read checks on the GPU, 10 training steps on the GPU and on
# the CPU (losses compared), and bench/train-throughput next to the same network in that PyTorch on
# the same GPU; everything lands in $OUT, the table in $OUT/gpu-table.md.
set -euo pipefail
DEVICE=cuda; BATCH=96
while [ $# -gt 0 ]; do case "$1" in --device) DEVICE=$2; shift 2;; --batch) BATCH=$2; shift 2;; *) echo "unknown $1"; exit 2;; esac; done
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/out}; mkdir -p "$OUT"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
tar xJf "$HERE/bundle.tar.xz" -C "$WORK"
cd "$WORK"
NODE=$(command -v node || echo "$WORK/node/bin/node")
[ -x "$NODE" ] || { echo "no Node: rebuild the bundle with --node"; exit 2; }
PY=
for p in python3 python /usr/bin/python3; do if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then PY=$(command -v "$p"); break; fi; done
[ -n "$PY" ] || { echo "no Python with torch"; exit 2; }
TORCH_VERSION=$("$PY" -c 'import torch; print(torch.__version__)')
# The flags the install script would use, from the same discovery: that PyTorch's include and lib
# folders with an rpath, its C++ ABI, libtorch_cuda when it has one.
paths() { NASLAB_LIBTORCH_SOURCE=pytorch NASLAB_PYTHON="$PY" "$NODE" plugins/backends/libtorch/scripts/libtorch-paths.mjs "$1"; }
INCLUDES=$(paths include | sed -E 's/(^| )/\1-I/g'); DEFINES=$(paths defines | sed -E 's/(^| )/\1-D/g'); LIBS=$(paths libs)
[ -n "$INCLUDES" ] || { echo "no usable libtorch in $PY's PyTorch"; exit 2; }
ADDON=plugins/backends/libtorch/build/Release/naslab_libtorch.node
mkdir -p "$(dirname "$ADDON")"
echo "== compiling the addon against PyTorch $TORCH_VERSION ($DEFINES)"
start=$(date +%s)
# shellcheck disable=SC2086 # the flag lists split on spaces
g++ -O3 -std=c++17 -shared -fPIC -fvisibility=hidden -Wno-deprecated-declarations -Wno-unused-parameter \
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED $DEFINES \
  -I node-headers -I node_modules/node-addon-api $INCLUDES \
  plugins/backends/libtorch/native/addon.cc -o "$ADDON" $LIBS 2> "$OUT/compile.log" || { tail -30 "$OUT/compile.log"; exit 1; }
echo "   built in $(( $(date +%s) - start )) s"
"$NODE" -e "const a=require('./$ADDON');console.log(JSON.stringify(a.info()), JSON.stringify(a.cudaDevices()))" | tee "$OUT/addon-info.txt"
printf '{"built":true,"libtorch":{"source":"pytorch","torchVersion":"%s"}}\n' "$TORCH_VERSION" > plugins/backends/libtorch/addon-status.json
THREADS=$(nproc)
status=0
echo "== kernels and reads on $DEVICE"
"$NODE" bench/gpu-check/cuda-check.mjs kernels --device "$DEVICE" --threads "$THREADS" | tee "$OUT/kernels.json" || status=1
echo "== 10 training steps on $DEVICE and on the CPU"
"$NODE" bench/gpu-check/cuda-check.mjs losses --device "$DEVICE" --batch "$BATCH" --threads "$THREADS" > "$OUT/losses-device.json" || status=1
"$NODE" bench/gpu-check/cuda-check.mjs losses --device cpu --batch "$BATCH" --threads "$THREADS" > "$OUT/losses-cpu.json" || status=1
"$NODE" bench/gpu-check/cuda-check.mjs compare "$OUT/losses-device.json" "$OUT/losses-cpu.json" | tee "$OUT/losses-compare.json" || status=1
echo "== throughput, batch $BATCH"
"$NODE" bench/train-throughput/run.mjs --backends libtorch --device "$DEVICE" --batch "$BATCH" --threads "$THREADS" --runs 3 \
  --steps libtorch=20 --pytorch-steps 20 --python "$PY" 2>/dev/null | tee "$OUT/throughput.txt" || status=1
{
  echo "GPU check, $(date -u +%Y-%m-%d), $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1), PyTorch $TORCH_VERSION, batch $BATCH"
  echo; sed -n '/^| backend/,$p' "$OUT/throughput.txt" | tail -n 4
  echo; echo "losses ($DEVICE vs cpu, 10 steps): $(cat "$OUT/losses-compare.json")"
  echo; echo "kernels: $(head -c 600 "$OUT/kernels.json")"
} > "$OUT/gpu-table.md"
cat "$OUT/gpu-table.md"
exit $status
