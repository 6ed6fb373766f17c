package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"path/filepath"
	"strings"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/serial"
	"github.com/gosling-edge/gosling/firmware/service"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/cli"
)

func runAgent(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("agent")
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
	dryRun := fs.Bool("dry-run", false, "tools: log every call and what it would do, touch nothing")
	check := fs.Bool("check", false, "check the configuration and exit")
	printConfig := fs.Bool("print-config", false, "print an example configuration for this board and exit")
	printService := fs.Bool("print-service", false, "print a systemd unit that runs the agent and exit")
	user := fs.String("user", "gosling", "with --print-service: the user the service runs as")
	binary := fs.String("binary", "/usr/local/bin/gosling", "with --print-service: where gosling is installed")
	err := fs.ParseNone(args)
	if err != nil {
		return err
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
		"serial": func() { cfg.Serial.Device, cfg.Serial.Enabled = *serialDev, true }, "baud": func() { cfg.Serial.Baud = *baud },
		"m": func() { cfg.Model.Path = *modelPath }, "threads": func() { cfg.Model.Threads = *threads },
		"max-tokens": func() { cfg.Chat.MaxTokens = *maxTokens }, "system": func() { cfg.Chat.System = *system },
		"state-in": func() { cfg.Chat.StateIn = *stateIn }, "state-out": func() { cfg.Chat.StateOut = *stateOut },
		"board": func() { cfg.Board = *boardID }, "stdout": func() { cfg.Output.Stdout = *toStdout },
		"temp": func() { cfg.Sampling.Temperature = *sf.temp }, "top-p": func() { cfg.Sampling.TopP = *sf.topP },
		"top-k": func() { cfg.Sampling.TopK = *sf.topK }, "presence": func() { cfg.Sampling.Presence = *sf.presence },
		"frequency": func() { cfg.Sampling.Frequency = *sf.frequency }, "seed": func() { cfg.Sampling.Seed = *sf.seed },
		"penalty-decay": func() { cfg.Sampling.PenaltyDecay = *sf.decay },
	}
	for name := range set {
		if f, ok := apply[name]; ok {
			f()
		}
	}
	if set["baud"] && !serial.ValidBaud(*baud) {
		return cli.Usagef("--baud %d: want a standard rate (%s)", *baud, strings.Join(serial.StandardBauds(), ", "))
	}
	var profile board.Profile
	if cfg.Board == "auto" {
		profile = board.Detect(*modelFile)
	} else if profile, err = board.ByID(cfg.Board); err != nil {
		return fmt.Errorf("%s: board: %w", source, err)
	}
	if *printConfig {
		fmt.Fprint(stdout, config.ExampleFor(profile, cfg.Board))
		return nil
	}
	if err := cfg.Validate(profile); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if *check {
		line, err := agent.Check(cfg, source, profile.Describe(), func(path string) (string, error) {
			m, name, err := loadModel(path, 1)
			if err == nil {
				m.Close()
			}
			return agentModelName(name), err
		}, board.OpenPin)
		fmt.Fprint(stdout, line)
		return err
	}
	logger := log.New(stderr, "gosling agent: ", 0)
	logger.Printf("board: %s", profile.Describe())
	m, name, err := loadModel(cfg.Model.Path, cfg.Model.Threads)
	if errors.Is(err, errNoDemoModel) {
		return fmt.Errorf("model.path: missing, and %w", err)
	}
	if err != nil {
		return fmt.Errorf("model.path: %w", err)
	}
	defer m.Close()
	return agent.Serve(cfg, profile.Name, m, agentModelName(name), agent.Hardware{OpenPin: board.OpenPin, Stdout: stdout, DryRun: *dryRun}, logger.Printf)
}

// agentModelName is the model's file name as the agent reports it, or the
// built-in model's id (filepath.Base("") would be ".").
func agentModelName(path string) string {
	if path == "" {
		return demoModelID
	}
	return filepath.Base(path)
}
