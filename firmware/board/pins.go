package board

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

var (
	hostOnce sync.Once
	hostErr  error
)

// OpenPin returns the real GPIO pin with that name (as periph.io's
// gpioreg knows it: "GPIO17" on a Pi, a line name such as "PQ.05" on a
// Jetson), loading periph's host drivers on first use. Only the
// real-hardware path calls it; tests hand pins in directly.
func OpenPin(name string) (gpio.PinIO, error) {
	hostOnce.Do(func() {
		if _, err := host.Init(); err != nil {
			hostErr = fmt.Errorf("loading GPIO drivers: %w", err)
		}
	})
	if hostErr != nil {
		return nil, hostErr
	}
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("no GPIO pin named %q on this board (is the user in the gpio group?)", name)
	}
	return p, nil
}
