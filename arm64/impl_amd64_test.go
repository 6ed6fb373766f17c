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
	useAVX2 = impl == implAVX2 || impl == implAVX512
	useAVX512 = impl == implAVX512
}

// resetImpl restores the flags this CPU set at start-up.
func resetImpl() { useAVX2, useAVX512 = cpuAVX2, cpuAVX512 }

// TestSelectionMatchesQEMUCPU checks the run-time choice against the CPU
// model qemu-x86_64 emulates (CI runs this package under QEMU_CPU=Haswell:
// AVX2, FMA and F16C, no AVX-512), and on real hardware that an x86-64-v3
// CPU is seen as one.
func TestSelectionMatchesQEMUCPU(t *testing.T) {
	want := ""
	switch cpu := qemuCPU(); cpu {
	case "Haswell", "Broadwell", "Skylake-Client":
		want = implAVX2
	case "Icelake-Server", "Cascadelake-Server", "SapphireRapids":
		want = implAVX512
	case "":
		if !cpuAVX2 {
			t.Skip("not under qemu, and this CPU has no AVX2+FMA+F16C")
		}
		want = implAVX2
		if cpuAVX512 {
			want = implAVX512
		}
	default:
		t.Skipf("QEMU_CPU=%q: not a CPU model this test knows", cpu)
	}
	n := 0
	for k, extra := range kernels {
		if !slices.Contains(extra, implAVX2) {
			continue
		}
		n++
		got := currentImpl(k)
		if slices.Contains(extra, want) && got != want || !slices.Contains(extra, want) && got != implAVX2 {
			t.Errorf("QEMU_CPU=%q: %s uses %s, want %s", qemuCPU(), k, got, want)
		}
	}
	if n == 0 {
		t.Fatal("no kernel has an amd64 implementation")
	}
	t.Logf("QEMU_CPU=%q: MatVecQ8_0 uses %s, path %s", qemuCPU(), currentImpl("MatVecQ8_0"), Path())
}
