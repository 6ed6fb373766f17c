package agent

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/buttons"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/serial"
	"github.com/gosling-edge/gosling/firmware/toolset"
	"github.com/gosling-edge/gosling/runtime"
)

// ModelConfig is the ModelOptions a configuration gives (chat and
// sampling), for a model called name.
func ModelConfig(cfg *config.Config, name string) ModelOptions {
	s := cfg.Sampling
	return ModelOptions{Name: name, System: cfg.Chat.System, StateIn: cfg.Chat.StateIn, MaxTokens: cfg.Chat.MaxTokens,
		Sampler: runtime.SamplerOptions{Temperature: float32(s.Temperature), TopP: float32(s.TopP), TopK: s.TopK,
			Presence: float32(s.Presence), Frequency: float32(s.Frequency), Decay: float32(s.PenaltyDecay), Seed: s.Seed},
	}
}

// Hardware is how Configure reaches the world: the pins by name
// (board.OpenPin on a board, test pins in tests) and standard output.
type Hardware struct {
	OpenPin func(name string) (gpio.PinIO, error)
	Stdout  io.Writer
	// DryRun makes the [[tool]] entries log each call and what it would
	// do, touching nothing (gosling agent --dry-run).
	DryRun bool
}

// Configure is the Options a validated configuration describes, with eng
// answering: the serial console, the outputs, the buttons, the abort
// button and the busy LED, on board. It opens the output file and the
// pins; closeOutput closes the file (a no-op without one).
func Configure(cfg *config.Config, board string, eng Engine, hw Hardware) (opt Options, closeOutput func() error, err error) {
	opt = Options{
		Engine: eng, Board: board, Echo: cfg.Serial.Echo, MaxLine: cfg.Serial.MaxLine,
		SerialAnswers: cfg.Output.Serial, Debounce: cfg.GPIO.Debounce.Duration, QueueSize: cfg.Queue.Size,
		StateOut: cfg.Chat.StateOut,
	}
	closeOutput = func() error { return nil }
	if cfg.Queue.Busy == "drop" {
		opt.Busy = Drop
	}
	if cfg.Serial.Enabled {
		opt.Serial = &serial.Device{Path: cfg.Serial.Device, Baud: cfg.Serial.Baud, Retry: cfg.Serial.Retry.Duration}
	}
	var outs []io.Writer
	if cfg.Output.Stdout {
		outs = append(outs, hw.Stdout)
	}
	if cfg.Output.File != "" {
		f, ferr := os.OpenFile(cfg.Output.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if ferr != nil {
			return Options{}, nil, fmt.Errorf("output.file: %w", ferr)
		}
		outs, closeOutput = append(outs, f), f.Close
		defer func() {
			if err != nil { // a pin failed: the caller gets no closeOutput
				f.Close()
			}
		}()
	}
	if len(outs) > 0 {
		opt.Output = io.MultiWriter(outs...)
	}

	// The pins, only now that everything else is known to be right.
	input := func(key string, p config.Pin) (Button, error) {
		pin, err := hw.OpenPin(p.Pin)
		if err != nil {
			return Button{}, fmt.Errorf("%s.pin %s: %w", key, p.Pin, err)
		}
		pull, _ := buttons.ParsePull(p.Pull) // checked by Validate
		edge, _ := buttons.ParseEdge(p.Edge)
		return Button{Pin: pin, Pull: pull, Edge: edge}, nil
	}
	for i, c := range cfg.GPIO.Buttons {
		b, err := input(fmt.Sprintf("gpio.button[%d]", i), c.Pin)
		if err != nil {
			return Options{}, nil, err
		}
		b.Name, b.Prompt = c.Name, c.Prompt
		opt.Buttons = append(opt.Buttons, b)
	}
	if a := cfg.GPIO.Abort; a != nil {
		b, err := input("gpio.abort", *a)
		if err != nil {
			return Options{}, nil, err
		}
		b.Name = "abort"
		opt.Abort = &b
	}
	if cfg.GPIO.BusyLED != "" {
		pin, err := hw.OpenPin(cfg.GPIO.BusyLED)
		if err != nil {
			return Options{}, nil, fmt.Errorf("gpio.busy_led %s: %w", cfg.GPIO.BusyLED, err)
		}
		opt.BusyLED = pin
	}
	return opt, closeOutput, nil
}

// EngineFor is the engine a validated configuration asks for, answering
// with m (called name): a ModelEngine, or with [[tool]] entries a
// ToolEngine whose tools open their pins through open and act unless
// dryRun. Each call goes to logf as a key=value line; closeTools releases
// the tools' pins.
func EngineFor(cfg *config.Config, m *runtime.Model, name string, open toolset.PinOpener, dryRun bool,
	logf func(string, ...any)) (eng Engine, closeTools func() error, err error) {
	if len(cfg.Tools) == 0 {
		e, err := NewModelEngine(m, ModelConfig(cfg, name))
		if err != nil {
			return nil, nil, fmt.Errorf("chat.state_in: %w", err)
		}
		return e, func() error { return nil }, nil
	}
	calls := slog.New(slog.NewTextHandler(logLines(logf), &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{} // the journal stamps the time
			}
			return a
		}}))
	set, err := toolset.New(cfg.Tools, open, toolset.Options{DryRun: dryRun, Logger: calls})
	if err != nil {
		return nil, nil, err
	}
	e, err := NewToolEngine(m, ModelConfig(cfg, name), ToolConfig(cfg, set))
	if err != nil {
		set.Close()
		return nil, nil, err
	}
	names := make([]string, len(cfg.Tools))
	for i, t := range cfg.Tools {
		names[i] = t.Name + " (" + t.Kind + ")"
	}
	mode := "acting"
	if dryRun {
		mode = "dry run: calls are logged, nothing acts"
	}
	logf("tools: %s; %s; up to %d calls a prompt, first reply: %s, template %s", strings.Join(names, ", "), mode,
		cfg.Chat.MaxToolCalls, cfg.Chat.ToolChoice, cfg.Chat.ToolTemplate)
	return e, set.Close, nil
}

// CheckTools opens what the tools of a validated configuration would
// open, setting nothing (their pins are looked up through open), and
// builds their call grammar.
func CheckTools(cfg *config.Config, open toolset.PinOpener) error {
	if len(cfg.Tools) == 0 {
		return nil
	}
	set, err := toolset.New(cfg.Tools, open, toolset.Options{DryRun: true})
	if err != nil {
		return err
	}
	defer set.Close()
	tmpl := TemplateFor(cfg)
	_, err = tmpl.Grammar(Tools(set.List()))
	return err
}

// logLines makes each slog record, one Write, a line of logf.
type logLines func(string, ...any)

func (l logLines) Write(b []byte) (int, error) {
	l("%s", strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}
