// Package buttons turns GPIO inputs into button presses, through periph.io's
// pin interfaces (periph.io/x/conn/v3/gpio): code here takes a gpio.PinIn,
// so tests hand it a gpiotest.Pin and boards a real pin.
//
// Debouncing is a pin wrapper (Debounce), as in periph's gpioutil, rather
// than a flag on the button: a mechanical contact bounces for a few
// milliseconds when it closes and again when it opens, and the wrapper
// swallows those extra edges before anything else sees them.
package buttons

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// pollEvery bounds how long Watch waits for an edge before looking at its
// context again, so a stop is noticed promptly on drivers whose
// WaitForEdge cannot be interrupted.
const pollEvery = 100 * time.Millisecond

// Debounce returns p with its edges thinned: an edge is reported at once
// (a button should feel immediate), then every edge within window after it
// is swallowed. now is the clock (nil: time.Now); tests pass a fake one.
// Only WaitForEdge changes; In, Read and the rest go to p.
func Debounce(p gpio.PinIn, window time.Duration, now func() time.Time) gpio.PinIn {
	if window <= 0 {
		return p
	}
	if now == nil {
		now = time.Now
	}
	return &debounced{PinIn: p, window: window, now: now}
}

type debounced struct {
	gpio.PinIn
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	last time.Time // when the last reported edge came
}

// WaitForEdge implements gpio.PinIn.
func (d *debounced) WaitForEdge(timeout time.Duration) bool {
	for {
		if !d.PinIn.WaitForEdge(timeout) {
			return false
		}
		t := d.now()
		d.mu.Lock()
		quiet := d.last.IsZero() || t.Sub(d.last) >= d.window
		if quiet {
			d.last = t
		}
		d.mu.Unlock()
		if quiet {
			return true
		}
	}
}

// String implements conn.Resource.
func (d *debounced) String() string { return d.PinIn.String() + " (debounced)" }

// Button is a push button on a GPIO input.
type Button struct {
	Pin  gpio.PinIn // debounced already, if it needs it
	Pull gpio.Pull  // the pin's resistor: PullUp for a button to ground
	// Edge is the edge a press makes: FallingEdge when pressing pulls the
	// line low (pull-up, button to ground), RisingEdge when it drives it
	// high, BothEdges to count every change.
	Edge gpio.Edge
}

// Setup configures the pin as an input with its pull, listening to both
// edges whatever Edge says: a press is an edge after which the line is at
// the pressed level, so a release (and the bouncing of a release) does not
// count as a press, where a driver that reported only falling edges would
// let the bounce of a release through once the debounce window had passed.
// Setup is separate from Watch so that a bad pin fails at start.
func (b Button) Setup() error {
	if b.Edge == gpio.NoEdge {
		return fmt.Errorf("button %s: no edge to watch", b.Pin)
	}
	if err := b.Pin.In(b.Pull, gpio.BothEdges); err != nil {
		return fmt.Errorf("button %s: %w", b.Pin, err)
	}
	return nil
}

// Watch calls press for every press until ctx ends, then turns edge
// detection off. Call Setup first.
func (b Button) Watch(ctx context.Context, press func()) {
	defer b.Pin.In(gpio.PullNoChange, gpio.NoEdge)
	for ctx.Err() == nil {
		if !b.Pin.WaitForEdge(pollEvery) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		switch l := b.Pin.Read(); {
		case b.Edge == gpio.BothEdges,
			b.Edge == gpio.FallingEdge && l == gpio.Low,
			b.Edge == gpio.RisingEdge && l == gpio.High:
			press()
		}
	}
}

// ParsePull reads a pull setting as configuration files spell it.
func ParsePull(s string) (gpio.Pull, error) {
	switch strings.ToLower(s) {
	case "up":
		return gpio.PullUp, nil
	case "down":
		return gpio.PullDown, nil
	case "none", "float":
		return gpio.Float, nil
	case "", "keep":
		return gpio.PullNoChange, nil
	}
	return 0, fmt.Errorf("pull %q: want up, down, none or keep", s)
}

// ParseEdge reads the edge of a press as configuration files spell it.
func ParseEdge(s string) (gpio.Edge, error) {
	switch strings.ToLower(s) {
	case "falling":
		return gpio.FallingEdge, nil
	case "rising":
		return gpio.RisingEdge, nil
	case "both":
		return gpio.BothEdges, nil
	}
	return 0, fmt.Errorf("edge %q: want falling, rising or both", s)
}
