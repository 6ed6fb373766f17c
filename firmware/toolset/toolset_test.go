package toolset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/toolset"
)

// fakeClock advances only when a pulse sleeps or a test says so; during,
// if set, runs inside each Sleep, while the pulse is on.
type fakeClock struct {
	now    time.Time
	slept  []time.Duration
	during func()
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.during != nil {
		c.during()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// fakeRunner records the commands it is given and answers with res.
type fakeRunner struct {
	ran []toolset.Command
	res toolset.Result
	err error
}

func (r *fakeRunner) Run(ctx context.Context, c toolset.Command) (toolset.Result, error) {
	r.ran = append(r.ran, c)
	return r.res, r.err
}

// rig is a toolset on fakes: pins by name, a clock, a runner, a log.
type rig struct {
	set    *toolset.Set
	pins   map[string]*gpiotest.Pin
	clock  *fakeClock
	runner *fakeRunner
	log    *bytes.Buffer
}

// newRig builds the tools of a configuration's [[tool]] entries, validated
// for a Raspberry Pi 4 (so the pin roles are its pins). Every pin starts
// low, with pull none.
func newRig(t testing.TB, toml string, dry bool) *rig {
	t.Helper()
	c, err := config.Parse([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := board.ByID("pi4")
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	r := &rig{pins: map[string]*gpiotest.Pin{}, clock: &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)},
		runner: &fakeRunner{}, log: &bytes.Buffer{}}
	open := func(name string) (gpio.PinIO, error) {
		if r.pins[name] == nil {
			r.pins[name] = &gpiotest.Pin{N: name, P: gpio.Float}
		}
		return r.pins[name], nil
	}
	r.set, err = toolset.New(c.Tools, open, toolset.Options{DryRun: dry, Clock: r.clock, Runner: r.runner,
		Logger: slog.New(slog.NewTextHandler(r.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) call(t testing.TB, name, args string) (string, error) {
	t.Helper()
	out, err := r.set.Call(context.Background(), name, []byte(args))
	return string(out), err
}

func (r *rig) mustCall(t testing.TB, name, args string) string {
	t.Helper()
	out, err := r.call(t, name, args)
	if err != nil {
		t.Fatalf("%s(%s): %v", name, args, err)
	}
	return out
}

const led = `
[[tool]]
name = "led"
kind = "gpio_write"
description = "Switch the status LED."
pin = "led"
`

func TestGPIOWrite(t *testing.T) {
	r := newRig(t, led, false)
	pin := r.pins["GPIO24"] // the Pi's led role
	if pin == nil {
		t.Fatalf("pin role led did not open GPIO24: %v", r.pins)
	}
	if out := r.mustCall(t, "led", `{"value": "on"}`); out != `{"value":"on"}` || pin.Read() != gpio.High {
		t.Errorf("on: result %s, pin %v", out, pin.Read())
	}
	if out := r.mustCall(t, "led", `{"value":"off"}`); out != `{"value":"off"}` || pin.Read() != gpio.Low {
		t.Errorf("off: result %s, pin %v", out, pin.Read())
	}
	log := r.log.String()
	for _, want := range []string{`msg="tool call" tool=led args="{\"value\": \"on\"}" result="{\"value\":\"on\"}" dry_run=false`,
		`args="{\"value\":\"off\"}" result="{\"value\":\"off\"}"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

// Values of every type, and an active-low LED (low first means "on" is low).
func TestGPIOWriteValues(t *testing.T) {
	for _, tc := range []struct {
		values, arg string
		level       gpio.Level
	}{
		{`[0, 1]`, `{"value":1}`, gpio.High},
		{`[0, 1]`, `{"value":0}`, gpio.Low},
		{`[false, true]`, `{"value":true}`, gpio.High},
		{`["on", "off"]`, `{"value":"on"}`, gpio.Low},
		{`["on", "off"]`, `{"value":"off"}`, gpio.High},
	} {
		r := newRig(t, led+"values = "+tc.values+"\n", false)
		pin := r.pins["GPIO24"]
		pin.L = !tc.level
		r.mustCall(t, "led", tc.arg)
		if pin.Read() != tc.level {
			t.Errorf("values %s, %s: pin %v, want %v", tc.values, tc.arg, pin.Read(), tc.level)
		}
	}
}

// Everything the declaration does not allow is refused, whatever path it
// came by, and touches nothing: the pins keep their state, the runner runs
// nothing, the rate limit counts nothing, and the log says why.
func TestRefused(t *testing.T) {
	r := newRig(t, led+`max_pulse = "2s"
per_minute = 1
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan speed."
pin = "pwm"
min_duty = 20
max_duty = 80
frequency = "25kHz"
per_minute = 1
[[tool]]
name = "pump"
kind = "command"
description = "Start or stop the pump."
argv = ["/usr/bin/systemctl", "{action}", "pump.service"]
per_minute = 1
[[tool.param]]
name = "action"
enum = ["start", "stop"]
[[tool]]
name = "temp"
kind = "sensor"
description = "SoC temperature."
path = "/nonexistent/temp"
`, false)
	for _, tc := range []struct{ tool, args, want string }{
		{"led", `{"value":"on","pin":"GPIO4"}`, `unknown argument "pin"`},
		{"led", `{"value":"blink"}`, `"blink": want one of "off", "on"`},
		{"led", `{"value":"ON"}`, `want one of`},
		{"led", `{"value":1}`, `want a string`},
		{"led", `{"value":null}`, `null: want a string`},
		{"led", `{"value":["on"]}`, `an array: want a string`},
		{"led", `{"value":{"x":1}}`, `an object: want a string`},
		{"led", `{"value":"on","value":"off"}`, `given twice`},
		{"led", `{}`, `value: missing`},
		{"led", ``, `value: missing`},
		{"led", `{"value":"on"} {"value":"off"}`, `more after`},
		{"led", `{"value":"on"`, `does not end`},
		{"led", `["on"]`, `want a JSON object`},
		{"led", `"on"`, `want a JSON object`},
		{"led", `{"value":"on",}`, `not JSON`},
		{"led", `{"value":"on","pulse_ms":0}`, `0: want 1 to 2000`},
		{"led", `{"value":"on","pulse_ms":2001}`, `2001: want 1 to 2000`},
		{"led", `{"value":"on","pulse_ms":100.0}`, `100.0: want an integer`},
		{"led", `{"value":"on","pulse_ms":1e2}`, `want an integer`},
		{"led", `{"value":"on","pulse_ms":"100"}`, `want an integer`},
		{"led", `{"value":"on","pulse_ms":99999999999999999999}`, `want an integer`},
		{"fan", `{"duty":19}`, `19: want 20 to 80`},
		{"fan", `{"duty":81}`, `81: want 20 to 80`},
		{"fan", `{"duty":-1}`, `want 20 to 80`},
		{"fan", `{"duty":50,"frequency":1000}`, `unknown argument "frequency"`},
		{"pump", `{"action":"restart"}`, `"restart": want one of "start", "stop"`},
		{"pump", `{"action":"start; reboot"}`, `want one of`},
		{"pump", `{"action":"start","unit":"ssh.service"}`, `unknown argument "unit"`},
		{"temp", `{"path":"/etc/shadow"}`, `unknown argument "path" (this tool takes none)`},
	} {
		_, err := r.call(t, tc.tool, tc.args)
		if !errors.Is(err, toolset.ErrArguments) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s(%s): error %v, want ErrArguments with %q", tc.tool, tc.args, err, tc.want)
		}
	}
	if _, err := r.call(t, "relay", `{"value":"on"}`); !errors.Is(err, toolset.ErrUnknownTool) ||
		!strings.Contains(err.Error(), "fan, led, pump, temp") {
		t.Errorf("undeclared tool: %v", err)
	}
	for name, p := range r.pins {
		if p.L != gpio.Low || p.D != 0 || p.F != 0 || p.P != gpio.Float {
			t.Errorf("pin %s touched by refused calls: %+v", name, p)
		}
	}
	if len(r.runner.ran) != 0 {
		t.Errorf("refused calls ran %v", r.runner.ran)
	}
	if n := strings.Count(r.log.String(), `msg="tool call refused"`); n != 30 {
		t.Errorf("%d refusals logged, want 30:\n%s", n, r.log)
	}
	// per_minute = 1, and no refusal counted: the first real call passes.
	r.mustCall(t, "led", `{"value":"on"}`)
	r.mustCall(t, "fan", `{"duty":80}`)
	r.mustCall(t, "pump", `{"action":"stop"}`)
}

func TestPulse(t *testing.T) {
	r := newRig(t, led+"pulse = \"500ms\"\nmax_pulse = \"3s\"\n", false)
	pin := r.pins["GPIO24"]
	var during []gpio.Level
	r.clock.during = func() { during = append(during, pin.Read()) }

	out := r.mustCall(t, "led", `{"value":"on"}`)
	if out != `{"pulse_ms":500,"restored":"off","value":"on"}` || pin.Read() != gpio.Low {
		t.Errorf("pulse: %s, pin %v after", out, pin.Read())
	}
	// The model chooses the length; a pulse low from high restores high.
	pin.L = gpio.High
	out = r.mustCall(t, "led", `{"value":"off","pulse_ms":2500}`)
	if out != `{"pulse_ms":2500,"restored":"on","value":"off"}` || pin.Read() != gpio.High {
		t.Errorf("chosen pulse: %s, pin %v after", out, pin.Read())
	}
	if fmt.Sprint(during) != "[High Low]" || fmt.Sprint(r.clock.slept) != "[500ms 2.5s]" {
		t.Errorf("levels during the pulses %v, waits %v", during, r.clock.slept)
	}

	// A pulse cut short (shutdown) still restores the pin.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pin.L = gpio.Low
	if _, err := r.set.Call(ctx, "led", []byte(`{"value":"on"}`)); !errors.Is(err, context.Canceled) || pin.Read() != gpio.Low {
		t.Errorf("cancelled pulse: %v, pin %v", err, pin.Read())
	}
}

func TestRateLimit(t *testing.T) {
	r := newRig(t, led+"per_minute = 2\n", false)
	pin := r.pins["GPIO24"]
	r.mustCall(t, "led", `{"value":"on"}`)
	r.clock.now = r.clock.now.Add(10 * time.Second)
	r.mustCall(t, "led", `{"value":"off"}`)
	r.clock.now = r.clock.now.Add(10 * time.Second)
	_, err := r.call(t, "led", `{"value":"on"}`)
	if !errors.Is(err, toolset.ErrRateLimited) || !strings.Contains(err.Error(), "at most 2 calls a minute; try again in 40s") {
		t.Errorf("third call in a minute: %v", err)
	}
	if pin.Read() != gpio.Low {
		t.Error("a rate-limited call drove the pin")
	}
	r.clock.now = r.clock.now.Add(40 * time.Second) // the first call is a minute old
	r.mustCall(t, "led", `{"value":"on"}`)
	if pin.Read() != gpio.High {
		t.Error("the call after the window did not drive the pin")
	}

	r = newRig(t, led+"min_interval = \"2s\"\n", false)
	r.mustCall(t, "led", `{"value":"on"}`)
	r.clock.now = r.clock.now.Add(1500 * time.Millisecond)
	if _, err := r.call(t, "led", `{"value":"off"}`); !errors.Is(err, toolset.ErrRateLimited) ||
		!strings.Contains(err.Error(), "at most one call every 2s; try again in 500ms") {
		t.Errorf("call within min_interval: %v", err)
	}
	r.clock.now = r.clock.now.Add(500 * time.Millisecond)
	r.mustCall(t, "led", `{"value":"off"}`)
}

func TestGPIORead(t *testing.T) {
	r := newRig(t, `
[[tool]]
name = "door"
kind = "gpio_read"
description = "Is the greenhouse door open?"
pin = "input"
pull = "up"
values = ["closed", "open"]
`, false)
	pin := r.pins["GPIO5"]
	if out := r.mustCall(t, "door", `{}`); out != `{"value":"open"}` || pin.P != gpio.PullUp {
		t.Errorf("read with pull-up: %s, pull %v", out, pin.P)
	}
	pin.L = gpio.Low
	if out := r.mustCall(t, "door", ``); out != `{"value":"closed"}` {
		t.Errorf("read low: %s", out)
	}
}

func TestPWM(t *testing.T) {
	r := newRig(t, `
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan speed."
pin = "pwm"
min_duty = 20
frequency = "25kHz"
`, false)
	pin := r.pins["GPIO12"]
	if out := r.mustCall(t, "fan", `{"duty": 40}`); out != `{"duty":40,"frequency":"25kHz"}` {
		t.Errorf("result %s", out)
	}
	if pin.D != gpio.DutyMax*40/100 || pin.F != 25*physic.KiloHertz {
		t.Errorf("pin duty %v frequency %v", pin.D, pin.F)
	}
	r.mustCall(t, "fan", `{"duty": 100}`)
	if pin.D != gpio.DutyMax {
		t.Errorf("100%%: duty %v", pin.D)
	}
}

func TestSensor(t *testing.T) {
	dir := t.TempDir()
	thermal := filepath.Join(dir, "temp")
	w1 := filepath.Join(dir, "28-0316a2795eff", "w1_slave")
	os.Mkdir(filepath.Dir(w1), 0o755)
	r := newRig(t, fmt.Sprintf(`
[[tool]]
name = "soc"
kind = "sensor"
description = "SoC temperature."
path = %q
scale = 0.001
unit = "°C"
[[tool]]
name = "soil"
kind = "sensor"
description = "Soil temperature."
path = %q
scale = 0.001
unit = "°C"
[[tool]]
name = "raw"
kind = "sensor"
description = "Raw."
path = %q
scale = 2
offset = -1
`, thermal, w1, thermal), false)
	for _, tc := range []struct {
		file, content, tool, want string
	}{
		{thermal, "48312\n", "soc", `{"unit":"°C","value":48.312}`},
		{thermal, "-5250\n", "soc", `{"unit":"°C","value":-5.25}`},
		{thermal, "21.5\n", "raw", `{"value":42}`},
		{w1, "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n", "soil", `{"unit":"°C","value":23.125}`},
		{w1, "5e ff 55 05 7f ff 0c 10 f4 : crc=f4 YES\n5e ff 55 05 7f ff 0c 10 f4 t=-10125\n", "soil", `{"unit":"°C","value":-10.125}`},
		{thermal, "", "soc", `"" is not a number`},
		{thermal, "hot\n", "soc", `"hot" is not a number`},
		{thermal, "48312 48000\n", "soc", `is not a number`},
		{thermal, "0x1p4\n", "soc", `is not a number`},
		{thermal, "NaN\n", "soc", `is not a number`},
		{thermal, "1e999\n", "soc", `not a number in range`},
		{thermal, strings.Repeat("1", 5000), "soc", `longer than 4096 bytes`},
		{w1, "72 01 4b 46 7f ff 0e 10 57 : crc=57 NO\n72 01 4b 46 7f ff 0e 10 57 t=85000\n", "soil", `CRC check failed`},
		{w1, "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57\n", "soil", `no t= field`},
		{w1, "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=\n", "soil", `"" is not a number`},
		{w1, "23125\n", "soil", `not a w1_slave reading`},
	} {
		if err := os.WriteFile(tc.file, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := r.call(t, tc.tool, "{}")
		if strings.HasPrefix(tc.want, "{") {
			if err != nil || out != tc.want {
				t.Errorf("%q: %s, %v; want %s", tc.content, out, err, tc.want)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %s, %v; want an error with %s", tc.content, out, err, tc.want)
		}
	}
	os.Remove(thermal)
	if _, err := r.call(t, "soc", "{}"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestCommand(t *testing.T) {
	r := newRig(t, `
[[tool]]
name = "pump"
kind = "command"
description = "Control the pump."
argv = ["/usr/bin/systemctl", "{action}", "--unit={unit}.service", "{literal}"]
timeout = "3s"
max_output = 100
[[tool.param]]
name = "action"
description = "what to do"
enum = ["start", "stop", "is-active"]
[[tool.param]]
name = "unit"
enum = ["pump", "{action}"]
`, false)
	r.runner.res = toolset.Result{ExitCode: 3, Output: []byte("inactive\n")}
	out := r.mustCall(t, "pump", `{"unit":"{action}","action":"is-active"}`)
	if out != `{"exit_code":3,"output":"inactive\n"}` {
		t.Errorf("result %s", out)
	}
	// A value is put in once, never expanded again; unknown braces stay.
	want := toolset.Command{Argv: []string{"/usr/bin/systemctl", "is-active", "--unit={action}.service", "{literal}"},
		Timeout: 3 * time.Second, MaxOutput: 100}
	if len(r.runner.ran) != 1 || fmt.Sprint(r.runner.ran[0]) != fmt.Sprint(want) {
		t.Errorf("ran %v, want %v", r.runner.ran, want)
	}
	r.runner.res, r.runner.err = toolset.Result{}, fmt.Errorf("%w after 3s: killed", toolset.ErrTimeout)
	if _, err := r.call(t, "pump", `{"action":"stop","unit":"pump"}`); !errors.Is(err, toolset.ErrTimeout) {
		t.Errorf("timeout: %v", err)
	}
	if !strings.Contains(r.log.String(), `level=ERROR msg="tool call failed" tool=pump`) {
		t.Errorf("failure not logged:\n%s", r.log)
	}
}

// A dry run logs every call with the result it would have had, and
// touches nothing: no level, pull or duty changes, no command runs.
func TestDryRun(t *testing.T) {
	dir := t.TempDir()
	temp := filepath.Join(dir, "temp")
	os.WriteFile(temp, []byte("40000\n"), 0o644)
	r := newRig(t, led+`pulse = "1s"
[[tool]]
name = "relay"
kind = "gpio_write"
description = "Fan relay."
pin = "relay"
[[tool]]
name = "door"
kind = "gpio_read"
description = "Door."
pin = "input"
pull = "up"
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan speed."
pin = "pwm"
frequency = "25kHz"
[[tool]]
name = "reboot"
kind = "command"
description = "Reboot."
argv = ["/usr/sbin/reboot"]
[[tool]]
name = "soc"
kind = "sensor"
description = "SoC temperature."
path = "`+temp+`"
scale = 0.001
`, true)
	for _, c := range []struct{ tool, args, want string }{
		{"led", `{"value":"on"}`, `{"dry_run":true,"pulse_ms":1000,"value":"on"}`},
		{"relay", `{"value":"on"}`, `{"dry_run":true,"value":"on"}`},
		{"door", `{}`, `{"dry_run":true,"value":"low"}`},
		{"fan", `{"duty":70}`, `{"dry_run":true,"duty":70,"frequency":"25kHz"}`},
		{"reboot", `{}`, `{"argv":["/usr/sbin/reboot"],"dry_run":true}`},
		{"soc", `{}`, `{"dry_run":true,"value":40}`},
	} {
		if out := r.mustCall(t, c.tool, c.args); out != c.want {
			t.Errorf("%s: %s, want %s", c.tool, out, c.want)
		}
	}
	if len(r.pins) != 4 {
		t.Errorf("pins looked up: %v", r.pins)
	}
	for name, p := range r.pins {
		if p.L != gpio.Low || p.P != gpio.Float || p.D != 0 || p.F != 0 {
			t.Errorf("dry run touched pin %s: %+v", name, p)
		}
	}
	if len(r.runner.ran) != 0 || len(r.clock.slept) != 0 {
		t.Errorf("dry run ran %v, slept %v", r.runner.ran, r.clock.slept)
	}
	if n := strings.Count(r.log.String(), `dry_run=true`); n != 6 {
		t.Errorf("%d dry-run calls logged, want 6:\n%s", n, r.log)
	}
	// Refusals and the rate limit hold in a dry run as they do for real.
	if _, err := r.call(t, "relay", `{"value":"half"}`); !errors.Is(err, toolset.ErrArguments) {
		t.Errorf("dry run accepted a value outside the enum: %v", err)
	}
}

// The schemas are what the grammar constrains the model's output with:
// their exact shape is part of the API.
func TestSchemas(t *testing.T) {
	r := newRig(t, led+`max_pulse = "5s"
values = [0, 1]
[[tool]]
name = "door"
kind = "gpio_read"
description = "Door."
pin = "input"
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan speed."
pin = "pwm"
min_duty = 30
frequency = "25kHz"
[[tool]]
name = "pump"
kind = "command"
description = "Pump."
argv = ["/usr/bin/systemctl", "{action}", "pump"]
[[tool.param]]
name = "action"
description = "start or stop"
enum = ["start", "stop"]
`, true)
	want := []string{
		`led Switch the status LED. {"additionalProperties":false,"properties":{"pulse_ms":{"description":"optional: hold the value this many milliseconds, then restore the previous one","maximum":5000,"minimum":1,"type":"integer"},"value":{"description":"0 sets the output low, 1 high","enum":[0,1],"type":"integer"}},"required":["value"],"type":"object"}`,
		`door Door. {"additionalProperties":false,"properties":{},"type":"object"}`,
		`fan Fan speed. {"additionalProperties":false,"properties":{"duty":{"description":"duty cycle in percent","maximum":100,"minimum":30,"type":"integer"}},"required":["duty"],"type":"object"}`,
		`pump Pump. {"additionalProperties":false,"properties":{"action":{"description":"start or stop","enum":["start","stop"],"type":"string"}},"required":["action"],"type":"object"}`,
	}
	list := r.set.List()
	if len(list) != len(want) {
		t.Fatalf("%d tools listed, want %d", len(list), len(want))
	}
	for i, info := range list {
		if got := info.Name + " " + info.Description + " " + string(info.Schema); got != want[i] {
			t.Errorf("tool %d:\n got %s\nwant %s", i, got, want[i])
		}
		if !json.Valid(info.Schema) {
			t.Errorf("%s: schema is not JSON", info.Name)
		}
	}
	// Info marshals in the G1 template's tool list format.
	b, _ := json.Marshal(list[1])
	if string(b) != `{"name":"door","description":"Door.","arguments":{"additionalProperties":false,"properties":{},"type":"object"}}` {
		t.Errorf("Info as JSON: %s", b)
	}
	// Schema hands out a copy.
	s := r.set.Tool("door").Schema()
	s[0] = 'X'
	if r.set.Tool("door").Schema()[0] != '{' {
		t.Error("Schema shares its bytes")
	}
}

func TestNew(t *testing.T) {
	// A configuration that skipped Validate has no rate limit: refused.
	_, err := toolset.New([]config.Tool{{Name: "x", Description: "x", Kind: "sensor", Path: "/x"}}, nil, toolset.Options{})
	if err == nil || !strings.Contains(err.Error(), "not validated") {
		t.Errorf("unvalidated configuration: %v", err)
	}
	// A pin the board does not have fails at start, dry run or not.
	c, _ := config.Parse([]byte(led))
	p, _ := board.ByID("pi4")
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	open := func(name string) (gpio.PinIO, error) { return nil, fmt.Errorf("no pin %s", name) }
	if _, err := toolset.New(c.Tools, open, toolset.Options{DryRun: true}); err == nil || !strings.Contains(err.Error(), `tool[0] "led": no pin GPIO24`) {
		t.Errorf("missing pin: %v", err)
	}
	if _, err := toolset.New(c.Tools, nil, toolset.Options{}); err == nil {
		t.Error("gpio tool without a pin opener")
	}
}

// haltPin records Halt.
type haltPin struct {
	gpiotest.Pin
	halted bool
}

func (p *haltPin) Halt() error { p.halted = true; return nil }

// Close halts every pin the set opened, and only those.
func TestClose(t *testing.T) {
	c, _ := config.Parse([]byte(led + `
[[tool]]
name = "fan"
kind = "pwm"
description = "Fan."
pin = "pwm"
frequency = "25kHz"
`))
	p, _ := board.ByID("pi4")
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	pins := map[string]*haltPin{}
	open := func(name string) (gpio.PinIO, error) {
		pins[name] = &haltPin{Pin: gpiotest.Pin{N: name}}
		return pins[name], nil
	}
	set, err := toolset.New(c.Tools, open, toolset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Close(); err != nil || len(pins) != 2 || !pins["GPIO24"].halted || !pins["GPIO12"].halted {
		t.Errorf("Close: %v, pins %v", err, pins)
	}
}
