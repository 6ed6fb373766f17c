#!/usr/bin/env bash
# compare.sh - gosling against llama.cpp's llama-bench on the same GGUF
# file: prefill and decode tokens/s, interleaved so that both see the same
# machine load, and their ratios.
#
# usage: compare.sh [-gosling BIN] [-llama-bench BIN] [-threads "1 2"] [-rounds N]
#                   [-prompt 512] [-tokens 128] MODEL.gguf
#
#   -gosling BIN      the gosling binary (default: built from this checkout)
#   -llama-bench BIN  llama.cpp's llama-bench (default: $LLAMA_BENCH, else
#                     /tmp/llama/build-x86/bin/llama-bench)
#   -threads LIST     thread counts, each measured on both (default "1 2")
#   -rounds N         rounds; each runs gosling, then llama-bench, for every
#                     thread count (A B A B ...); the median is shown (default 3)
#   -prompt N         prefill length in tokens (default 512)
#   -tokens N         decoded tokens (default 128)
#
# Each run is one process: gosling bench --json (no bandwidth test), and
# llama-bench -r 1 -o json with -p and -n. Ratios are gosling / llama.cpp,
# so above 1 means gosling is faster. The load average is printed before
# and after, since the figures mean little on a busy machine.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
gosling="" llama=${LLAMA_BENCH:-/tmp/llama/build-x86/bin/llama-bench}
threads="1 2" rounds=3 prompt=512 tokens=128
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	-gosling) gosling=$2; shift 2 ;;
	-llama-bench) llama=$2; shift 2 ;;
	-threads) threads=$2; shift 2 ;;
	-rounds) rounds=$2; shift 2 ;;
	-prompt) prompt=$2; shift 2 ;;
	-tokens) tokens=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "compare.sh: unknown flag $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { usage >&2; exit 2; }
model=$1
[ -s "$model" ] || { echo "compare.sh: no model $model" >&2; exit 2; }
[ -x "$llama" ] || { echo "compare.sh: no llama-bench at $llama (set LLAMA_BENCH or -llama-bench)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$gosling" ]; then
	gosling=$tmp/gosling
	(cd "$root" && go build -o "$gosling" ./cmd/gosling)
fi

echo "model $model, $(nproc) CPUs, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# One line per run: tool threads prefill_tok/s decode_tok/s
for r in $(seq "$rounds"); do
	for t in $threads; do
		"$gosling" bench -m "$model" --threads "$t" --prompt "$prompt" --tokens "$tokens" --bw-mb 0 --json >"$tmp/g.json"
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("gosling", sys.argv[2], r["prefill_tokens_per_second"], r["decode_tokens_per_second"])' \
			"$tmp/g.json" "$t" >>"$tmp/runs"
		"$llama" -m "$model" -t "$t" -p "$prompt" -n "$tokens" -r 1 -o json >"$tmp/l.json" 2>"$tmp/l.err" ||
			{ cat "$tmp/l.err" >&2; exit 1; }
		python3 -c '
import json, sys
pp = tg = 0.0
for x in json.load(open(sys.argv[1])):
    if x["n_prompt"] > 0 and x["n_gen"] == 0: pp = x["avg_ts"]
    if x["n_gen"] > 0 and x["n_prompt"] == 0: tg = x["avg_ts"]
print("llama", sys.argv[2], pp, tg)' "$tmp/l.json" "$t" >>"$tmp/runs"
	done
done
python3 - "$tmp/runs" "$prompt" "$tokens" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    tool, t, pp, tg = line.split()
    runs.setdefault((tool, int(t)), []).append((float(pp), float(tg)))
med = lambda xs: statistics.median(xs)
print("%-7s %-12s %12s %12s %8s   %s" % ("threads", "test", "gosling t/s", "llama t/s", "ratio", "gosling runs / llama runs"))
for t in sorted({t for _, t in runs}):
    g, l = runs[("gosling", t)], runs[("llama", t)]
    for i, name in ((0, "pp%s" % sys.argv[2]), (1, "tg%s" % sys.argv[3])):
        gm, lm = med([x[i] for x in g]), med([x[i] for x in l])
        print("%-7d %-12s %12.2f %12.2f %7.3fx   %s / %s" % (t, name, gm, lm, gm / lm if lm else 0,
              " ".join("%.1f" % x[i] for x in g), " ".join("%.1f" % x[i] for x in l)))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
