//go:build !arm64 || purego

package arm64

import "testing"

func TestNoAssemblyWithoutArm64(t *testing.T) {
	for _, k := range Kernels() {
		if impls := Implementations(k); len(impls) != 1 || impls[0] != ImplGeneric {
			t.Errorf("%s: %v, want only %s", k, impls, ImplGeneric)
		}
	}
	if p := Path(); p != "generic" {
		t.Errorf("Path() = %q", p)
	}
}
