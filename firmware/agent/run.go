package agent

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/serial"
	"github.com/gosling-edge/gosling/firmware/toolset"
	"github.com/gosling-edge/gosling/runtime"
)

// Check opens what the agent would open for a validated configuration,
// short of taking the serial port: the model, through openModel, which
// returns the model's name, the tools' pins (looked up through openPin,
// not set) and their call grammar, and the serial device. It returns the verdict
// line; errors name source (the configuration file, or "flags") and the
// key at fault.
func Check(cfg *config.Config, source, board string, openModel func(path string) (name string, err error),
	openPin toolset.PinOpener) (string, error) {
	name, err := openModel(cfg.Model.Path)
	if err != nil {
		return "", fmt.Errorf("%s: model.path: %w", source, err)
	}
	if err := CheckTools(cfg, openPin); err != nil {
		return "", fmt.Errorf("%s: %w", source, err)
	}
	port := ""
	if cfg.Serial.Enabled {
		d := serial.Device{Path: cfg.Serial.Device, Baud: cfg.Serial.Baud}
		if port, err = d.Probe(); err != nil {
			return "", fmt.Errorf("%s: serial.device: %w", source, err)
		}
		port = " (" + port + ")"
	}
	return fmt.Sprintf("%s: OK for %s; model %s; serial %s%s; %d buttons; %d tools\n", source, board,
		name, SerialSummary(cfg), port, len(cfg.GPIO.Buttons), len(cfg.Tools)), nil
}

// SerialSummary is the serial console of a configuration in a few words.
func SerialSummary(c *config.Config) string {
	if !c.Serial.Enabled {
		return "off"
	}
	return fmt.Sprintf("%s at %d baud", c.Serial.Device, c.Serial.Baud)
}

// Serve builds the agent a validated configuration describes on board,
// answering with m (called name), and runs it until SIGTERM or SIGINT.
// logf says what it does.
func Serve(cfg *config.Config, board string, m *runtime.Model, name string, hw Hardware, logf func(string, ...any)) error {
	eng, closeTools, err := EngineFor(cfg, m, name, hw.OpenPin, hw.DryRun, logf)
	if err != nil {
		return err
	}
	defer closeTools()
	logf("model: %s", eng.Status())
	opt, closeOutput, err := Configure(cfg, board, eng, hw)
	if err != nil {
		return err
	}
	defer closeOutput()
	opt.Logf = logf
	a, err := New(opt)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	busy := fmt.Sprintf("queue up to %d", cfg.Queue.Size)
	if opt.Busy == Drop {
		busy = "drop"
	}
	logf("ready: serial %s, %d buttons, prompts while busy: %s", SerialSummary(cfg), len(opt.Buttons), busy)
	err = a.Run(ctx)
	logf("stopped: %s", a.Status())
	return err
}
