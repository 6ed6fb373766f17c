#!/usr/bin/env bash
# insncount.sh - arm64 instructions per token of gosling, decode and
# prefill, under qemu-aarch64 with the qemu-insn counting plugin
# (../../../shared/tools/qemu-insn), by the difference method.
#
# usage: insncount.sh [-cpu CPU] [-threads K] [-runs R] [-keep DIR] [-schema F] MODEL.gguf|q8_0|q4_0|f16 ...
#
#   MODEL      a GGUF file, or a type: a 0.1B-shaped random model of that
#              type (gosling synth, seed 7) is written to the keep directory
#   -cpu CPU   qemu CPU model (default cortex-a76: dot product; cortex-a72:
#              ARMv8.0, no dot product; max)
#   -threads K goroutines per matrix product (default 1)
#   -runs R    runs per count, the minimum is kept (default 3)
#   -keep DIR  where models and binaries live between runs (default
#              ${XDG_CACHE_HOME:-~/.cache}/gosling-insncount)
#   -schema F  instead, the cost of constrained decoding: a token of
#              Generator.Generate without and with the grammar of the JSON
#              schema F (tools/insncount/schema.json: strings of maxLength
#              40, the worst case for the mask), greedy and at top-p 0.5
#              (MODEL: a GGUF file),
#              (count(-decode 48) − count(-decode 16)) / 32
#
# Decode: (count(-decode 12) − count(-decode 4)) / 8, a greedy generated
# token including the head and the argmax. Prefill: (count(-prefill 64) −
# count(-prefill 16)) / 48, the slope per prompt token of chunked prefill
# (the head runs once per prompt, so it cancels). Counts use -det
# (GOMAXPROCS=1, no async preemption) and the minimum of R runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
insn=${QEMU_INSN_DIR:-$root/../shared/tools/qemu-insn}
cpu=cortex-a76 threads=1 runs=3 schema= keep=${XDG_CACHE_HOME:-$HOME/.cache}/gosling-insncount
while [ $# -gt 0 ]; do
	case "$1" in
	-cpu) cpu=$2; shift 2 ;;
	-threads) threads=$2; shift 2 ;;
	-runs) runs=$2; shift 2 ;;
	-keep) keep=$2; shift 2 ;;
	-schema) schema=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "insncount.sh: unknown flag $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ -x "$insn/count.sh" ] || { echo "insncount.sh: no qemu-insn toolkit at $insn (set QEMU_INSN_DIR)" >&2; exit 2; }
mkdir -p "$keep"

# The measured program: static linux/arm64, rebuilt every run (cheap, and
# never stale). The host gosling writes the random models.
(cd "$root" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -o "$keep/insncount-arm64" ./tools/insncount)
prog=$keep/insncount-arm64

count() { # args for the program → minimum instruction count
	"$insn/count.sh" -cpu "$cpu" -det -runs "$runs" -q -- "$prog" -threads "$threads" "$@" | sed 's/insns=\([0-9]*\).*/\1/'
}

if [ -n "$schema" ]; then
	printf '%-28s %-12s %-8s %16s %16s %8s\n' model cpu sampling "plain insns/tok" "grammar insns/tok" ratio
	for model in "$@"; do
		for sampling in greedy 0.5; do
			topp=(); [ "$sampling" = greedy ] || topp=(-topp "$sampling")
			a16=$(count -m "$model" -decode 16 -generate "${topp[@]}")
			a48=$(count -m "$model" -decode 48 -generate "${topp[@]}")
			g16=$(count -m "$model" -decode 16 -schema "$schema" "${topp[@]}")
			g48=$(count -m "$model" -decode 48 -schema "$schema" "${topp[@]}")
			awk -v m="$(basename "$model")" -v c="$cpu" -v s="$sampling" -v a16="$a16" -v a48="$a48" -v g16="$g16" -v g48="$g48" \
				'BEGIN { a = (a48 - a16) / 32; g = (g48 - g16) / 32; printf "%-28s %-12s %-8s %15.2fM %16.2fM %8.3f\n", m, c, s, a / 1e6, g / 1e6, g / a }'
		done
	done
	exit 0
fi
printf '%-28s %-12s %-14s %16s %18s\n' model cpu kernels "decode insns/tok" "prefill insns/tok"
for model in "$@"; do
	case "$model" in
	q8_0 | q4_0 | f16 | f32)
		file=$keep/synth-0.1b-$model.gguf
		if [ ! -s "$file" ]; then
			(cd "$root" && go build -o "$keep/gosling-host" ./cmd/gosling)
			"$keep/gosling-host" synth -q -type "$model" -o "$file"
		fi
		;;
	*) file=$model ;;
	esac
	[ -s "$file" ] || { echo "insncount.sh: no model $file" >&2; exit 2; }
	path=$(QEMU_CPU=$cpu qemu-aarch64 "$prog" -m "$file" -decode 1 -info 2>&1 | sed -n 's/^kernels: //p')
	d4=$(count -m "$file" -decode 4)
	d12=$(count -m "$file" -decode 12)
	p16=$(count -m "$file" -prefill 16)
	p64=$(count -m "$file" -prefill 64)
	awk -v m="$(basename "$file")" -v c="$cpu" -v k="$path" -v d4="$d4" -v d12="$d12" -v p16="$p16" -v p64="$p64" \
		'BEGIN { printf "%-28s %-12s %-14s %16.2fM %17.2fM\n", m, c, k, (d12 - d4) / 8 / 1e6, (p64 - p16) / 48 / 1e6 }'
done
