// Package agent is the board's assistant loop: prompts arrive as lines on a
// serial console or as GPIO button presses, one answer is generated at a
// time and streamed back, a busy LED shows it working, an abort button (or
// Ctrl-C on the console) cuts it short. Package firmware's documentation
// shows where it sits among the board packages.
//
// The agent owns no hardware detail: it takes periph.io pins (gpio.PinIn,
// gpio.PinOut), a serial.Device, and an Engine for the model, so tests run
// it with gpiotest pins, pseudo-terminals and a fake or small real model.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/buttons"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/serial"
)

// Busy is what happens to a prompt that arrives while an answer is being
// generated.
type Busy int

const (
	// Queue keeps up to QueueSize prompts waiting, in order.
	Queue Busy = iota
	// Drop refuses every prompt while one is being answered.
	Drop
)

// ErrBusy is returned by Submit for a prompt that was not accepted.
var ErrBusy = errors.New("busy")

// Button is a button that sends a prompt.
type Button struct {
	Name   string     // for logs and the template's {button}
	Pin    gpio.PinIn // the raw pin; the agent debounces it
	Pull   gpio.Pull
	Edge   gpio.Edge // the edge a press makes
	Prompt string    // template, see config.Expand
}

// Options configure an agent. Only Engine is required.
type Options struct {
	Engine Engine
	Board  string // the board's name, for the banner and {board}

	// Serial is the console; nil for none. Echo and MaxLine set its line
	// editor (see serial.LineReader).
	Serial  *serial.Device
	Echo    bool
	MaxLine int
	// SerialAnswers sends the answers to button prompts to the console
	// too (answers to console prompts always go there).
	SerialAnswers bool
	// Output, if set, gets every answer after a "[source] prompt" line
	// (standard output, a file). Its write errors are logged, not fatal.
	Output io.Writer

	Buttons  []Button
	Abort    *Button     // Prompt unused
	BusyLED  gpio.PinOut // on while answering; nil for none
	Debounce time.Duration

	Busy      Busy
	QueueSize int // for Queue; at least 1

	// StateOut is where the conversation's state is saved at shutdown
	// and by /save; "" for nowhere.
	StateOut string

	Logf  func(format string, args ...any) // nil: no logs
	Clock func() time.Time                 // nil: time.Now (debouncing, {time}, {date})
}

// job is one prompt to answer.
type job struct {
	source  string // "serial" or "button NAME"
	prompt  string
	console bool // came from the console: the answer goes back there
}

// Agent is a running assistant. Make one with New, run it with Run.
type Agent struct {
	opt     Options
	buttons []buttons.Button // debounced, set up
	abort   *buttons.Button
	console *console
	out     *logWriter

	mu      sync.Mutex
	pending []job
	current *job
	cancel  context.CancelFunc // cuts the current answer
	aborted bool               // the current answer was cut by Abort
	// answered: finished; stopped: cut by Abort; cut: cut by the agent
	// stopping (an answer half-written when SIGTERM came is still work
	// done, and the stop status must show it).
	counts   struct{ answered, dropped, stopped, cut, failed int }
	engineSt string // Engine.Status() after the last change
	wake     chan struct{}

	engineMu sync.Mutex // held while the engine works
}

// New checks the options and sets the pins up (inputs with their pulls,
// the LED off), so that a wrong pin fails here, before Run.
func New(opt Options) (*Agent, error) {
	if opt.Engine == nil {
		return nil, errors.New("agent: no engine")
	}
	if opt.Busy == Queue && opt.QueueSize < 1 {
		opt.QueueSize = 1
	}
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	if opt.Serial != nil {
		// A console that can never work (a file that is no tty, a
		// directory that does not exist) fails here, before the agent
		// says it is ready. Nothing is opened: the port stays untouched.
		if err := opt.Serial.Check(); err != nil {
			return nil, fmt.Errorf("serial: %w", err)
		}
	}
	if opt.Serial != nil && opt.Serial.Logf == nil {
		d := *opt.Serial // the port's comings and goings go to the agent's log
		d.Logf = opt.Logf
		opt.Serial = &d
	}
	a := &Agent{opt: opt, wake: make(chan struct{}, 1), console: &console{logf: opt.Logf}}
	if opt.Output != nil {
		a.out = &logWriter{w: opt.Output, logf: opt.Logf}
	}
	setup := func(b *Button) (buttons.Button, error) {
		if b.Pin == nil {
			return buttons.Button{}, fmt.Errorf("button %s: no pin", b.Name)
		}
		bb := buttons.Button{Pin: buttons.Debounce(b.Pin, opt.Debounce, opt.Clock), Pull: b.Pull, Edge: b.Edge}
		if err := bb.Setup(); err != nil {
			return bb, fmt.Errorf("button %s: %w", b.Name, err)
		}
		return bb, nil
	}
	for i := range opt.Buttons {
		bb, err := setup(&opt.Buttons[i])
		if err != nil {
			return nil, err
		}
		a.buttons = append(a.buttons, bb)
	}
	if opt.Abort != nil {
		bb, err := setup(opt.Abort)
		if err != nil {
			return nil, err
		}
		a.abort = &bb
	}
	if opt.BusyLED != nil {
		if err := opt.BusyLED.Out(gpio.Low); err != nil {
			return nil, fmt.Errorf("busy LED %s: %w", opt.BusyLED, err)
		}
	}
	a.engineSt = opt.Engine.Status()
	return a, nil
}

// Run serves prompts until ctx ends, then shuts down cleanly: the answer
// in progress is cut, the state is saved (StateOut), the LED is turned off
// and every pin released. It returns the error of a failed save, or of a
// serial configuration that cannot work.
func (a *Agent) Run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var serialErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.work(ctx)
	}()
	for i, b := range a.buttons {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.Watch(ctx, func() { a.press(&a.opt.Buttons[i]) })
		}()
	}
	if a.abort != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.abort.Watch(ctx, func() {
				if a.Abort() {
					a.opt.Logf("abort button: answer stopped")
				}
			})
		}()
	}
	if a.opt.Serial != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serialErr = a.opt.Serial.Serve(ctx, a.serveConsole)
			if serialErr != nil {
				stop() // a console that can never work: stop the agent
			}
		}()
	}
	<-ctx.Done()
	wg.Wait()
	return errors.Join(serialErr, a.shutdown())
}

// shutdown saves the state and releases the pins; the goroutines are done.
func (a *Agent) shutdown() error {
	var errs []error
	if a.opt.StateOut != "" {
		if err := a.opt.Engine.SaveState(a.opt.StateOut); err != nil {
			errs = append(errs, fmt.Errorf("saving the state: %w", err))
		} else {
			a.opt.Logf("state saved to %s", a.opt.StateOut)
		}
	}
	if led := a.opt.BusyLED; led != nil {
		led.Out(gpio.Low)
		led.Halt()
	}
	for _, b := range a.opt.Buttons {
		b.Pin.Halt()
	}
	if a.opt.Abort != nil {
		a.opt.Abort.Pin.Halt()
	}
	return errors.Join(errs...)
}

// Submit queues a prompt; source names it in logs and outputs. It returns
// ErrBusy (wrapped, with the reason) when the busy policy refuses it, and
// otherwise the number of prompts ahead of it.
func (a *Agent) Submit(source, prompt string) (ahead int, err error) {
	return a.submit(job{source: source, prompt: prompt})
}

func (a *Agent) submit(j job) (int, error) {
	a.mu.Lock()
	ahead := len(a.pending)
	if a.current != nil {
		ahead++
	}
	switch {
	case a.opt.Busy == Drop && ahead > 0:
		a.counts.dropped++
		a.mu.Unlock()
		return 0, fmt.Errorf("%w: answering, prompt dropped", ErrBusy)
	case a.opt.Busy == Queue && len(a.pending) >= a.opt.QueueSize:
		a.counts.dropped++
		waiting := len(a.pending)
		a.mu.Unlock()
		return 0, fmt.Errorf("%w: %d prompts waiting already, prompt dropped", ErrBusy, waiting)
	}
	a.pending = append(a.pending, j)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
	return ahead, nil
}

// press fires a button's prompt.
func (a *Agent) press(b *Button) {
	prompt := config.Expand(b.Prompt, a.opt.Clock, a.opt.Board, b.Name)
	if _, err := a.submit(job{source: "button " + b.Name, prompt: prompt}); err != nil {
		a.opt.Logf("button %s: %v", b.Name, err)
	}
}

// Abort cuts the answer being generated, if any, and reports whether
// there was one. Queued prompts stay queued.
func (a *Agent) Abort() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel == nil || a.aborted {
		return false
	}
	a.aborted = true
	a.cancel()
	return true
}

// Reset drops the queued prompts, cuts the current answer and returns the
// conversation to its start.
func (a *Agent) Reset() error {
	a.mu.Lock()
	a.counts.dropped += len(a.pending)
	a.pending = nil
	a.mu.Unlock()
	a.Abort()
	a.engineMu.Lock()
	defer a.engineMu.Unlock()
	err := a.opt.Engine.Reset()
	a.setEngineStatus()
	return err
}

// SaveState saves the conversation to StateOut, between answers.
func (a *Agent) SaveState() error {
	if a.opt.StateOut == "" {
		return errors.New("no state file configured (chat.state_out)")
	}
	a.engineMu.Lock()
	defer a.engineMu.Unlock()
	return a.opt.Engine.SaveState(a.opt.StateOut)
}

// Status is one line about the agent: busy or idle, the queue, counts,
// the serial port and the engine.
func (a *Agent) Status() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	state := "idle"
	if a.current != nil {
		state = "answering " + a.current.source
	}
	c := a.counts
	s := fmt.Sprintf("%s; queued: %d; answered: %d, cut by shutdown: %d, dropped: %d, stopped: %d, failed: %d",
		state, len(a.pending), c.answered, c.cut, c.dropped, c.stopped, c.failed)
	if a.opt.Serial != nil {
		s += "; serial: " + a.console.status(a.opt.Serial.Path)
	}
	return s + "; model: " + a.engineSt
}

func (a *Agent) setEngineStatus() {
	st := a.opt.Engine.Status()
	a.mu.Lock()
	a.engineSt = st
	a.mu.Unlock()
}

// work answers the prompts one at a time until ctx ends.
func (a *Agent) work(ctx context.Context) {
	for {
		j, jctx, ok := a.next(ctx)
		if !ok {
			return
		}
		a.answer(jctx, j)
		a.mu.Lock()
		a.cancel()
		a.current, a.cancel, a.aborted = nil, nil, false
		a.mu.Unlock()
	}
}

// next waits for a prompt and makes it current.
func (a *Agent) next(ctx context.Context) (job, context.Context, bool) {
	for {
		a.mu.Lock()
		if ctx.Err() == nil && len(a.pending) > 0 {
			j := a.pending[0]
			a.pending = a.pending[1:]
			jctx, cancel := context.WithCancel(ctx)
			a.current, a.cancel = &j, cancel
			a.mu.Unlock()
			return j, jctx, true
		}
		a.mu.Unlock()
		select {
		case <-ctx.Done():
			return job{}, nil, false
		case <-a.wake:
		}
	}
}

// answer runs one prompt through the engine to the outputs.
func (a *Agent) answer(ctx context.Context, j job) {
	a.engineMu.Lock()
	defer a.engineMu.Unlock()
	led := a.opt.BusyLED
	if led != nil {
		if err := led.Out(gpio.High); err != nil {
			a.opt.Logf("busy LED: %v", err)
		}
	}
	var outs []io.Writer
	toConsole := j.console || a.opt.SerialAnswers
	if toConsole {
		if !j.console {
			a.console.text("\n[" + j.source + "] " + j.prompt + "\n")
		}
		outs = append(outs, a.console.textWriter())
	}
	if a.out != nil {
		fmt.Fprintf(a.out, "[%s] %s\n", j.source, j.prompt)
		outs = append(outs, a.out)
	}
	a.opt.Logf("%s: answering %q", j.source, clip(j.prompt, 60))
	err := a.opt.Engine.Answer(ctx, j.prompt, io.MultiWriter(outs...))
	if led != nil {
		led.Out(gpio.Low)
	}
	a.mu.Lock()
	aborted := a.aborted
	tail := "\n"
	switch {
	case err == nil:
		a.counts.answered++
	case ctx.Err() != nil && aborted:
		a.counts.stopped++
		tail = " [stopped]\n"
	case ctx.Err() != nil:
		a.counts.cut++
		tail = " [cut: shutting down]\n"
	default:
		a.counts.failed++
		tail = "\n[error: " + err.Error() + "]\n"
		a.opt.Logf("%s: %v", j.source, err)
	}
	a.mu.Unlock()
	// The status must describe the finished answer before the prompt
	// marker tells the other end that the agent is ready again.
	a.setEngineStatus()
	if toConsole {
		a.console.text(tail)
		a.console.marker()
	}
	if a.out != nil {
		io.WriteString(a.out, tail)
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// logWriter never fails its caller: a full disk or a closed pipe must not
// stop an answer on the other outputs. The first error is logged.
type logWriter struct {
	w      io.Writer
	logf   func(string, ...any)
	failed bool
}

func (l *logWriter) Write(b []byte) (int, error) {
	if _, err := l.w.Write(b); err != nil && !l.failed {
		l.failed = true
		l.logf("output: %v (further errors not logged)", err)
	}
	return len(b), nil
}

// helpText lists the console commands.
const helpText = `commands:
  /help     this list
  /status   what the agent is doing, the queue, the model
  /reset    forget the conversation (back to its start) and drop queued prompts
  /abort    stop the current answer (Ctrl-C does too)
  /save     save the conversation to the state file
anything else is a prompt; the answer streams back here.
`

// command runs a console command and returns its reply.
func (a *Agent) command(line string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch name {
	case "/help", "/?":
		return helpText
	case "/status":
		return "status: " + a.Status() + "\n"
	case "/reset":
		if err := a.Reset(); err != nil {
			return "reset failed: " + err.Error() + "\n"
		}
		return "conversation reset\n"
	case "/abort", "/stop":
		if a.Abort() {
			return ""
		}
		return "nothing to stop\n"
	case "/save":
		if err := a.SaveState(); err != nil {
			return "save failed: " + err.Error() + "\n"
		}
		return "saved to " + a.opt.StateOut + "\n"
	}
	return fmt.Sprintf("unknown command %s; /help lists them\n", name)
}
