//go:build linux

package serial_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/serial"
	"github.com/gosling-edge/gosling/firmware/serial/serialtest"
)

func TestOpenRaw(t *testing.T) {
	pty := serialtest.New(t)
	p, err := serial.Open(pty.SlavePath, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// Raw mode: CR is not turned into LF on input, LF not into CRLF on
	// output, and nothing is echoed back to the far end.
	if _, err := pty.Master.Write([]byte("a\rb\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(p, buf); err != nil || string(buf) != "a\rb\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if _, err := p.Write([]byte("x\ny")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(pty.Master, buf[:3]); err != nil || string(buf[:3]) != "x\ny" {
		t.Fatalf("far end read %q, %v", buf[:3], err)
	}
}

func TestOpenErrors(t *testing.T) {
	pty := serialtest.New(t)
	var bad serial.BadBaudError
	if _, err := serial.Open(pty.SlavePath, 12345); !errors.As(err, &bad) || !strings.Contains(err.Error(), "115200") {
		t.Errorf("odd baud: %v", err)
	}
	if _, err := serial.Open(filepath.Join(t.TempDir(), "nope"), 9600); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing device: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := serial.Open(f, 9600); !errors.Is(err, serial.ErrNotTerminal) {
		t.Errorf("regular file: %v", err)
	}
}

func TestHangupIsLost(t *testing.T) {
	pty := serialtest.New(t)
	p, err := serial.Open(pty.SlavePath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pty.Master.Close()
	if _, err := p.Read(make([]byte, 8)); !errors.Is(err, serial.ErrLost) {
		t.Fatalf("read after hang-up: %v, want ErrLost", err)
	}
}

func TestCloseWakesRead(t *testing.T) {
	pty := serialtest.New(t)
	p, err := serial.Open(pty.SlavePath, 9600)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := p.Read(make([]byte, 8))
		done <- err
	}()
	p.Close()
	if err := <-done; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("blocked read after Close: %v", err)
	}
}

// TestDeviceReopens does what udev does to /dev/serial/by-id/… when an
// adapter is unplugged and plugged back: the link goes away with its tty,
// then reappears pointing at a new one.
func TestDeviceReopens(t *testing.T) {
	first := serialtest.New(t)
	link := filepath.Join(t.TempDir(), "by-id-adapter")
	if err := os.Symlink(first.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	var logMu sync.Mutex
	var logs []string
	d := &serial.Device{Path: link, Baud: 115200, Retry: 10 * time.Millisecond, Logf: func(f string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		logs = append(logs, f)
	}}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 4)
	n := 0
	result := make(chan error)
	go func() {
		result <- d.Serve(ctx, func(ctx context.Context, p *serial.Port) error {
			n++
			served <- n
			// An echo server: what the far end sends comes back upper-cased.
			r := bufio.NewReader(p)
			for {
				s, err := r.ReadString('\n')
				if err != nil {
					return err
				}
				p.Write([]byte(strings.ToUpper(s)))
			}
		})
	}()
	roundTrip := func(pty *serialtest.PTY, msg string) {
		t.Helper()
		if _, err := pty.Master.Write([]byte(msg + "\n")); err != nil {
			t.Fatal(err)
		}
		got, err := bufio.NewReader(pty.Master).ReadString('\n')
		if err != nil || got != strings.ToUpper(msg)+"\n" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	<-served
	roundTrip(first, "before")

	os.Remove(link)
	first.Master.Close()
	second := serialtest.New(t)
	if err := os.Symlink(second.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	if got := <-served; got != 2 {
		t.Fatalf("served %d times", got)
	}
	roundTrip(second, "after")
	cancel()
	if err := <-result; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	logMu.Lock()
	defer logMu.Unlock()
	all := strings.Join(logs, "\n")
	if !strings.Contains(all, "lost") || !strings.Contains(all, "reopened") {
		t.Errorf("logs do not tell the loss and the return:\n%s", all)
	}
}

func TestDeviceConfigErrors(t *testing.T) {
	d := &serial.Device{Path: "/dev/null", Baud: 115200}
	if err := d.Serve(context.Background(), nil); !errors.Is(err, serial.ErrNotTerminal) {
		t.Errorf("/dev/null: %v", err)
	}
	d = &serial.Device{Path: "/dev/ttyS0", Baud: 7}
	if err := d.Serve(context.Background(), nil); err == nil {
		t.Error("baud 7 accepted")
	}
}

// TestDeviceMissingDirectory: a device whose directory does not exist can
// never appear; Serve and Check fail at once instead of waiting forever.
func TestDeviceMissingDirectory(t *testing.T) {
	d := &serial.Device{Path: filepath.Join(t.TempDir(), "no-such-dir", "ttyUSB0"), Baud: 115200}
	if err := d.Serve(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Serve: %v", err)
	}
	if err := d.Check(); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Check: %v", err)
	}
}

// TestDeviceProbe: Probe tells a present tty, an absent one (which Serve
// would wait for) and a file that is no tty apart, and leaves a present
// port as it was (not raw, not locked).
func TestDeviceProbe(t *testing.T) {
	pty := serialtest.New(t)
	d := &serial.Device{Path: pty.SlavePath, Baud: 115200}
	if now, err := d.Probe(); err != nil || now != "present" {
		t.Errorf("pty: %q, %v", now, err)
	}
	// Still openable, so not locked: Open succeeds after Check.
	p, err := serial.Open(pty.SlavePath, 115200)
	if err != nil {
		t.Fatalf("open after Check: %v", err)
	}
	p.Close()
	d.Path = filepath.Join(t.TempDir(), "ttyUSB9")
	if now, err := d.Probe(); err != nil || !strings.Contains(now, "no such file") {
		t.Errorf("absent: %q, %v", now, err)
	}
	d.Path = "/etc/hostname"
	if _, err := d.Probe(); !errors.Is(err, serial.ErrNotTerminal) {
		t.Errorf("/etc/hostname: %v", err)
	}
	// Check needs no open to know a regular file is no tty.
	if err := d.Check(); !errors.Is(err, serial.ErrNotTerminal) {
		t.Errorf("Check /etc/hostname: %v", err)
	}
	d.Path = "/dev/null"
	if _, err := d.Probe(); !errors.Is(err, serial.ErrNotTerminal) {
		t.Errorf("/dev/null: %v", err)
	}
	d.Baud = 7
	if _, err := d.Probe(); err == nil {
		t.Error("baud 7 accepted")
	}
}

// TestDeviceAbsentLogsSlowing: a device that stays absent is looked for
// every Retry, but the reason is logged at doubling intervals, not once
// and not every time.
func TestDeviceAbsentLogsSlowing(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	d := &serial.Device{Path: filepath.Join(t.TempDir(), "ttyUSB9"), Baud: 115200, Retry: time.Millisecond,
		Logf: func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, fmt.Sprintf(f, a...))
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := d.Serve(ctx, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// 300 retries at most; 1, 2, 4 … 256 ms gives about 10 lines.
	if len(logs) < 3 || len(logs) > 20 {
		t.Errorf("%d log lines in 300 ms of 1 ms retries:\n%s", len(logs), strings.Join(logs, "\n"))
	}
	for _, l := range logs {
		if !strings.Contains(l, "no such file") {
			t.Errorf("log line without the reason: %q", l)
		}
	}
	if !strings.Contains(logs[len(logs)-1], "still failing after") {
		t.Errorf("last line %q", logs[len(logs)-1])
	}
}
