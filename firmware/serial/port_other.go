//go:build !linux

package serial

import (
	"fmt"
	"time"
)

// Port is a serial port; only Linux boards are supported.
type Port struct{}

// Open reports that serial ports need Linux.
func Open(path string, baud int) (*Port, error) {
	if _, err := speedCode(baud); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%s: serial ports are supported on Linux only", path)
}

func probe(path string) error {
	return fmt.Errorf("%s: serial ports are supported on Linux only", path)
}

var baudRates = map[int]uint32{1200: 0, 2400: 0, 4800: 0, 9600: 0, 19200: 0, 38400: 0, 57600: 0, 115200: 0, 230400: 0, 460800: 0, 921600: 0}

func (p *Port) Read(b []byte) (int, error)         { return 0, ErrLost }
func (p *Port) Write(b []byte) (int, error)        { return 0, ErrLost }
func (p *Port) SetReadDeadline(t time.Time) error  { return nil }
func (p *Port) SetWriteDeadline(t time.Time) error { return nil }
func (p *Port) Close() error                       { return nil }
func (p *Port) Path() string                       { return "" }
