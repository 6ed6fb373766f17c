package serial

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Device is a serial device that may come and go: a USB adapter that is
// unplugged and plugged back, or a /dev/serial/by-id/… link that udev
// removes and recreates pointing at a new tty. Serve keeps it open.
type Device struct {
	Path string
	Baud int
	// Retry is how often to look for the device while it is absent
	// (default 1 s). The log says so at a slowing pace (see Serve).
	Retry time.Duration
	// Logf, if set, reports the device going and coming back.
	Logf func(format string, args ...any)
}

// maxLogGap is the longest silence about a device that keeps failing to
// open: the log repeats the reason after 1, 2, 4 … retry periods, then
// every maxLogGap, so a missing adapter neither floods the journal nor
// vanishes from it after one line.
const maxLogGap = time.Hour

// Serve opens the device and calls serve with the open port. When serve
// returns (the port failed, typically with ErrLost), the port is closed,
// the loss is logged, and the device is opened again as soon as it is
// back; a device absent at start is waited for in the same way, looked
// for every Retry, the reason logged at doubling intervals. Serve returns
// when ctx ends (nil), or at once for a configuration error that waiting
// cannot fix: a bad baud rate, a path that is not a tty, or a directory
// that does not exist (see Check).
//
// serve must return promptly once ctx is done; the port is also closed
// then, which ends any Read it is blocked in.
func (d *Device) Serve(ctx context.Context, serve func(ctx context.Context, p *Port) error) error {
	if err := d.Check(); err != nil {
		return err
	}
	retry := d.Retry
	if retry <= 0 {
		retry = time.Second
	}
	lastErr := ""
	var failingSince, lastLog time.Time
	var logGap time.Duration
	opened := 0
	for ctx.Err() == nil {
		p, err := Open(d.Path, d.Baud)
		if err != nil {
			if errors.Is(err, ErrNotTerminal) {
				return err
			}
			now := time.Now()
			switch msg := err.Error(); {
			case msg != lastErr:
				d.logf("serial %s: %v; retrying every %v", d.Path, err, retry)
				lastErr, failingSince, lastLog, logGap = msg, now, now, retry
			case now.Sub(lastLog) >= logGap:
				d.logf("serial %s: still failing after %v: %v; retrying every %v",
					d.Path, roundDuration(now.Sub(failingSince)), err, retry)
				logGap = min(2*logGap, maxLogGap)
				lastLog = now
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

// Check finds, without opening anything, what no amount of waiting
// fixes: a bad baud rate, a path that exists but is no character device
// (a regular file is never a tty), a directory that does not exist.
// Directories under /dev are the exception: udev makes /dev/serial/by-id
// when the first adapter appears. Serve starts with it; an agent calls it
// before it says it is ready.
func (d *Device) Check() error {
	if _, err := speedCode(d.Baud); err != nil {
		return err
	}
	if fi, err := os.Stat(d.Path); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		return fmt.Errorf("%s: %w", d.Path, ErrNotTerminal)
	}
	dir := filepath.Dir(d.Path)
	if strings.HasPrefix(filepath.Clean(dir)+"/", "/dev/") {
		return nil
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: the directory %s does not exist, so the device cannot appear", d.Path, dir)
	}
	return nil
}

// Probe is Check, then a look at the device as it is now without taking
// it: the port is opened for a moment without being configured or locked
// (a pseudo-terminal's far end may see that open and close). Absent or
// busy is not an error, since Serve waits for it; now says so, with the
// reason. A character device that is no tty is ErrNotTerminal.
func (d *Device) Probe() (now string, err error) {
	if err := d.Check(); err != nil {
		return "", err
	}
	switch err := probe(d.Path); {
	case err == nil:
		return "present", nil
	case errors.Is(err, ErrNotTerminal):
		return "", err
	default:
		return fmt.Sprintf("not available now (%v); the agent waits for it", err), nil
	}
}

// roundDuration keeps a log line short: whole seconds, or milliseconds
// below one.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
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
