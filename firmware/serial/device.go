package serial

import (
	"context"
	"errors"
	"time"
)

// Device is a serial device that may come and go: a USB adapter that is
// unplugged and plugged back, or a /dev/serial/by-id/… link that udev
// removes and recreates pointing at a new tty. Serve keeps it open.
type Device struct {
	Path string
	Baud int
	// Retry is how often to look for the device while it is absent
	// (default 1 s).
	Retry time.Duration
	// Logf, if set, reports the device going and coming back.
	Logf func(format string, args ...any)
}

// Serve opens the device and calls serve with the open port. When serve
// returns (the port failed, typically with ErrLost), the port is closed,
// the loss is logged, and the device is opened again as soon as it is
// back; a device absent at start is waited for in the same way. Serve
// returns when ctx ends (nil), or at once for a configuration error that
// waiting cannot fix: a bad baud rate or a path that is not a tty.
//
// serve must return promptly once ctx is done; the port is also closed
// then, which ends any Read it is blocked in.
func (d *Device) Serve(ctx context.Context, serve func(ctx context.Context, p *Port) error) error {
	if _, err := speedCode(d.Baud); err != nil {
		return err
	}
	retry := d.Retry
	if retry <= 0 {
		retry = time.Second
	}
	lastErr := ""
	opened := 0
	for ctx.Err() == nil {
		p, err := Open(d.Path, d.Baud)
		if err != nil {
			if errors.Is(err, ErrNotTerminal) {
				return err
			}
			// Log a failure once, not every retry: a missing adapter
			// can stay missing for hours.
			if msg := err.Error(); msg != lastErr {
				d.logf("serial %s: %v; retrying every %v", d.Path, err, retry)
				lastErr = msg
			}
			select {
			case <-ctx.Done():
			case <-time.After(retry):
			}
			continue
		}
		lastErr = ""
		if opened++; opened > 1 {
			d.logf("serial %s: reopened", d.Path)
		}
		err = d.serveOnce(ctx, p, serve)
		if ctx.Err() != nil {
			return nil
		}
		d.logf("serial %s: lost (%v); waiting for it to come back", d.Path, err)
	}
	return nil
}

func (d *Device) serveOnce(ctx context.Context, p *Port, serve func(ctx context.Context, p *Port) error) error {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			p.Close() // wakes a Read blocked in serve
		case <-done:
		}
	}()
	err := serve(ctx, p)
	close(done)
	p.Close()
	if err == nil {
		err = ErrLost
	}
	return err
}

func (d *Device) logf(format string, args ...any) {
	if d.Logf != nil {
		d.Logf(format, args...)
	}
}
