#!/bin/bash
# The GPU machine's side of issue 7: correctness of the CUDA path against the
# CPU path, then speed, then the official PyTorch reference. Runs from the
# repository root on the device machine (no Go there): everything it runs was
# built here and carried in .carry/cuda (see tools/cuda/prepare.sh).
#
#   tools/cuda/device.sh [check|quick] [bench] [split] [variants] [profile] [torch]
#   (default: check bench variants torch)
#
# check:    go test binary of runtime/cuda; cuda-check on the fixture model
#           (converted here to F32/F16/Q8_0/Q4_0; device memory and mapped
#           host memory, graph and plain launches, the unfused decode, both
#           tile shapes); run, chat and bench with --device cuda
# quick:    cuda.test, and cuda-check on the fixture at F16/Q8_0/Q4_0 in both
#           memory modes and with --cuda-split-lora
# bench:    bench --device cuda on 0.1B/0.4B/1.5B × Q8_0/Q4_0 (models made here by
#           gosling synth), with the baseline binary too when carried (only
#           for the models named in BASE_MODELS, e.g. "m01-q8_0 m15-q8_0", if set)
# split:    bench --device cuda --cuda-split-lora on 0.1B Q8_0, 1.5B Q8_0/Q4_0
# profile:  Nsight Compute: every kernel of one decode token (0.1B, 1.5B
#           Q8_0; 1.5B with the split LoRA too), summarised by ncu_summary.py
# variants: tuning knobs on the 0.1B and 1.5B Q8_0 models (rows per warp,
#           blocks per multiprocessor, no graph, unfused), mapped memory
# torch:    the official rwkv_v7_demo_fast.py at the 0.1B and 1.5B shapes
#           (its CUDA kernel is built in the background from the start)
# Logs go to $OUT (or ./out): log.txt; the summary is printed last.
set -u
C=.carry/cuda
G=$C/gosling
B=$C/gosling-base
OUT=${OUT:-out}
mkdir -p "$OUT"
LOG=$OUT/log.txt
exec > >(tee -a "$LOG") 2>&1
stages=${*:-check bench variants torch}
has() { [[ " $stages " == *" $1 "* ]]; }
section() { echo; echo "=== $* ($(date +%T))"; }
M=/tmp/gosling-models
mkdir -p $M
T0=$(date +%s)

synth() { # name layers embd type
	[ -f $M/$1-$4.gguf ] || $G synth -q -o $M/$1-$4.gguf --layers $2 --embd $3 --type $4 >/dev/null
}

section machine
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv
nproc
[ -f $C/BASE ] && cat $C/BASE

if has bench || has variants || has split || has profile; then
	( synth m01 12 768 q8_0 & synth m15 24 2048 q8_0 & synth m15 24 2048 q4_0 &
	  if has bench; then
		synth m01 12 768 q4_0 & synth m04 24 1024 q8_0 & synth m04 24 1024 q4_0 &
	  fi
	  wait ) > $OUT/synth.log 2>&1 &
	SYNTH=$!
fi
if has torch; then
	export TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=16
	( cd $C/rwkv && timeout 240 python3 ../../../tools/cuda/torch_ref.py --build . ) > $OUT/torch_build.log 2>&1 &
	TBUILD=$!
fi

fail=0
check() { # label, then the command
	local label=$1
	shift
	section "$label"
	"$@" || { fail=1; echo "FAILED: $label"; }
}

if has check; then
	section "convert the fixture checkpoint"
	for t in f32 f16 q8_0 q4_0; do
		$G convert $C/model.pth -o /tmp/fix-$t.gguf --type $t | tail -1
	done
	section "info --device cuda"
	$G info --device cuda
	section "go test runtime/cuda (tiny models, every type, both memory modes)"
	(cd runtime/cuda && ../../$C/cuda.test -test.v -test.count=1 2>&1 | grep -E "^(---|ok|FAIL|PASS)|_test.go")
	for t in f16 q8_0 q4_0 f32; do
		for mode in "" --cuda-mapped; do
			check "cuda-check fixture $t $mode" $G cuda-check -m /tmp/fix-$t.gguf $mode --tokens 64 --ref /tmp/fix-f32.gguf
		done
	done
	check "cuda-check fixture q8_0 --cuda-no-graph --cuda-chunk 5" $G cuda-check -m /tmp/fix-q8_0.gguf --cuda-no-graph --cuda-chunk 5
	check "cuda-check fixture q8_0, unfused decode (--cuda-unfused)" $G cuda-check -m /tmp/fix-q8_0.gguf --cuda-unfused
	check "cuda-check fixture q4_0, 4 rows a warp everywhere (--cuda-rpw 4)" $G cuda-check -m /tmp/fix-q4_0.gguf --cuda-rpw 4
	check "cuda-check fixture q8_0, 1 row a warp, 1 block per SM" $G cuda-check -m /tmp/fix-q8_0.gguf --cuda-rpw 1 --cuda-blocks-per-sm 1
	if [ $fail = 1 ] && command -v compute-sanitizer >/dev/null; then
		section "compute-sanitizer on the decode path"
		timeout 90 compute-sanitizer --print-limit 20 $G cuda-check -m /tmp/fix-q8_0.gguf --cuda-no-graph --tokens 3 2>&1 | head -60
	fi
	section "run / chat / bench --device cuda"
	$G run --device cuda -m /tmp/fix-q8_0.gguf --max-tokens 24 --temp 0 --stats "The capital of France is"
	printf 'Hello\n/save /tmp/chat.state\nHow are you?\n' | $G chat --device cuda -m /tmp/fix-q8_0.gguf --max-tokens 16 --seed 1 --state-out /tmp/chat2.state
	$G bench --device cuda -m /tmp/fix-q8_0.gguf --prompt 64 --tokens 32
fi

if has quick; then
	section "convert the fixture checkpoint"
	for t in f32 f16 q8_0 q4_0; do
		$G convert $C/model.pth -o /tmp/fix-$t.gguf --type $t | tail -1
	done
	section "go test runtime/cuda (tiny models, every type, both memory modes)"
	(cd runtime/cuda && ../../$C/cuda.test -test.v -test.count=1 2>&1 | grep -E "^(---|ok|FAIL|PASS)|_test.go")
	for t in f16 q8_0 q4_0; do
		for mode in "" --cuda-mapped; do
			check "cuda-check fixture $t $mode" $G cuda-check -m /tmp/fix-$t.gguf $mode --tokens 64 --ref /tmp/fix-f32.gguf
		done
		check "cuda-check fixture $t, split LoRA" $G cuda-check -m /tmp/fix-$t.gguf --cuda-split-lora --tokens 64
	done
	check "cuda-check fixture q8_0 --cuda-no-graph --cuda-chunk 5" $G cuda-check -m /tmp/fix-q8_0.gguf --cuda-no-graph --cuda-chunk 5
fi

row() { # label, then a gosling bench --json command: its report, and one ROW line from it
	local label=$1
	shift
	local out
	out=$(timeout 120 "$@" 2>&1)
	echo "$out"
	echo "$out" | python3 -c '
import json, sys
text = sys.stdin.read()
r, _ = json.JSONDecoder().raw_decode(text[text.index("{"):])
dec, pre, b = r["decode_tokens_per_second"], r["prefill_tokens_per_second"], r["weight_bytes_per_token"]
gbs = dec * b / 1e9
print("ROW %s decode_tok_s=%.1f prefill_tok_s=%.1f bytes_per_token=%d gb_s=%.1f share=%.3f" % (sys.argv[1], dec, pre, b, gbs, gbs / float(sys.argv[2])))
' "$label" "$PEAK" || echo "FAILED: $label (no bench result)"
}

if has bench || has variants || has split || has profile; then
	section "copy bandwidth (PyTorch, 1 GiB device to device, read + write)"
	python3 tools/cuda/torch_ref.py --copy 2>&1 | tail -2
	section "waiting for gosling synth"
	wait $SYNTH
	cat $OUT/synth.log
	PEAK=$(grep -oP 'COPY device-to-device \K[0-9]+' "$LOG" | tail -1)
	PEAK=${PEAK:-3350}
fi
if has bench; then
	for m in m01 m04 m15; do
		for t in q8_0 q4_0; do
			[ -f $M/$m-$t.gguf ] || continue
			section "bench --device cuda $m $t"
			row "$m-$t new" $G bench --device cuda --json -m $M/$m-$t.gguf --tokens 256 --prompt 512
			if [ -x $B ] && { [ -z "${BASE_MODELS:-}" ] || [[ " $BASE_MODELS " == *" $m-$t "* ]]; }; then
				row "$m-$t base" $B bench --device cuda --json -m $M/$m-$t.gguf --tokens 256 --prompt 512
			fi
		done
	done
fi
if has variants; then
	for m in m15 m01; do
		f=$M/$m-q8_0.gguf
		[ -f $f ] || continue
		for v in "--cuda-rpw 1" "--cuda-rpw 4" "--cuda-blocks-per-sm 1" "--cuda-blocks-per-sm 4" "--cuda-unfused"; do
			section "bench --device cuda $m q8_0 $v"
			row "$m-q8_0 $v" $G bench --device cuda --json -m $f $v --tokens 256 --prompt 512
		done
		section "bench --device cuda $m q8_0, plain launches (no graph)"
		row "$m-q8_0 no-graph" $G bench --device cuda --json -m $f --cuda-no-graph --tokens 128 --prompt 512
	done
	if [ -f $M/m01-q8_0.gguf ]; then
		section "bench --device cuda m01 q8_0, mapped host memory (PCIe)"
		row "m01-q8_0 mapped" $G bench --device cuda --json -m $M/m01-q8_0.gguf --cuda-mapped --tokens 32 --prompt 128
	fi
	if [ -f $M/m15-q8_0.gguf ]; then
		section "gosling bench --device cuda (1.5B Q8_0)"
		timeout 60 $G bench --device cuda -m $M/m15-q8_0.gguf --prompt 512 --tokens 256
	fi
fi

if has split; then
	for f in m01-q8_0 m15-q8_0 m15-q4_0; do
		[ -f $M/$f.gguf ] || continue
		section "bench --device cuda $f, split LoRA"
		row "$f split-lora" $G bench --device cuda --json -m $M/$f.gguf --cuda-split-lora --tokens 256 --prompt 512
	done
fi

if has profile; then
	if command -v ncu >/dev/null; then
		for spec in "m01-q8_0 12 0" "m15-q8_0 24 0" "m15-q8_0 24 1"; do
			set -- $spec
			[ -f $M/$1.gguf ] || continue
			per=$(( $3 == 1 ? 6 : 5 ))
			split=
			[ "$3" = 1 ] && split=--cuda-split-lora
			n=$(( per * $2 + 2 ))
			section "ncu: one decode token of $1 (split LoRA $3)"
			# Skip the prompt's kernels and the first decode token; profile the second.
			timeout 90 ncu --clock-control none --print-units base --csv \
				--metrics gpu__time_duration.sum,dram__bytes_read.sum -k regex:'gosling_(prod1|prod4|tmix|embed)' \
				--launch-skip $(( n + 1 )) --launch-count $n \
				$G run --device cuda --cuda-no-graph $split -m $M/$1.gguf --max-tokens 4 --temp 0 x > $OUT/ncu-$1-$3.csv 2>&1
			python3 tools/cuda/ncu_summary.py $OUT/ncu-$1-$3.csv $2 || tail -5 $OUT/ncu-$1-$3.csv
		done
	else
		echo "no ncu on this machine"
	fi
fi

if has torch; then
	section "PyTorch reference (official rwkv_v7_demo_fast.py)"
	wait $TBUILD
	tail -3 $OUT/torch_build.log
	left=$(( 330 - ($(date +%s) - T0) ))
	echo "time left for torch: ${left}s"
	(cd $C/rwkv && timeout $(( left > 30 ? left : 30 )) python3 ../../../tools/cuda/torch_ref.py . 0.1B 1.5B 2>&1 |
		grep -vE "^(Emitting|Building|ninja|\[|Loading|Allowing|Detected)" | tail -30)
fi

section "summary ($(( $(date +%s) - T0 )) s)"
grep -E "^(=== cuda-check|result:|decode:|prefill:|vs ref:|state:|FAILED)|^TORCH|^COPY|--- (PASS|FAIL)|TorchScript failed|rror" "$LOG" | grep -v "^=== summary" | head -120
for f in "$OUT"/ncu-*.csv; do
	[ -f "$f" ] || continue
	echo
	echo "ncu: $f"
	python3 tools/cuda/ncu_summary.py "$f" "$(case $f in *m01*) echo 12;; *) echo 24;; esac)" 2>&1 | head -12
done
echo
echo "label | decode tok/s | prefill tok/s | bytes/token | GB/s | share"
grep '^ROW' "$LOG" | sed -E 's/^ROW (.*) decode_tok_s=([0-9.]+) prefill_tok_s=([0-9.]+) bytes_per_token=([0-9]+) gb_s=([0-9.]+) share=([0-9.]+)/\1 | \2 | \3 | \4 | \5 | \6/'
