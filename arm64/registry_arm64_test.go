//go:build !purego

package arm64

import "testing"

// neonKernels are the kernels with assembly. A build that silently drops
// the assembly (a wrong build tag, a renamed file) fails here instead of
// passing every implementation test with the generic twin alone.
var neonKernels = []string{
	KernelQuantizeQ8,
	KernelDotF32,
	KernelMatVecF32,
	KernelMatVecF16,
	KernelWKV7,
	KernelLayerNorm,
	KernelSigmoid,
	KernelDecay,
	KernelMatMulF32,
	KernelMatMulF16,
	KernelMatMulQ8_0,
	KernelMatMulQ4_0,
	KernelMatVecQ8_0,
	KernelMatVecQ4_0,
}

// dotKernels additionally have an SDOT implementation.
var dotKernels = []string{
	KernelMatVecQ8_0,
	KernelMatVecQ4_0,
	KernelMatMulQ8_0,
	KernelMatMulQ4_0,
}

func TestNEONRegistered(t *testing.T) {
	if !hasASIMD {
		t.Fatal("cpuid reports no Advanced SIMD on arm64")
	}
	for _, k := range neonKernels {
		if !containsString(Implementations(k), ImplNEON) {
			t.Errorf("%s: no %s implementation registered (have %v)", k, ImplNEON, Implementations(k))
		}
	}
	for _, k := range dotKernels {
		if got := containsString(Implementations(k), ImplNEONDotProd); got != hasDotProd {
			t.Errorf("%s: %s registered=%v, dot product present=%v", k, ImplNEONDotProd, got, hasDotProd)
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
		want = ImplNEON
	case "cortex-a76", "max", "neoverse-n1", "a64fx":
		want = ImplNEONDotProd
	default:
		t.Skipf("QEMU_CPU=%q: not a CPU model this test knows", cpu)
	}
	for _, k := range dotKernels {
		if got := Current(k); got != want {
			t.Errorf("QEMU_CPU=%s: %s uses %s, want %s", qemuCPU(), k, got, want)
		}
	}
	t.Logf("QEMU_CPU=%s: %s uses %s, path %s", qemuCPU(), KernelMatVecQ8_0, Current(KernelMatVecQ8_0), Path())
}
