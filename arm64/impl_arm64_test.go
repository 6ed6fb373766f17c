//go:build !purego

package arm64

import (
	"slices"
	"testing"
)

// selectImpl sets the feature flags as on a CPU whose best is impl: every
// kernel then runs impl, or the best it has below it. impl must be
// offered.
func selectImpl(impl string) {
	if !offered(impl) {
		panic("arm64 test: implementation " + impl + " not offered by this CPU")
	}
	useNEON = impl != implGeneric
	useDotProd = impl == implNEONDotProd
}

// resetImpl restores the flags this CPU set at start-up.
func resetImpl() { useNEON, useDotProd = cpuNEON, cpuDotProd }

// Every arm64 CPU gosling runs on has Advanced SIMD; a cpuid that does not
// see it would leave every kernel on its generic twin, and every
// implementation test passing on the generic twin alone.
func TestNEONOffered(t *testing.T) {
	if !cpuNEON {
		t.Fatal("cpuid reports no Advanced SIMD on arm64")
	}
	for k, extra := range kernels {
		if len(extra) == 0 {
			continue // generic only (impl_generic_test.go)
		}
		if impls := implementations(k); len(impls) < 2 || impls[1] != implNEON {
			t.Errorf("%s: implementations %v, want %s among them", k, impls, implNEON)
		}
	}
}

// TestSelectionMatchesQEMUCPU checks the run-time choice against the CPU
// model qemu emulates: Cortex-A72 (ARMv8.0) has no SDOT, Cortex-A76 and
// qemu's "max" have it.
func TestSelectionMatchesQEMUCPU(t *testing.T) {
	var want string
	switch cpu := qemuCPU(); cpu {
	case "cortex-a72", "cortex-a53", "cortex-a57":
		want = implNEON
	case "cortex-a76", "max", "neoverse-n1", "a64fx":
		want = implNEONDotProd
	default:
		t.Skipf("QEMU_CPU=%q: not a CPU model this test knows", cpu)
	}
	dot := 0
	for k, extra := range kernels {
		if !slices.Contains(extra, implNEONDotProd) {
			continue
		}
		dot++
		if got := currentImpl(k); got != want {
			t.Errorf("QEMU_CPU=%s: %s uses %s, want %s", qemuCPU(), k, got, want)
		}
	}
	if dot == 0 {
		t.Fatal("no kernel has a dot-product implementation")
	}
	t.Logf("QEMU_CPU=%s: MatVecQ8_0 uses %s, path %s", qemuCPU(), currentImpl("MatVecQ8_0"), Path())
}
