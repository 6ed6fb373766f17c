package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/runtime"
)

func pi4(t *testing.T) board.Profile {
	p, err := board.ByID("pi4")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(pi4(t)); err != nil {
		t.Fatal(err)
	}
	if c.Serial.Device != "/dev/serial0" || c.Serial.Baud != 115200 || c.Queue.Busy != "queue" || c.Sampling.TopP != 0.3 {
		t.Errorf("defaults: %+v", c)
	}
}

// The default [sampling] is runtime.DefaultSampler written out (the file
// keeps float64 so that 0.3 prints as 0.3): converted the way the agent
// converts it, every field must match (and a field the runtime's default
// gains shows up as a difference, since the conversion leaves it zero).
func TestDefaultSamplingIsRuntimeDefault(t *testing.T) {
	s := config.Default().Sampling
	got := runtime.SamplerOptions{Temperature: float32(s.Temperature), TopP: float32(s.TopP), TopK: s.TopK,
		Presence: float32(s.Presence), Frequency: float32(s.Frequency), Decay: float32(s.PenaltyDecay), Seed: s.Seed}
	if got != runtime.DefaultSampler {
		t.Errorf("config default sampling %+v, runtime.DefaultSampler %+v", got, runtime.DefaultSampler)
	}
}

func TestFull(t *testing.T) {
	c, err := config.Parse([]byte(`
board = "pi5"
[model]
path = "m.gguf"
threads = 2
[chat]
system = "Be brief."
max_tokens = 50
[sampling]
temperature = 0
[serial]
device = "/dev/ttyUSB1"
baud = 9600
retry = "250ms"
[queue]
busy = "drop"
[gpio]
debounce = "20ms"
busy_led = "default"
abort = { pin = "GPIO5", pull = "down", edge = "rising" }
[[gpio.button]]
prompt = "It is {time}."
[[gpio.button]]
pin = "GPIO6"
name = "hello"
prompt = "Hello from {board}, button {button}!"
`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := board.ByID("pi5")
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	if c.GPIO.BusyLED != "GPIO23" || c.GPIO.Buttons[0].Pin.Pin != "GPIO17" || c.GPIO.Buttons[0].Name != "GPIO17" ||
		c.GPIO.Buttons[0].Pull != "up" || c.GPIO.Buttons[0].Edge != "falling" || c.GPIO.Abort.Edge != "rising" ||
		c.Serial.Retry.Duration != 250*time.Millisecond || c.GPIO.Debounce.Duration != 20*time.Millisecond ||
		c.Sampling.Temperature != 0 || c.Sampling.TopP != 0.3 {
		t.Errorf("parsed: %+v", c)
	}
}

// rejected is a configuration that must not pass, with what its error
// must mention.
type rejected struct {
	in   string
	want []string
}

// checkRejected fails for each case that parses and validates (on the
// Pi 4) or whose error leaves out one of its wants.
func checkRejected(t *testing.T, cases []rejected) {
	t.Helper()
	for _, tc := range cases {
		c, err := config.Parse([]byte(tc.in))
		if err == nil {
			err = c.Validate(pi4(t))
		}
		if err == nil {
			t.Errorf("%q: accepted", tc.in)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not mention %q", tc.in, err, w)
			}
		}
	}
}

// TestErrorsNameKeys: every problem is reported, each with its key.
func TestErrorsNameKeys(t *testing.T) {
	checkRejected(t, []rejected{
		{"[serial]\nbaud = \"fast\"", []string{"line 2", "serial.baud", "string"}},
		{"[serial\n", []string{"line"}},
		{"[serial]\nretry = \"soon\"", []string{"serial.retry", "not a duration"}},
		{"[serial]\nbuad = 9600\n[[gpio.button]]\npin = \"GPIO5\"\nprompt = \"x\"\npromt = \"y\"",
			[]string{"serial.buad: unknown key", "gpio.button.promt: unknown key"}},
		{"[serial]\nbaud = 12345\nmax_line = 2", []string{"serial.baud: 12345", "115200", "serial.max_line"}},
		{"board = \"pi3\"", []string{"board:", "pi3", "pi4"}},
		{"[sampling]\ntop_p = 2\ntemperature = -1\ntop_k = -3\npenalty_decay = 7", []string{"sampling.top_p", "sampling.temperature", "sampling.top_k", "sampling.penalty_decay"}},
		{"[queue]\nbusy = \"maybe\"", []string{"queue.busy", "maybe"}},
		{"[queue]\nsize = 0", []string{"queue.size"}},
		{"[chat]\nmax_tokens = -1\nstate_in = \"/nonexistent/s.state\"", []string{"chat.max_tokens", "chat.state_in", "no such file"}},
		{"[chat]\nmax_tool_calls = 0", []string{"chat.max_tool_calls: 0"}},
		{"[chat]\ntool_choice = \"fan\"\n[[tool]]\nname = \"led\"\nkind = \"gpio_write\"\ndescription = \"d\"\npin = \"led\"",
			[]string{"chat.tool_choice", `"fan"`, "auto, required, led"}},
		{"[chat]\ntool_template = \"chatml\"", []string{"chat.tool_template", `"chatml"`, "g1 or hermes"}},
		{"[chat.tool_format]\ncall_opne = \"<c>\"", []string{"chat.tool_format.call_opne: unknown key"}},
		{"[chat.tool_format]\ncall_open = \"\"\ncall_close = \"\\n\\n\"", []string{"chat.tool_format.call_open: empty", "chat.tool_format.call_close", "blank line"}},
		{"[model]\nthreads = -2", []string{"model.threads"}},
		{"[gpio]\ndebounce = \"1h\"", []string{"gpio.debounce"}},
		{"[[gpio.button]]\npin = \"GPIO5\"", []string{"gpio.button[0].prompt: missing"}},
		{"[[gpio.button]]\npin = \"GPIO5\"\nprompt = \"{weather} now\"", []string{"gpio.button[0].prompt", "{weather}", "{time}"}},
		{"[[gpio.button]]\npin = \"GPIO5\"\npull = \"sideways\"\nedge = \"up\"\nprompt = \"x\"", []string{"gpio.button[0].pull", "gpio.button[0].edge"}},
		{"[gpio]\nbusy_led = \"GPIO5\"\n[[gpio.button]]\npin = \"GPIO5\"\nprompt = \"x\"", []string{"gpio.button[0]: pin GPIO5 is already used by gpio.busy_led"}},
		{"[serial]\nenabled = false", []string{"serial.enabled", "no prompts"}},
	})
}

func TestGenericBoardNeedsPins(t *testing.T) {
	c, err := config.Parse([]byte("[gpio]\nbusy_led = \"default\"\n[[gpio.button]]\nprompt = \"x\""))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate(board.Generic)
	for _, w := range []string{"gpio.busy_led", "gpio.button[0].pin: missing"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not mention %q", err, w)
		}
	}
}

// TestExample: the example configuration of every board parses and
// validates as it is.
func TestExample(t *testing.T) {
	for _, id := range board.IDs() {
		p, _ := board.ByID(id)
		c, err := config.Parse([]byte(config.Example(p)))
		if err == nil {
			err = c.Validate(p)
		}
		if err != nil {
			t.Errorf("%s: %v\n%s", id, err, config.Example(p))
			continue
		}
		if id != "generic" && len(c.GPIO.Buttons) != 2 {
			t.Errorf("%s: %d buttons in the example", id, len(c.GPIO.Buttons))
		}
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.toml")
	os.WriteFile(path, []byte("[serial]\nbaud = \"x\""), 0o644)
	if _, err := config.Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name the file", err)
	}
	if _, err := config.Load(path + ".missing"); err == nil {
		t.Error("missing file accepted")
	}
}

func TestExpand(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	got := config.Expand("{time} {date} on {board} via {button}; {other} {", func() time.Time { return now }, "Raspberry Pi 5", "joke")
	if want := "15:09 Saturday 14 March 2026 on Raspberry Pi 5 via joke; {other} {"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
