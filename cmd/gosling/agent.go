package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/buttons"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/serial"
	"github.com/gosling-edge/gosling/firmware/service"
	"github.com/gosling-edge/gosling/runtime"
)

func init() {
	register("agent", "answer prompts from a serial port and GPIO buttons (the board agent)", runAgent)
}

func runAgent(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("agent [--config FILE] [--serial DEV] [--baud N] [-m MODEL] [flags]",
		"Runs the board agent: a line typed on the serial port is a prompt and the answer\n"+
			"streams back on it (commands /help /status /reset /abort /save; Ctrl-C stops an\n"+
			"answer); GPIO buttons send configured prompts, a busy LED shows it working, an\n"+
			"abort button cuts an answer. The board (Raspberry Pi 4/5, Jetson Orin) is\n"+
			"detected from /proc/device-tree/model for its default serial device and pins.\n"+
			"Everything is set in a TOML file (--print-config writes one for this board);\n"+
			"the flags below override it, and work without it. SIGTERM or SIGINT stop the\n"+
			"agent cleanly: the answer is cut, the state saved (chat.state_out), pins released.\n"+
			"--print-service writes a systemd unit for it.", stderr)
	cfgPath := fs.String("config", "", "configuration `file` (TOML)")
	serialDev := fs.String("serial", "", "serial `device` (serial.device; default: the board's)")
	baud := fs.Int("baud", 0, "baud rate (serial.baud; default 115200)")
	modelPath := fs.String("m", "", "model `file` (model.path; default: the built-in demo model)")
	threads := fs.Int("threads", 0, "goroutines per matrix product (model.threads; 0 = one per core)")
	maxTokens := fs.Int("max-tokens", 0, "longest answer in tokens (chat.max_tokens; default 200)")
	system := fs.String("system", "", "system prompt (chat.system)")
	stateIn := fs.String("state-in", "", "state `file` to start from (chat.state_in)")
	stateOut := fs.String("state-out", "", "state `file` saved at shutdown and by /save (chat.state_out)")
	boardID := fs.String("board", "", "board profile: auto, "+strings.Join(board.IDs(), ", ")+" (board)")
	modelFile := fs.String("device-tree-model", board.ModelPath, "the `file` that names the board")
	toStdout := fs.Bool("stdout", false, "also write every answer to standard output (output.stdout)")
	sf := addSamplerFlags(fs.FlagSet, runtime.DefaultSampler)
	check := fs.Bool("check", false, "check the configuration and exit")
	printConfig := fs.Bool("print-config", false, "print an example configuration for this board and exit")
	printService := fs.Bool("print-service", false, "print a systemd unit that runs the agent and exit")
	user := fs.String("user", "gosling", "with --print-service: the user the service runs as")
	binary := fs.String("binary", "/usr/local/bin/gosling", "with --print-service: where gosling is installed")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *printService {
		conf := "/etc/gosling/agent.toml"
		if *cfgPath != "" {
			if conf, err = filepath.Abs(*cfgPath); err != nil {
				return err
			}
		}
		fmt.Fprint(stdout, service.Unit(service.Options{Binary: *binary, Config: conf, User: *user}))
		return nil
	}

	cfg := config.Default()
	source := "flags"
	if *cfgPath != "" {
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
		source = *cfgPath
	}
	// Flags given on the command line override the file.
	apply := map[string]func(){
		"serial":     func() { cfg.Serial.Device, cfg.Serial.Enabled = *serialDev, true },
		"baud":       func() { cfg.Serial.Baud = *baud },
		"m":          func() { cfg.Model.Path = *modelPath },
		"threads":    func() { cfg.Model.Threads = *threads },
		"max-tokens": func() { cfg.Chat.MaxTokens = *maxTokens },
		"system":     func() { cfg.Chat.System = *system },
		"state-in":   func() { cfg.Chat.StateIn = *stateIn },
		"state-out":  func() { cfg.Chat.StateOut = *stateOut },
		"board":      func() { cfg.Board = *boardID },
		"stdout":     func() { cfg.Output.Stdout = *toStdout },
		"temp":       func() { cfg.Sampling.Temperature = *sf.temp },
		"top-p":      func() { cfg.Sampling.TopP = *sf.topP },
		"top-k":      func() { cfg.Sampling.TopK = *sf.topK },
		"presence":   func() { cfg.Sampling.Presence = *sf.presence },
		"frequency":  func() { cfg.Sampling.Frequency = *sf.frequency },
		"penalty-decay": func() {
			cfg.Sampling.PenaltyDecay = *sf.decay
		},
		"seed": func() { cfg.Sampling.Seed = *sf.seed },
	}
	for name := range set {
		if f, ok := apply[name]; ok {
			f()
		}
	}
	var profile board.Profile
	if cfg.Board == "auto" {
		profile = board.Detect(*modelFile)
	} else if profile, err = board.ByID(cfg.Board); err != nil {
		return fmt.Errorf("%s: board: %w", source, err)
	}
	if *printConfig {
		fmt.Fprint(stdout, config.Example(profile))
		return nil
	}
	if err := cfg.Validate(profile); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if *check {
		fmt.Fprintf(stdout, "%s: OK for %s; serial %s; %d buttons\n", source, profile.Describe(), serialSummary(cfg), len(cfg.GPIO.Buttons))
		return nil
	}
	logger := log.New(stderr, "gosling agent: ", 0)
	logger.Printf("board: %s", profile.Describe())
	return serveAgent(cfg, profile, stdout, logger)
}

func serialSummary(c *config.Config) string {
	if !c.Serial.Enabled {
		return "off"
	}
	return fmt.Sprintf("%s at %d baud", c.Serial.Device, c.Serial.Baud)
}

// serveAgent wires a validated configuration to the hardware and runs the
// agent until SIGTERM or SIGINT.
func serveAgent(cfg *config.Config, profile board.Profile, stdout io.Writer, logger *log.Logger) (err error) {
	threads := cfg.Model.Threads
	if threads == 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	m, name, err := loadModel(cfg.Model.Path, threads)
	if errors.Is(err, errNoDemoModel) {
		return fmt.Errorf("model.path: missing, and %w", err)
	}
	if err != nil {
		return fmt.Errorf("model.path: %w", err)
	}
	defer m.Close()
	s := cfg.Sampling
	eng, err := agent.NewModelEngine(m, agent.ModelOptions{
		Name: filepath.Base(name), System: cfg.Chat.System, StateIn: cfg.Chat.StateIn, MaxTokens: cfg.Chat.MaxTokens,
		Sampler: runtime.SamplerOptions{Temperature: float32(s.Temperature), TopP: float32(s.TopP), TopK: s.TopK,
			Presence: float32(s.Presence), Frequency: float32(s.Frequency), Decay: float32(s.PenaltyDecay), Seed: s.Seed},
	})
	if err != nil {
		return fmt.Errorf("chat.state_in: %w", err)
	}
	logger.Printf("model: %s", eng.Status())

	opt := agent.Options{
		Engine: eng, Board: profile.Name, Echo: cfg.Serial.Echo, MaxLine: cfg.Serial.MaxLine,
		SerialAnswers: cfg.Output.Serial, Debounce: cfg.GPIO.Debounce.Duration, QueueSize: cfg.Queue.Size,
		StateOut: cfg.Chat.StateOut, Logf: logger.Printf,
	}
	if cfg.Queue.Busy == "drop" {
		opt.Busy = agent.Drop
	}
	if cfg.Serial.Enabled {
		opt.Serial = &serial.Device{Path: cfg.Serial.Device, Baud: cfg.Serial.Baud, Retry: cfg.Serial.Retry.Duration}
	}
	var outs []io.Writer
	if cfg.Output.Stdout {
		outs = append(outs, stdout)
	}
	if cfg.Output.File != "" {
		f, err := os.OpenFile(cfg.Output.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return fmt.Errorf("output.file: %w", err)
		}
		defer f.Close()
		outs = append(outs, f)
	}
	if len(outs) > 0 {
		opt.Output = io.MultiWriter(outs...)
	}

	// Real pins, only now that everything else is known to be right.
	input := func(key string, p config.Pin) (gpio.PinIn, gpio.Pull, gpio.Edge, error) {
		pin, err := board.OpenPin(p.Pin)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%s.pin %s: %w", key, p.Pin, err)
		}
		pull, _ := buttons.ParsePull(p.Pull) // checked by Validate
		edge, _ := buttons.ParseEdge(p.Edge)
		return pin, pull, edge, nil
	}
	for i, b := range cfg.GPIO.Buttons {
		pin, pull, edge, err := input(fmt.Sprintf("gpio.button[%d]", i), b.Pin)
		if err != nil {
			return err
		}
		opt.Buttons = append(opt.Buttons, agent.Button{Name: b.Name, Pin: pin, Pull: pull, Edge: edge, Prompt: b.Prompt})
	}
	if a := cfg.GPIO.Abort; a != nil {
		pin, pull, edge, err := input("gpio.abort", *a)
		if err != nil {
			return err
		}
		opt.Abort = &agent.Button{Name: "abort", Pin: pin, Pull: pull, Edge: edge}
	}
	if cfg.GPIO.BusyLED != "" {
		pin, err := board.OpenPin(cfg.GPIO.BusyLED)
		if err != nil {
			return fmt.Errorf("gpio.busy_led %s: %w", cfg.GPIO.BusyLED, err)
		}
		opt.BusyLED = pin
	}

	a, err := agent.New(opt)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	busy := fmt.Sprintf("queue up to %d", cfg.Queue.Size)
	if opt.Busy == agent.Drop {
		busy = "drop"
	}
	logger.Printf("ready: serial %s, %d buttons, prompts while busy: %s", serialSummary(cfg), len(opt.Buttons), busy)
	err = a.Run(ctx)
	logger.Printf("stopped: %s", a.Status())
	return err
}
