#!/usr/bin/env bash
# Fuzz and race checks for CI (issue 9), meant to be called from .ci/run:
#
#   .ci/fuzz.sh                  every fuzz target for FUZZTIME (3s), then -race
#   FUZZTIME=3m .ci/fuzz.sh      the acceptance run (add FUZZPARALLEL=1 on a
#                                small shared machine)
#   .ci/fuzz.sh fuzz | race      one half only
#
# Fuzz targets are discovered with `go test -list`, so a new Fuzz function
# anywhere in the module is fuzzed without editing this file. A crash makes
# `go test -fuzz` write the input to the package's testdata/fuzz/FuzzX/ and
# fail; commit that file with the fix, it becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
FUZZTIME="${FUZZTIME:-3s}"
PARALLEL=()
[ -n "${FUZZPARALLEL:-}" ] && PARALLEL=(-parallel "$FUZZPARALLEL")
what="${1:-all}"

step() { printf '\n=== %s (%ss)\n' "$*" "$SECONDS"; }

# fuzz_one runs one target. Go 1.26's fuzz coordinator can fail a run with a
# bare "context deadline exceeded" when -fuzztime expires while a worker is
# busy (golang/go#75804, fixed in Go 1.27): no input is at fault and none is
# written. That case is retried once, then reported as a warning; a real
# failure always writes its input ("Failing input written to ...") and fails.
fuzz_one() {
  local pkg=$1 name=$2 out attempt
  for attempt in 1 2; do
    if out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 5s \
      ${PARALLEL[@]+"${PARALLEL[@]}"} "$pkg" 2>&1); then
      printf '%s\n' "$out"
      return 0
    fi
    printf '%s\n' "$out"
    if grep -q 'Failing input written to' <<<"$out" || ! grep -q 'context deadline exceeded' <<<"$out"; then
      return 1
    fi
    echo "fuzz $name: 'context deadline exceeded' with no failing input (Go fuzz coordinator race, golang/go#75804); attempt $attempt"
  done
  echo "warning: fuzz $name hit the coordinator race twice; no failing input was found"
}

fuzz() {
  step "discover fuzz targets"
  # `go test -list` prints each package's matching names, then "ok <pkg> ...".
  local listing pkg names=() targets=()
  listing=$(go test -list '^Fuzz' ./...)
  while read -r first second _; do
    case "$first" in
      Fuzz*) names+=("$first") ;;
      ok)
        pkg=$second
        for n in ${names[@]+"${names[@]}"}; do targets+=("$pkg $n"); done
        names=()
        ;;
    esac
  done <<<"$listing"
  if [ ${#targets[@]} -eq 0 ]; then echo "no fuzz targets found"; exit 1; fi
  printf '  %s\n' "${targets[@]}"
  for t in "${targets[@]}"; do
    read -r pkg name <<<"$t"
    step "fuzz $name in $pkg for $FUZZTIME"
    fuzz_one "$pkg" "$name"
  done
}

race() {
  # The packages with goroutines: the runtime's worker pool and the model
  # binding, the HTTP server (runtime/serve), the firmware agent, serial
  # port and buttons. -short skips the soak and the long fixture runs.
  step "race detector"
  go test -race -short ./runtime/... ./firmware/...
}

case "$what" in
  fuzz) fuzz ;;
  race) race ;;
  all) fuzz; race ;;
  *) echo "usage: $0 [fuzz|race|all]" >&2; exit 2 ;;
esac
step "done"
