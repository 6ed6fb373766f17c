package agent_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/agent"
)

func TestButtonFiresTemplate(t *testing.T) {
	eng := newFake()
	pin := newPin("GPIO17")
	var out syncBuffer
	at := time.Date(2026, 3, 14, 15, 9, 0, 0, time.UTC)
	start(t, agent.Options{
		Engine: eng, Board: "Test Board", Output: &out,
		Buttons: []agent.Button{{Name: "joke", Pin: pin, Pull: gpio.PullUp, Edge: gpio.FallingEdge,
			Prompt: "A joke for {board} ({button}) at {time}."}},
		Clock: func() time.Time { return at },
	})
	pin.EdgesChan <- gpio.Low
	want := "A joke for Test Board (joke) at 15:09."
	if got := waitFor(t, eng.started, "answer"); got != want {
		t.Errorf("prompt %q, want %q", got, want)
	}
	_, ins, _ := pin.record()
	if len(ins) == 0 || ins[0] != "PullUp/BothEdges" {
		t.Errorf("pin set up as %v, want pull-up with both edges", ins)
	}
}

// scheduleClock hands out the times of a list of edges, one per reading:
// the debouncer reads the clock once per edge, so each edge is seen at its
// own time whatever the goroutines' schedule.
func scheduleClock(t *testing.T, times []time.Duration) func() time.Time {
	var mu sync.Mutex
	base := time.Unix(1000, 0)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if len(times) == 0 {
			t.Error("clock read more often than once per edge")
			return base
		}
		d := times[0]
		times = times[1:]
		return base.Add(d)
	}
}

// TestFiftyPressesFireOnce: 50 presses within the debounce window (a
// bouncing contact, or an impatient thumb) send one prompt.
func TestFiftyPressesFireOnce(t *testing.T) {
	eng := newFake()
	pin := newPin("GPIO17")
	var times []time.Duration
	var levels []gpio.Level
	for i := range 50 { // 100 edges in 40 ms; the window is 50 ms
		times = append(times, time.Duration(2*i)*400*time.Microsecond, time.Duration(2*i+1)*400*time.Microsecond)
		levels = append(levels, gpio.Low, gpio.High)
	}
	times = append(times, time.Second) // one more press, well after
	levels = append(levels, gpio.Low)
	a, stop := start(t, agent.Options{
		Engine: eng, Debounce: 50 * time.Millisecond, Clock: scheduleClock(t, times), QueueSize: 10,
		Buttons: []agent.Button{{Name: "b", Pin: pin, Pull: gpio.PullUp, Edge: gpio.FallingEdge, Prompt: "go"}},
	})
	for _, l := range levels {
		pin.EdgesChan <- l // unbuffered: returns once the watcher took it
	}
	waitFor(t, eng.started, "first answer")
	waitFor(t, eng.started, "second answer")
	// The last press was handled after every bounce before it, so the
	// count is final: any extra prompt would already be answered or queued.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n, st := len(eng.promptList()), a.Status(); n != 2 || !strings.Contains(st, "queued: 0") {
		t.Errorf("%d prompts answered (status %q) from 50 bounces and one press, want 2 and none queued", n, st)
	}
}

func TestBusyLEDOrder(t *testing.T) {
	eng := newFake()
	led := newPin("GPIO23")
	var during []gpio.Level
	eng.during = func() { during = append(during, led.Read()) }
	a, stop := start(t, agent.Options{Engine: eng, BusyLED: led, QueueSize: 4})
	for _, p := range []string{"one", "two"} {
		if _, err := a.Submit("test", p); err != nil {
			t.Fatal(err)
		}
		waitFor(t, eng.started, "answer")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	outs, _, halted := led.record()
	// Off at start, on/off around each answer, off at shutdown.
	want := []gpio.Level{gpio.Low, gpio.High, gpio.Low, gpio.High, gpio.Low, gpio.Low}
	if !slices.Equal(outs, want) {
		t.Errorf("LED went %v, want %v", outs, want)
	}
	if !slices.Equal(during, []gpio.Level{gpio.High, gpio.High}) {
		t.Errorf("LED during the answers: %v, want on", during)
	}
	if halted == 0 {
		t.Error("LED pin not released")
	}
}

func TestAbortButton(t *testing.T) {
	eng := newFake()
	eng.block = true
	abort := newPin("GPIO22")
	led := newPin("GPIO23")
	var out syncBuffer
	a, _ := start(t, agent.Options{Engine: eng, Output: &out, BusyLED: led,
		Abort: &agent.Button{Name: "abort", Pin: abort, Pull: gpio.PullUp, Edge: gpio.FallingEdge}})
	if _, err := a.Submit("test", "a long story"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, eng.started, "answer")
	abort.EdgesChan <- gpio.Low
	// The answer ends with [stopped]; the next prompt is answered.
	if _, err := a.Submit("test", "next"); err != nil {
		t.Fatal(err)
	}
	if got := waitFor(t, eng.started, "next answer"); got != "next" {
		t.Fatalf("next answer was to %q", got)
	}
	if s := out.String(); !strings.Contains(s, "echo #1: a long story [stopped]\n") {
		t.Errorf("output %q does not show the stopped answer", s)
	}
	if st := a.Status(); !strings.Contains(st, "stopped: 1") {
		t.Errorf("status %q", st)
	}
	close(eng.release)
}

func TestBusyPolicies(t *testing.T) {
	t.Run("drop", func(t *testing.T) {
		eng := newFake()
		eng.block = true
		a, _ := start(t, agent.Options{Engine: eng, Busy: agent.Drop})
		if _, err := a.Submit("t", "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Submit("t", "second"); !errors.Is(err, agent.ErrBusy) {
			t.Errorf("second prompt while busy: %v, want ErrBusy", err)
		}
		close(eng.release)
	})
	t.Run("queue", func(t *testing.T) {
		eng := newFake()
		eng.block = true
		a, _ := start(t, agent.Options{Engine: eng, Busy: agent.Queue, QueueSize: 2})
		a.Submit("t", "p1")
		waitFor(t, eng.started, "answer") // p1 is being answered
		for i, p := range []string{"p2", "p3"} {
			if ahead, err := a.Submit("t", p); err != nil || ahead != i+1 {
				t.Fatalf("%s: ahead %d, %v", p, ahead, err)
			}
		}
		if _, err := a.Submit("t", "p4"); !errors.Is(err, agent.ErrBusy) {
			t.Errorf("prompt beyond the queue: %v, want ErrBusy", err)
		}
		close(eng.release)
		waitFor(t, eng.started, "answer")
		waitFor(t, eng.started, "answer")
		if got := eng.promptList(); !slices.Equal(got, []string{"p1", "p2", "p3"}) {
			t.Errorf("answered %v, want p1 p2 p3 in order", got)
		}
		if st := a.Status(); !strings.Contains(st, "dropped: 1") {
			t.Errorf("status %q", st)
		}
	})
}

// TestShutdown: stopping the agent cuts the answer, saves the state and
// releases every pin.
func TestShutdown(t *testing.T) {
	eng := newFake()
	eng.block = true
	btn, abort, led := newPin("GPIO17"), newPin("GPIO22"), newPin("GPIO23")
	var out syncBuffer
	state := t.TempDir() + "/agent.state"
	a, stop := start(t, agent.Options{Engine: eng, Output: &out, StateOut: state, BusyLED: led,
		Buttons: []agent.Button{{Name: "b", Pin: btn, Pull: gpio.PullUp, Edge: gpio.FallingEdge, Prompt: "x"}},
		Abort:   &agent.Button{Name: "abort", Pin: abort, Pull: gpio.PullUp, Edge: gpio.FallingEdge}})
	a.Submit("test", "endless")
	waitFor(t, eng.started, "answer")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[cut: shutting down]") {
		t.Errorf("output %q: answer not cut", out.String())
	}
	// The stop status counts the answer that shutdown cut short.
	if st := a.Status(); !strings.Contains(st, "answered: 0, cut by shutdown: 1,") {
		t.Errorf("status after stop: %q", st)
	}
	if len(eng.saved) != 1 || eng.saved[0] != state {
		t.Errorf("state saved to %v, want %s", eng.saved, state)
	}
	if outs, _, _ := led.record(); outs[len(outs)-1] != gpio.Low {
		t.Errorf("LED left %v", outs[len(outs)-1])
	}
	for _, p := range []*recPin{btn, abort, led} {
		_, ins, halted := p.record()
		if halted == 0 {
			t.Errorf("%s not halted", p)
		}
		if len(ins) > 0 && ins[len(ins)-1] != "PullNoChange/NoEdge" {
			t.Errorf("%s: edge detection left on (%v)", p, ins)
		}
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := agent.New(agent.Options{}); err == nil {
		t.Error("no engine accepted")
	}
	// A pin that cannot detect edges (no edge channel in gpiotest) fails
	// at New, naming the button.
	p := newPin("GPIO5")
	p.EdgesChan = nil
	_, err := agent.New(agent.Options{Engine: newFake(),
		Buttons: []agent.Button{{Name: "red", Pin: p, Pull: gpio.PullUp, Edge: gpio.FallingEdge, Prompt: "x"}}})
	if err == nil || !strings.Contains(err.Error(), "red") {
		t.Errorf("error %v does not name the button", err)
	}
}
