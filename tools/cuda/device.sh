#!/bin/bash
# The GPU machine's side of issue 7: correctness of the CUDA path against the
# CPU path, then speed, then the official PyTorch reference. Runs from the
# repository root on the device machine (no Go there): everything it runs was
# built here and carried in .carry/cuda (see tools/cuda/prepare.sh).
#
#   tools/cuda/device.sh [check] [bench01] [bench] [torch]   (default: check bench torch)
#
# Stages run in this order (the synthetic models are made in the background
# from the start):
# check:   go test binary of runtime/cuda, cuda-check on the fixture model
#          (converted here to F32/F16/Q8_0/Q4_0; device memory and mapped
#          host memory, graph and plain launches), info, a short run
# bench01: cuda-bench on the 0.1B shape at Q8_0 only
# bench:   cuda-bench on 0.1B/0.4B/1.5B × Q8_0/Q4_0 (models made here by gosling synth)
# torch:   the official rwkv_v7_demo_fast.py at the three shapes (last: it is
#          the slowest, and its own timeout keeps the call in bounds)
# Logs go to $OUT (or ./out): log.txt and a summary at the end.
set -u
C=.carry/cuda
G=$C/gosling
OUT=${OUT:-out}
mkdir -p "$OUT"
LOG=$OUT/log.txt
exec > >(tee -a "$LOG") 2>&1
stages=${*:-check bench torch}
has() { [[ " $stages " == *" $1 "* ]]; }
section() { echo; echo "=== $* ($(date +%T))"; }
M=/tmp/gosling-models
mkdir -p $M

synth() { # name layers embd type
	[ -f $M/$1-$4.gguf ] || $G synth -q -o $M/$1-$4.gguf --layers $2 --embd $3 --type $4 >/dev/null
}

section machine
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv
nproc

# The big synthetic models take a while on the CPU: start them now.
if has bench || has bench01; then
	( synth m01 12 768 q8_0
	  if has bench; then
		synth m01 12 768 q4_0 & synth m04 24 1024 q8_0 & synth m04 24 1024 q4_0 &
		synth m15 24 2048 q8_0 & synth m15 24 2048 q4_0 & wait
	  fi ) > $OUT/synth.log 2>&1 &
	SYNTH=$!
fi

if has check; then
	section "convert the fixture checkpoint"
	for t in f32 f16 q8_0 q4_0; do
		$G convert $C/model.pth -o /tmp/fix-$t.gguf --type $t | tail -1
	done
	section "info --device cuda"
	$G info --device cuda
	section "go test runtime/cuda (tiny models, every type, both memory modes)"
	(cd runtime/cuda && ../../$C/cuda.test -test.v -test.count=1 2>&1 | grep -E "^(---|===|ok|FAIL|PASS)|_test.go")
	fail=0
	for t in f32 f16 q8_0 q4_0; do
		for mode in "" --cuda-mapped; do
			section "cuda-check fixture $t $mode"
			$G cuda-check -m /tmp/fix-$t.gguf $mode --tokens 64 --ref /tmp/fix-f32.gguf || fail=1
		done
	done
	section "cuda-check fixture q8_0 --cuda-no-graph --cuda-chunk 5"
	$G cuda-check -m /tmp/fix-q8_0.gguf --cuda-no-graph --cuda-chunk 5 || fail=1
	if [ $fail = 1 ] && command -v compute-sanitizer >/dev/null; then
		section "compute-sanitizer on a failing path"
		timeout 120 compute-sanitizer --print-limit 20 $G cuda-check -m /tmp/fix-f32.gguf --cuda-no-graph --tokens 3 2>&1 | head -60
	fi
	section "run --device cuda"
	$G run --device cuda -m /tmp/fix-q8_0.gguf --max-tokens 24 --temp 0 --stats "The capital of France is"
fi

if has bench || has bench01; then
	section "copy bandwidth (PyTorch, 1 GiB device to device, read + write)"
	python3 tools/cuda/torch_ref.py --copy 2>&1 | tail -2
	section "waiting for gosling synth"
	wait $SYNTH
	cat $OUT/synth.log
	PEAK=$(grep -oP 'COPY device-to-device \K[0-9]+' "$LOG" | tail -1)
	PEAK=${PEAK:-3350}
	for m in m01 m04 m15; do
		for t in q8_0 q4_0; do
			[ -f $M/$m-$t.gguf ] || continue
			section "cuda-bench $m $t"
			timeout 120 $G cuda-bench -m $M/$m-$t.gguf --peak-gbs $PEAK --decode 256 --prompt 512 --reps 3
		done
	done
	if [ -f $M/m01-q8_0.gguf ]; then
		section "cuda-bench m01 q8_0, mapped host memory (PCIe)"
		timeout 60 $G cuda-bench -m $M/m01-q8_0.gguf --cuda-mapped --peak-gbs $PEAK --decode 32 --prompt 128 --reps 1
		section "cuda-bench m01 q8_0, plain launches (no graph)"
		timeout 60 $G cuda-bench -m $M/m01-q8_0.gguf --cuda-no-graph --peak-gbs $PEAK --decode 256 --prompt 512 --reps 3
	fi
	if [ -f $M/m15-q8_0.gguf ]; then
		section "cuda-bench m15 q8_0, plain launches (no graph)"
		timeout 60 $G cuda-bench -m $M/m15-q8_0.gguf --cuda-no-graph --peak-gbs $PEAK --decode 128 --prompt 512 --reps 3
	fi
fi

if has torch; then
	section "PyTorch reference (official rwkv_v7_demo_fast.py)"
	export TORCH_CUDA_ARCH_LIST=9.0 MAX_JOBS=16
	timeout ${TORCH_TIMEOUT:-300} python3 tools/cuda/torch_ref.py $C/rwkv 2>&1 | grep -vE "^(Emitting|Building|ninja|\[|Loading|Allowing|Detected)" | tail -40
fi

section summary
grep -E "^(=== cuda-(check|bench)|result:|decode:|prefill:|vs ref:|bytes:|launch:)|^RESULT|^TORCH|^COPY|--- (PASS|FAIL)|rror" "$LOG" | head -160
