// Package serialtest gives tests a real serial line without hardware: a
// pseudo-terminal pair, whose slave end is a tty that serial.Open
// configures exactly like a USB adapter, and whose master end plays the
// person at the other end of the cable. Like periph's gpiotest, it is a
// normal package so any package's tests can use it.
package serialtest

import (
	"errors"
	"os"
	"testing"
)

// PTY is an open pseudo-terminal pair.
type PTY struct {
	// Master is the far end of the line: what a test writes here arrives
	// on the slave, what the slave's user writes can be read here.
	Master *os.File
	// SlavePath is the tty to hand to the code under test (/dev/pts/N).
	SlavePath string
}

// ErrUnavailable is returned when this system cannot make pseudo-terminals.
var ErrUnavailable = errors.New("pseudo-terminals unavailable (no /dev/ptmx)")

// Open makes a new pseudo-terminal pair; close Master to hang up the line.
func Open() (*PTY, error) { return open() }

// New makes a pair for a test and closes its master when the test ends. It
// skips the test when pseudo-terminals are unavailable, except under
// CI=true, where they must work and the test fails.
func New(t testing.TB) *PTY {
	t.Helper()
	p, err := Open()
	if err != nil {
		if errors.Is(err, ErrUnavailable) && os.Getenv("CI") != "true" {
			t.Skipf("skipping: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Master.Close() })
	return p
}
