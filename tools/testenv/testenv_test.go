package testenv

import (
	"runtime"
	"testing"
)

// QEMU_CPU alone marks a run as emulated, whatever the architecture; on
// amd64 without it, the host is what it says.
func TestEmulated(t *testing.T) {
	t.Setenv("QEMU_CPU", "max")
	if !Emulated() {
		t.Error("QEMU_CPU set, but not reported as emulated")
	}
	t.Setenv("QEMU_CPU", "")
	if runtime.GOARCH == "amd64" && Emulated() {
		t.Error("a native amd64 run reported as emulated")
	}
}
