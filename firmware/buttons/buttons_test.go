package buttons_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/gosling-edge/gosling/firmware/buttons"
)

// edge is one change of a fake pin's level, at a time after the start.
type edge struct {
	at    time.Duration
	level gpio.Level
}

// run watches a button (pull-up, pressed = low) on a gpiotest pin
// debounced over window, plays the edges into it, and returns the number
// of presses. The debouncer reads the clock once per edge it sees, so the
// fake clock hands out each edge's time in turn: the timing is exact
// whatever the goroutines' schedule. The last edge must be a press; when
// it arrives every earlier edge has been handled, so the count is final.
func run(t *testing.T, window time.Duration, edges []edge) int {
	t.Helper()
	base := time.Unix(1000, 0)
	var mu sync.Mutex
	next := 0
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(edges) {
			t.Error("clock read more often than once per edge")
			return base
		}
		next++
		return base.Add(edges[next-1].at)
	}
	pin := &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level)}
	b := buttons.Button{Pin: buttons.Debounce(pin, window, now), Pull: gpio.PullUp, Edge: gpio.FallingEdge}
	if err := b.Setup(); err != nil {
		t.Fatal(err)
	}
	if pin.Pull() != gpio.PullUp || pin.Read() != gpio.High {
		t.Errorf("after Setup: pull %s level %s, want up and high", pin.Pull(), pin.Read())
	}
	ctx, cancel := context.WithCancel(context.Background())
	presses := make(chan time.Duration, len(edges))
	done := make(chan struct{})
	go func() {
		b.Watch(ctx, func() {
			mu.Lock()
			presses <- edges[next-1].at
			mu.Unlock()
		})
		close(done)
	}()
	for _, e := range edges {
		pin.EdgesChan <- e.level // unbuffered: returns once the watcher took it
	}
	last := edges[len(edges)-1].at
	n := 0
	for at := range presses {
		n++
		if at == last {
			break
		}
	}
	cancel()
	<-done
	return n
}

func TestPressAndRelease(t *testing.T) {
	n := run(t, 50*time.Millisecond, []edge{
		{0, gpio.Low},                // press
		{time.Second, gpio.High},     // release: not a press
		{2 * time.Second, gpio.Low},  // press
		{3 * time.Second, gpio.High}, // release
		{4 * time.Second, gpio.Low},  // press
	})
	if n != 3 {
		t.Errorf("%d presses, want 3", n)
	}
}

// TestBounceFiresOnce: a contact that bounces 50 times within the window
// is one press, and the bouncing of its release is none.
func TestBounceFiresOnce(t *testing.T) {
	var edges []edge
	for i := range 50 {
		at := time.Duration(i) * time.Millisecond / 2 // 50 bounces in 25 ms
		edges = append(edges, edge{at, gpio.Low}, edge{at + time.Millisecond/4, gpio.High})
	}
	edges = append(edges, edge{30 * time.Millisecond, gpio.Low}) // settles closed
	for i := range 10 {                                          // released 500 ms later, bouncing again
		at := 500*time.Millisecond + time.Duration(i)*time.Millisecond
		edges = append(edges, edge{at, gpio.High}, edge{at + time.Millisecond/2, gpio.Low})
	}
	edges = append(edges, edge{520 * time.Millisecond, gpio.High}) // settles open
	edges = append(edges, edge{2 * time.Second, gpio.Low})         // a real second press
	if n := run(t, 50*time.Millisecond, edges); n != 2 {
		t.Errorf("%d presses, want 2: one for the 50 bounces, one for the second press", n)
	}
}

func TestSetupErrors(t *testing.T) {
	// gpiotest refuses edge detection without an edge channel, as a
	// driver refuses a pin that cannot interrupt.
	b := buttons.Button{Pin: &gpiotest.Pin{N: "X"}, Pull: gpio.PullUp, Edge: gpio.FallingEdge}
	if err := b.Setup(); err == nil {
		t.Error("pin without edges accepted")
	}
	b = buttons.Button{Pin: &gpiotest.Pin{N: "X", EdgesChan: make(chan gpio.Level)}}
	if err := b.Setup(); err == nil {
		t.Error("button without an edge accepted")
	}
}

func TestParse(t *testing.T) {
	if p, err := buttons.ParsePull("Up"); err != nil || p != gpio.PullUp {
		t.Errorf("up: %v %v", p, err)
	}
	if e, err := buttons.ParseEdge("rising"); err != nil || e != gpio.RisingEdge {
		t.Errorf("rising: %v %v", e, err)
	}
	if _, err := buttons.ParsePull("sideways"); err == nil {
		t.Error("bad pull accepted")
	}
	if _, err := buttons.ParseEdge(""); err == nil {
		t.Error("empty edge accepted")
	}
}
