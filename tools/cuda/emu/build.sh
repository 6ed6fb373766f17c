#!/bin/sh
# Builds libcuda-emu.so, the CPU stand-in for libcuda.so.1 (see emu.cpp),
# from the kernel sources in runtime/cuda/kernels. Needs g++ (C++17) on
# x86-64 Linux. Use it with
#   GOSLING_LIBCUDA=$PWD/libcuda-emu.so go test -tags cuda ./runtime/cuda/
#   GOSLING_LIBCUDA=... gosling cuda-check -m model.gguf
# EMU_SMS (multiprocessors, default 3) and EMU_OCCUPANCY (blocks per SM,
# default 2) shape the grids; EMU_SANITIZE=1 adds AddressSanitizer and
# UBSan (run with LD_PRELOAD=$(g++ -print-file-name=libasan.so)).
set -eu
cd "$(dirname "$0")"
K=../../../runtime/cuda/kernels
OUT=${1:-libcuda-emu.so}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cu in "$K"/*.cu; do
	base=$(basename "$cu" .cu)
	{
		echo '#include "register.h"'
		echo "#include \"$(cd "$K" && pwd)/$base.cu\""
		sed -n 's/^extern "C" __global__ void.* \(gosling_[a-z0-9_]*\)(.*/REG(\1)/p' "$cu"
	} > "$tmp/k_$base.cpp"
done
FLAGS="-O2 -g -std=c++17 -fPIC -ffp-contract=off -Wall -Wno-unused-function -Wno-unknown-pragmas -Wno-unused-variable"
if [ "${EMU_SANITIZE:-0}" = 1 ]; then
	FLAGS="$FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
fi
g++ $FLAGS -shared -I. -include emu.h -o "$OUT" emu.cpp "$tmp"/k_*.cpp
echo "built $OUT"
