#!/bin/bash
# Builds everything tools/cuda/device.sh needs into .carry/cuda (ignored by
# git, named in the device call's carry): the cuda-tagged gosling, the
# runtime/cuda test binary, the fixture checkpoint (device.sh converts it),
# optionally a baseline gosling built from another commit (BASE=rev, for
# before/after timings on the same machine), and the official RWKV-v7 demo
# sources (from a local RWKV-LM checkout given as $1; never committed).
#
#   BASE=7ca83a3 tools/cuda/prepare.sh [RWKV-LM checkout]
set -eu
cd "$(dirname "$0")/../.."
C=.carry/cuda
mkdir -p $C
# nodemo: the embedded demo model would only make the carried tree larger.
CGO_ENABLED=0 go build -tags cuda,nodemo -ldflags "-s -w" -o $C/gosling ./cmd/gosling
CGO_ENABLED=0 go test -tags cuda -c -ldflags "-s -w" -o $C/cuda.test ./runtime/cuda
rm -f $C/gosling-base
if [ -n "${BASE:-}" ]; then
	tmp=$(mktemp -d)
	git archive "$BASE" | tar -x -C "$tmp"
	(cd "$tmp" && CGO_ENABLED=0 go build -tags cuda,nodemo -ldflags "-s -w" -o gosling-base ./cmd/gosling)
	mv "$tmp/gosling-base" $C/gosling-base
	rm -rf "$tmp"
	echo "baseline: $(git rev-parse --short "$BASE")" > $C/BASE
fi
FIX=${GOSLING_FIXTURES:-../shared/fixtures/rwkv7}
rm -f $C/fix-*.gguf
cp "$FIX/model.pth" $C/model.pth
if [ $# -ge 1 ]; then
	mkdir -p $C/rwkv/cuda
	cp "$1/RWKV-v7/rwkv_v7_demo_fast.py" $C/rwkv/
	cp "$1/RWKV-v7/cuda/wkv7s.cu" "$1/RWKV-v7/cuda/wkv7s_op.cpp" $C/rwkv/cuda/
fi
du -sh $C
