#!/usr/bin/env bash
# kernel_insns.sh - arm64 instructions per call (and per weight) of one
# kernel implementation, under qemu-user with the qemu-insn plugin, by the
# difference method: (count with N2 calls − count with N1 calls) / (N2 − N1).
#
# usage: kernel_insns.sh [-cpu CPU] [-t T] [-n1 N1] [-n2 N2] KERNEL SHAPE [IMPL]
#   (default N2: about 100 M weights (matrices) or 2 M values (vector
#   kernels) of work more than N1)
#   KERNEL  a kernel name (the test registry, impl_test.go): MatVecQ8_0, WKV7, ...
#   SHAPE   rows x cols, e.g. 768x768 (vector kernels: 1x768, 1x64; WKV7: 64x64)
#   IMPL    generic | neon | neon-dotprod (default: what the CPU selects)
# Needs ../shared/tools/qemu-insn (QEMU_INSN_DIR overrides its location).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
insn=${QEMU_INSN_DIR:-$here/../../shared/tools/qemu-insn}
cpu=max t=1 n1=2 n2=
while [ $# -gt 0 ]; do
	case "$1" in
	-cpu) cpu=$2; shift 2 ;;
	-t) t=$2; shift 2 ;;
	-n1) n1=$2; shift 2 ;;
	-n2) n2=$2; shift 2 ;;
	*) break ;;
	esac
done
kernel=${1:?kernel}; shape=${2:?shape}; impl=${3:-}
rows=${shape%x*} cols=${shape#*x}
# Enough calls that the Go runtime's background noise (a few thousand
# instructions per run) is small against the difference.
# Vector kernels (under 100k values per call) cost far more per value.
if [ -z "$n2" ]; then
	work=100000000
	[ $((rows * cols * t)) -ge 100000 ] || work=2000000
	n2=$((n1 + work / (rows * cols * t)))
	[ "$n2" -ge $((n1 + 10)) ] || n2=$((n1 + 10))
fi
bin=${KERNEL_INSNS_BIN:-$(mktemp -d)/arm64.test}
if [ ! -x "$bin" ]; then
	(cd "$here" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go test -c -o "$bin" .)
fi
count() {
	"$insn/count.sh" -cpu "$cpu" -det -runs 3 -q -- "$bin" -test.run '^TestKernelLoop$' \
		-loop.kernel "$kernel" -loop.shape "$shape" -loop.t "$t" -loop.n "$1" ${impl:+-loop.impl "$impl"} |
		sed 's/insns=\([0-9]*\).*/\1/'
}
a=$(count "$n1")
b=$(count "$n2")
awk -v a="$a" -v b="$b" -v n="$((n2 - n1))" -v w="$((rows * cols * t))" -v k="$kernel" -v s="$shape" -v i="${impl:-default}" -v c="$cpu" -v t="$t" \
	'BEGIN { per = (b - a) / n; printf "%s %s T=%d %s cpu=%s: %.0f insns/call, %.4f insns/weight\n", k, s, t, i, c, per, per / w }'
