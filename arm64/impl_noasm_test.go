//go:build !(arm64 || amd64) || purego

package arm64

import "testing"

// Without assembly only the generic twins exist.
func selectImpl(impl string) {
	if impl != implGeneric {
		panic("arm64 test: implementation " + impl + " without assembly")
	}
}

func resetImpl() {}

func TestNoAssemblyWithoutAsm(t *testing.T) {
	for k := range kernels {
		if impls := implementations(k); len(impls) != 1 || impls[0] != implGeneric {
			t.Errorf("%s: %v, want only %s", k, impls, implGeneric)
		}
	}
	if p := Path(); p != "generic" {
		t.Errorf("Path() = %q", p)
	}
}
