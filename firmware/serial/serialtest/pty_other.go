//go:build !linux

package serialtest

func open() (*PTY, error) { return nil, ErrUnavailable }
