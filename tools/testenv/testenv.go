// Package testenv tells tests what kind of machine runs them. It is a
// library for tests only, never linked into gosling.
//
// The arm64 suite runs on x86-64 hosts under qemu-user (CI, and the
// README's cross-test command). Two things differ there: an emulated step
// costs a few hundred times more, and starting a process is not safe.
// qemu-user turns Go's vfork-style clone into a plain fork of the whole
// multi-threaded emulator, which can deadlock in the child: CI once hung
// for ten minutes in syscall.forkExec under TestExecRunner. Tests that
// start processes check the host's behaviour (signals, exit statuses,
// process groups), which the native run covers, so under emulation they
// skip instead.
package testenv

import (
	"bytes"
	"os"
	"runtime"
	"testing"
)

// Emulated reports whether this test binary runs under qemu-user: QEMU_CPU
// is set (as CI sets it for every emulated run), or an arm64 binary reads
// an x86 host's /proc/cpuinfo, which qemu-user passes through.
func Emulated() bool {
	if os.Getenv("QEMU_CPU") != "" {
		return true
	}
	if runtime.GOARCH != "arm64" {
		return false
	}
	b, _ := os.ReadFile("/proc/cpuinfo")
	return bytes.Contains(b, []byte("vendor_id"))
}

// SkipProcessesUnderEmulation skips a test that starts processes when it
// runs under qemu-user (see the package comment).
func SkipProcessesUnderEmulation(t testing.TB) {
	t.Helper()
	if Emulated() {
		t.Skip("starts processes, which can deadlock under qemu-user; the native run covers it")
	}
}
