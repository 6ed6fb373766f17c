package agent_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/toolset"
	"github.com/gosling-edge/gosling/runtime/toolcall"
)

// testBoard opens gpiotest pins by name and records what was asked for.
type testBoard struct {
	opened []string
	fail   string // a pin name that does not exist
}

func (b *testBoard) open(name string) (gpio.PinIO, error) {
	b.opened = append(b.opened, name)
	if name == b.fail {
		return nil, errors.New("no such pin")
	}
	return &gpiotest.Pin{N: name}, nil
}

func TestConfigure(t *testing.T) {
	cfg := config.Default()
	cfg.Serial.Device, cfg.Serial.Baud, cfg.Serial.Echo, cfg.Serial.MaxLine = "/dev/ttyX", 9600, false, 77
	cfg.Output.Serial, cfg.Output.Stdout = false, true
	cfg.Output.File = filepath.Join(t.TempDir(), "answers.txt")
	cfg.Queue.Busy, cfg.Queue.Size = "drop", 3
	cfg.Chat.StateOut = "/tmp/s.state"
	cfg.GPIO.Debounce.Duration = 20 * time.Millisecond
	cfg.GPIO.Buttons = []config.Button{
		{Pin: config.Pin{Pin: "GPIO17", Pull: "up", Edge: "falling"}, Name: "joke", Prompt: "Tell a joke."},
		{Pin: config.Pin{Pin: "GPIO27", Pull: "down", Edge: "rising"}, Name: "time", Prompt: "It is {time}."},
	}
	cfg.GPIO.Abort = &config.Pin{Pin: "GPIO22", Pull: "none", Edge: "both"}
	cfg.GPIO.BusyLED = "GPIO5"
	var stdout strings.Builder
	b := &testBoard{}
	eng := newFake()
	opt, closeOutput, err := agent.Configure(cfg, "Test Board", eng, agent.Hardware{OpenPin: b.open, Stdout: &stdout})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Engine != eng || opt.Board != "Test Board" || opt.Serial == nil || opt.Serial.Path != "/dev/ttyX" ||
		opt.Serial.Baud != 9600 || opt.Serial.Retry != time.Second || opt.Echo || opt.MaxLine != 77 ||
		opt.SerialAnswers || opt.Busy != agent.Drop || opt.QueueSize != 3 || opt.StateOut != "/tmp/s.state" ||
		opt.Debounce != 20*time.Millisecond {
		t.Errorf("options: %+v", opt)
	}
	if len(opt.Buttons) != 2 || opt.Buttons[0].Name != "joke" || opt.Buttons[0].Prompt != "Tell a joke." ||
		opt.Buttons[0].Pull != gpio.PullUp || opt.Buttons[0].Edge != gpio.FallingEdge ||
		opt.Buttons[1].Name != "time" || opt.Buttons[1].Pull != gpio.PullDown || opt.Buttons[1].Edge != gpio.RisingEdge {
		t.Errorf("buttons: %+v", opt.Buttons)
	}
	if opt.Abort == nil || opt.Abort.Name != "abort" || opt.Abort.Pull != gpio.Float || opt.Abort.Edge != gpio.BothEdges ||
		opt.Abort.Pin.Name() != "GPIO22" || opt.BusyLED == nil || opt.BusyLED.Name() != "GPIO5" {
		t.Errorf("abort %+v, busy LED %v", opt.Abort, opt.BusyLED)
	}
	if got := strings.Join(b.opened, " "); got != "GPIO17 GPIO27 GPIO22 GPIO5" {
		t.Errorf("pins opened: %s", got)
	}
	// Answers go to standard output and are appended to the file.
	opt.Output.Write([]byte("hello\n"))
	if err := closeOutput(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(cfg.Output.File); string(data) != "hello\n" || stdout.String() != "hello\n" {
		t.Errorf("file %q, stdout %q", data, stdout.String())
	}
}

// A pin or output file that cannot be opened is named by its
// configuration key.
func TestConfigureBadPin(t *testing.T) {
	cfg := config.Default()
	cfg.Serial.Enabled = false
	cfg.Output.File = filepath.Join(t.TempDir(), "answers.txt")
	cfg.GPIO.Buttons = []config.Button{{Pin: config.Pin{Pin: "GPIO17", Edge: "falling"}}, {Pin: config.Pin{Pin: "GPIO99", Edge: "falling"}}}
	b := &testBoard{fail: "GPIO99"}
	_, closeOutput, err := agent.Configure(cfg, "", newFake(), agent.Hardware{OpenPin: b.open})
	if err == nil || !strings.Contains(err.Error(), "gpio.button[1].pin GPIO99") || closeOutput != nil {
		t.Errorf("error %v, closeOutput %v", err, closeOutput != nil)
	}
	cfg.GPIO.Buttons, cfg.GPIO.BusyLED, b.fail = nil, "LED", "LED"
	if _, _, err := agent.Configure(cfg, "", newFake(), agent.Hardware{OpenPin: b.open}); err == nil || !strings.Contains(err.Error(), "gpio.busy_led LED") {
		t.Errorf("busy LED: %v", err)
	}
	cfg.GPIO.BusyLED, cfg.Output.File = "", filepath.Join(t.TempDir(), "no", "such", "dir", "f")
	if _, _, err := agent.Configure(cfg, "", newFake(), agent.Hardware{OpenPin: b.open}); err == nil || !strings.Contains(err.Error(), "output.file") {
		t.Errorf("output file: %v", err)
	}
}

func TestModelConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Chat = config.Chat{System: "Be brief.", StateIn: "in.state", MaxTokens: 42}
	cfg.Sampling = config.Sampling{Temperature: 0.7, TopP: 0.9, TopK: 5, Presence: 0.1, Frequency: 0.2, PenaltyDecay: 0.99, Seed: 9}
	o := agent.ModelConfig(cfg, "m.gguf")
	s := o.Sampler
	if o.Name != "m.gguf" || o.System != "Be brief." || o.StateIn != "in.state" || o.MaxTokens != 42 ||
		s.Temperature != 0.7 || s.TopP != 0.9 || s.TopK != 5 || s.Presence != 0.1 || s.Frequency != 0.2 || s.Decay != 0.99 || s.Seed != 9 {
		t.Errorf("%+v", o)
	}
}

// TestToolConfig: chat.tool_choice and chat.max_tool_calls become the tool
// engine's first-reply choice and call limit, and the tools are the
// toolset's, with their schemas.
func TestToolConfig(t *testing.T) {
	for _, tc := range []struct {
		choice string
		want   toolcall.Choice
	}{
		{"auto", toolcall.Choice{Mode: toolcall.Auto}},
		{"required", toolcall.Choice{Mode: toolcall.Required}},
		{"temp", toolcall.Choice{Mode: toolcall.Required, Name: "temp"}},
	} {
		cfg, err := config.Parse([]byte("[chat]\nmax_tool_calls = 7\ntool_choice = \"" + tc.choice + "\"\n" +
			"[[tool]]\nname = \"temp\"\nkind = \"sensor\"\ndescription = \"Read it.\"\npath = \"/sys/class/thermal/thermal_zone0/temp\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := board.ByID("pi4")
		if err := cfg.Validate(p); err != nil {
			t.Fatal(err)
		}
		set, err := toolset.New(cfg.Tools, nil, toolset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		opt := agent.ToolConfig(cfg, set)
		if opt.Choice != tc.want || opt.MaxCalls != 7 || opt.Exec != set || len(opt.Tools) != 1 || opt.Tools[0].Name != "temp" ||
			opt.Tools[0].Description != "Read it." || string(opt.Tools[0].Parameters) != string(set.Tool("temp").Schema()) {
			t.Errorf("tool_choice %q: %+v", tc.choice, opt)
		}
	}
}
