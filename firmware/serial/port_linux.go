//go:build linux

package serial

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// baudRates maps the standard rates to their termios speed codes.
var baudRates = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200,
	230400: unix.B230400, 460800: unix.B460800, 500000: unix.B500000, 576000: unix.B576000,
	921600: unix.B921600, 1000000: unix.B1000000, 1152000: unix.B1152000, 1500000: unix.B1500000,
	2000000: unix.B2000000, 3000000: unix.B3000000, 4000000: unix.B4000000,
}

// Port is an open serial port in raw mode (8N1, no flow control, no echo,
// no line discipline: the agent does its own line editing).
type Port struct {
	f    *os.File
	path string
}

// Open opens the tty at path in raw mode at the given baud rate. Input that
// arrived before the port was opened (boot noise) is discarded.
func Open(path string, baud int) (*Port, error) {
	speed, err := speedCode(baud)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := setRaw(fd, speed); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("%s: %w", path, ErrNotTerminal)
		}
		return nil, fmt.Errorf("%s: configuring the port: %w", path, err)
	}
	// A non-blocking descriptor makes os.NewFile return a file that the
	// runtime poller serves: deadlines work and Close wakes a pending Read.
	return &Port{f: os.NewFile(uintptr(fd), path), path: path}, nil
}

// probe opens path for a moment and asks for its terminal settings,
// changing nothing: no raw mode, no exclusive lock, no flush.
func probe(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	_, err = unix.IoctlGetTermios(fd, unix.TCGETS)
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("%s: %w", path, ErrNotTerminal)
	}
	return err
}

func setRaw(fd int, speed uint32) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return err
	}
	// Exclusive use: a second opener (a getty, another agent) would steal
	// half the bytes. Root ignores it; that is fine.
	if err := unix.IoctlSetInt(fd, unix.TIOCEXCL, 0); err != nil {
		return err
	}
	return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
}

// Read reads raw bytes. An error wrapping ErrLost means the device went
// away (unplugged, or the other end of a pseudo-terminal closed).
func (p *Port) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	return n, p.wrap(err)
}

// Write writes raw bytes; see Read for ErrLost.
func (p *Port) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	return n, p.wrap(err)
}

// SetReadDeadline and SetWriteDeadline bound a blocked call, as on a net.Conn.
func (p *Port) SetReadDeadline(t time.Time) error  { return p.f.SetReadDeadline(t) }
func (p *Port) SetWriteDeadline(t time.Time) error { return p.f.SetWriteDeadline(t) }

// Close closes the port; a Read blocked on it returns os.ErrClosed.
func (p *Port) Close() error { return p.f.Close() }

// Path is the name the port was opened by.
func (p *Port) Path() string { return p.path }

// wrap marks the errors a vanished device gives. A tty whose hardware is
// gone answers EIO (or ENXIO/ENODEV); a hung-up line reads end of file.
func (p *Port) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF, errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%s: %w (%v)", p.path, ErrLost, err)
	}
	return err
}
