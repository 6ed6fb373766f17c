package serial

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

var (
	// ErrLost marks an I/O error that means the device went away.
	ErrLost = errors.New("serial device lost")
	// ErrNotTerminal is returned by Open for a path that is not a tty.
	ErrNotTerminal = errors.New("not a serial port (terminal ioctls fail)")
)

// BadBaudError is returned for a rate that is not a standard termios speed.
type BadBaudError struct{ Baud int }

func (e BadBaudError) Error() string {
	return fmt.Sprintf("baud rate %d is not a standard rate (%s)", e.Baud, strings.Join(StandardBauds(), ", "))
}

// StandardBauds lists the rates Open accepts, lowest first.
func StandardBauds() []string {
	var r []int
	for b := range baudRates {
		r = append(r, b)
	}
	slices.Sort(r)
	s := make([]string, len(r))
	for i, b := range r {
		s[i] = fmt.Sprint(b)
	}
	return s
}

// ValidBaud reports whether Open accepts the rate.
func ValidBaud(baud int) bool {
	_, ok := baudRates[baud]
	return ok
}

func speedCode(baud int) (uint32, error) {
	c, ok := baudRates[baud]
	if !ok {
		return 0, BadBaudError{baud}
	}
	return c, nil
}
