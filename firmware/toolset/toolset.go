// Package toolset turns the [[tool]] entries of the configuration into the
// actions a model may call: GPIO outputs and inputs, PWM, sensor files and
// fixed commands. Only declared tools exist, and each touches only what its
// entry names: the pin, the file, the argv are fixed by the configuration;
// the model chooses among the values declared there and nothing else.
//
// Each tool gives a JSON Schema for its arguments, which a grammar turns
// into a constraint on the model's output, so that an undeclared value
// cannot be generated. Call does not rely on that: it checks the arguments
// again against the same declaration (one source for both, so they cannot
// drift apart), because a call may also come from a client of the server
// or anything else that speaks JSON. Then it applies the tool's rate limit,
// acts, and logs the call with its arguments and its result. In a dry run
// it logs the same without acting.
//
// Hardware is reached through small interfaces, as periph.io does:
// gpio.PinIO pins found by name through a PinOpener (tests hand in
// gpiotest.Pin), a Clock for rate limits and pulses, a Runner for
// commands (ExecRunner runs them with os/exec, never through a shell).
// Sensors are files at the configured path, so a test points it at a
// temporary directory.
package toolset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/config"
)

// Errors a caller may branch on: the call was refused before anything was
// touched. They come wrapped, with the tool and the reason.
var (
	ErrUnknownTool = errors.New("no such tool")
	ErrArguments   = errors.New("invalid arguments")
	ErrRateLimited = errors.New("rate limited")
)

// PinOpener finds a pin by its periph.io name (board.OpenPin on a board).
type PinOpener func(name string) (gpio.PinIO, error)

// Clock is the time as tools see it: rate limits read it and pulses wait on
// it, so tests run both on a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx ends, which it reports.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Options are how a Set acts. The zero value acts for real, logs nowhere,
// and uses the system clock and os/exec.
type Options struct {
	// DryRun logs every call and its would-be result without acting: no
	// pin is configured or driven and no command runs. Pins are still
	// looked up, so a misspelt pin fails at start; gpio_read reports the
	// level without configuring the pin, and sensors are read (a file
	// read changes nothing).
	DryRun bool
	Logger *slog.Logger // every call, refused ones included; nil: none
	Clock  Clock        // nil: SystemClock
	Runner Runner       // nil: ExecRunner
}

// Info is what a model is told about a tool.
type Info struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"arguments"` // a JSON Schema for the arguments object
}

// Set is the tools of one configuration.
type Set struct {
	log    *slog.Logger
	tools  []*Tool
	byName map[string]*Tool
	pins   []gpio.PinIO
}

// Tool is one declared tool. Its calls are serialized: a pulse holds the
// tool until the level is restored.
type Tool struct {
	name, description, kind string
	params                  []param
	schema                  json.RawMessage
	// act does the work, or in a dry run says what it would do; a is
	// checked already.
	act func(ctx context.Context, a args, dry bool) (map[string]any, error)

	dry   bool
	log   *slog.Logger
	clock Clock
	mu    sync.Mutex
	limit rateLimit
}

// maxLog bounds the arguments a log line shows: they come from a model or
// a client, and a log line should stay a line.
const maxLog = 512

// New builds the tools of cfg, a configuration's Tools as
// config.Validate leaves them (defaults filled, pin roles resolved). It
// opens the pins of gpio and pwm tools through open but sets nothing on
// them until a call.
func New(cfg []config.Tool, open PinOpener, opts Options) (*Set, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Runner == nil {
		opts.Runner = ExecRunner{}
	}
	s := &Set{log: opts.Logger, byName: map[string]*Tool{}}
	for i := range cfg {
		c := &cfg[i]
		t, err := s.build(c, open, opts)
		if err != nil {
			return nil, fmt.Errorf("tool[%d] %q: %w", i, c.Name, err)
		}
		if s.byName[t.name] != nil {
			return nil, fmt.Errorf("tool[%d]: %q declared twice", i, t.name)
		}
		t.schema = schemaOf(t.params)
		t.dry, t.log, t.clock = opts.DryRun, opts.Logger, opts.Clock
		t.limit = rateLimit{perMinute: c.PerMinute, minInterval: c.MinInterval.Duration}
		s.tools = append(s.tools, t)
		s.byName[t.name] = t
	}
	return s, nil
}

// build makes the kind-specific part of a tool.
func (s *Set) build(c *config.Tool, open PinOpener, opts Options) (*Tool, error) {
	if c.PerMinute < 1 {
		// Validate always sets it: this configuration was not validated,
		// and its defaults (the rate limit among them) are missing.
		return nil, errors.New("not validated (config.Validate fills the defaults)")
	}
	t := &Tool{name: c.Name, description: c.Description, kind: c.Kind}
	pin := func() (gpio.PinIO, error) {
		if open == nil {
			return nil, errors.New("no way to open pins")
		}
		p, err := open(c.Pin)
		if err != nil {
			return nil, err
		}
		s.pins = append(s.pins, p)
		return p, nil
	}
	var err error
	switch c.Kind {
	case config.KindGPIOWrite:
		err = buildGPIOWrite(t, c, pin, opts.Clock)
	case config.KindGPIORead:
		err = buildGPIORead(t, c, pin)
	case config.KindPWM:
		err = buildPWM(t, c, pin)
	case config.KindSensor:
		err = buildSensor(t, c)
	case config.KindCommand:
		err = buildCommand(t, c, opts.Runner)
	default:
		err = fmt.Errorf("kind %q: want one of %s", c.Kind, strings.Join(config.Kinds, ", "))
	}
	return t, err
}

// List describes every tool, in the configuration's order.
func (s *Set) List() []Info {
	out := make([]Info, len(s.tools))
	for i, t := range s.tools {
		out[i] = t.Info()
	}
	return out
}

// Tool returns the tool with that name, or nil.
func (s *Set) Tool(name string) *Tool { return s.byName[name] }

// Call calls the tool with that name; see Tool.Call.
func (s *Set) Call(ctx context.Context, name string, args []byte) ([]byte, error) {
	t := s.byName[name]
	if t == nil {
		names := make([]string, len(s.tools))
		for i, t := range s.tools {
			names[i] = t.name
		}
		sort.Strings(names)
		err := fmt.Errorf("%w %q (there are: %s)", ErrUnknownTool, name, strings.Join(names, ", "))
		s.log.Warn("tool call refused", "tool", name, "args", clip(args, maxLog), "error", err)
		return nil, err
	}
	return t.Call(ctx, args)
}

// Close releases the pins (periph's Halt: PWM stops). It leaves output
// levels as they are: a fan switched on stays on when the agent stops.
func (s *Set) Close() error {
	var errs []error
	for _, p := range s.pins {
		if err := p.Halt(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
	}
	s.pins = nil
	return errors.Join(errs...)
}

// Name is what the model calls the tool.
func (t *Tool) Name() string { return t.name }

// Description is the configuration's description, for the model.
func (t *Tool) Description() string { return t.description }

// Kind is the configuration's kind (config.KindGPIOWrite and so on).
func (t *Tool) Kind() string { return t.kind }

// Schema is the JSON Schema of the arguments: an object with only the
// declared properties, each an enum or an integer range.
func (t *Tool) Schema() json.RawMessage { return slices.Clone(t.schema) }

// Info is the tool's name, description and schema.
func (t *Tool) Info() Info {
	return Info{Name: t.name, Description: t.description, Schema: t.Schema()}
}

// Call checks args (a JSON object; empty means {}) against the tool's
// declaration, applies the rate limit, acts (or in a dry run does not),
// logs, and returns the result as a JSON object. A refusal wraps
// ErrArguments or ErrRateLimited and touches nothing; an error while
// acting (a pin driver's, a command's timeout) is returned as it is. A
// command that exits non-zero is a result, not an error: it ran.
func (t *Tool) Call(ctx context.Context, args []byte) ([]byte, error) {
	a, err := parseArgs(args, t.params)
	if err != nil {
		err = fmt.Errorf("%s: %w: %v", t.name, ErrArguments, err)
		t.log.Warn("tool call refused", "tool", t.name, "args", clip(args, maxLog), "error", err)
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if wait, err := t.limit.admit(t.clock.Now()); err != nil {
		err = fmt.Errorf("%s: %w: %v; try again in %v", t.name, ErrRateLimited, err, wait.Round(time.Millisecond))
		t.log.Warn("tool call refused", "tool", t.name, "args", clip(args, maxLog), "error", err)
		return nil, err
	}
	res, err := t.act(ctx, a, t.dry)
	if err != nil {
		err = fmt.Errorf("%s: %w", t.name, err)
		t.log.Error("tool call failed", "tool", t.name, "args", clip(args, maxLog), "dry_run", t.dry, "error", err)
		return nil, err
	}
	if t.dry {
		res["dry_run"] = true
	}
	out, err := json.Marshal(res)
	if err != nil {
		err = fmt.Errorf("%s: result: %w", t.name, err)
		t.log.Error("tool call failed", "tool", t.name, "args", clip(args, maxLog), "dry_run", t.dry, "error", err)
		return nil, err
	}
	t.log.Info("tool call", "tool", t.name, "args", clip(args, maxLog), "result", string(out), "dry_run", t.dry)
	return out, nil
}

// clip is b as a log value, cut to n bytes.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// rateLimit admits at most perMinute calls in any 60 seconds, and none
// sooner than minInterval after the last.
type rateLimit struct {
	perMinute   int
	minInterval time.Duration
	recent      []time.Time // admitted calls in the last minute, oldest first
	last        time.Time   // the last admitted call
}

// admit records a call at now, or says why not and how long to wait.
func (r *rateLimit) admit(now time.Time) (time.Duration, error) {
	i := 0
	for i < len(r.recent) && now.Sub(r.recent[i]) >= time.Minute {
		i++
	}
	r.recent = append(r.recent[:0], r.recent[i:]...)
	if !r.last.IsZero() && now.Sub(r.last) < r.minInterval {
		return r.last.Add(r.minInterval).Sub(now), fmt.Errorf("at most one call every %v", r.minInterval)
	}
	if len(r.recent) >= r.perMinute {
		return r.recent[0].Add(time.Minute).Sub(now), fmt.Errorf("at most %d calls a minute", r.perMinute)
	}
	r.recent = append(r.recent, now)
	r.last = now
	return 0, nil
}
