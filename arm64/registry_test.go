package arm64

import (
	"strings"
	"testing"
)

func TestRegistryBasics(t *testing.T) {
	kernels := Kernels()
	if len(kernels) < 12 {
		t.Fatalf("only %d kernels registered: %v", len(kernels), kernels)
	}
	for _, k := range kernels {
		impls := Implementations(k)
		if len(impls) == 0 || impls[0] != ImplGeneric {
			t.Errorf("%s: implementations %v do not start with %s", k, impls, ImplGeneric)
		}
		cur := Current(k)
		if !containsString(impls, cur) {
			t.Errorf("%s: current implementation %q not among %v", k, cur, impls)
		}
		// The preferred implementation is the last available one.
		if cur != impls[len(impls)-1] {
			t.Errorf("%s: uses %s, but %s is available", k, cur, impls[len(impls)-1])
		}
	}
	if err := Use("NoSuchKernel", ImplGeneric); err == nil {
		t.Error("Use accepted an unknown kernel")
	}
	if err := Use(KernelDotF32, "no-such-impl"); err == nil {
		t.Error("Use accepted an unknown implementation")
	}
	if Implementations("NoSuchKernel") != nil {
		t.Error("an unknown kernel has implementations")
	}
}

func TestPathFollowsUse(t *testing.T) {
	saved := map[string]string{}
	for _, k := range Kernels() {
		saved[k] = Current(k)
	}
	defer func() {
		for k, impl := range saved {
			if err := Use(k, impl); err != nil {
				t.Fatal(err)
			}
		}
	}()
	for _, k := range Kernels() {
		if err := Use(k, ImplGeneric); err != nil {
			t.Fatal(err)
		}
	}
	if p := Path(); p != "generic" {
		t.Errorf("all generic: Path() = %q", p)
	}
	for _, k := range Kernels() {
		impls := Implementations(k)
		if err := Use(k, impls[len(impls)-1]); err != nil {
			t.Fatal(err)
		}
	}
	p := Path()
	switch {
	case containsString(Implementations(KernelMatVecQ8_0), ImplNEONDotProd):
		if p != "neon+dotprod" {
			t.Errorf("Path() = %q with the dot product available", p)
		}
	case containsString(Implementations(KernelMatVecQ8_0), ImplNEON):
		if p != "neon" {
			t.Errorf("Path() = %q with NEON available", p)
		}
	default:
		if p != "generic" {
			t.Errorf("Path() = %q without assembly", p)
		}
	}
	t.Logf("path %s", p)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestLogImplementations prints what this CPU runs (go test -v), handy in
// CI logs under each QEMU_CPU.
func TestLogImplementations(t *testing.T) {
	var b strings.Builder
	for _, k := range Kernels() {
		b.WriteString(k + "=" + Current(k) + " ")
	}
	t.Logf("QEMU_CPU=%q path=%s: %s", qemuCPU(), Path(), b.String())
}
