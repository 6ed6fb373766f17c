package config

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"periph.io/x/conn/v3/physic"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/buttons"
)

// The kinds of [[tool]].
const (
	KindGPIOWrite = "gpio_write" // drive an output pin to one of two values, or pulse it
	KindGPIORead  = "gpio_read"  // read an input pin as one of two values
	KindPWM       = "pwm"        // set a PWM duty cycle within a range
	KindSensor    = "sensor"     // read a number from a file (sysfs, 1-wire)
	KindCommand   = "command"    // run a fixed argv; arguments only from enums
)

// Kinds lists the tool kinds.
var Kinds = []string{KindGPIOWrite, KindGPIORead, KindPWM, KindSensor, KindCommand}

// Tool is one [[tool]] entry: an action the model may call, and everything
// it may touch. Only declared tools exist; the model chooses among the
// values declared here and nothing else (the pin, path and argv are fixed).
// Which keys a kind takes is in the comments; a key another kind takes is
// an error, so that a setting never silently does nothing.
type Tool struct {
	Name        string `toml:"name"`        // what the model calls; letters, digits, _ and -
	Description string `toml:"description"` // for the model: what it does, when to use it
	Kind        string `toml:"kind"`        // gpio_write | gpio_read | pwm | sensor | command

	// Rate limit, every kind. A refused call does not count.
	PerMinute   int      `toml:"per_minute"`   // calls in any 60 s; default 30
	MinInterval Duration `toml:"min_interval"` // between two calls; default 0

	// gpio_write, gpio_read, pwm: the pin, by periph.io name ("GPIO24",
	// "PY.03") or by the board's role for it (led, relay, input, pwm).
	Pin string `toml:"pin"`
	// gpio_write, gpio_read: the argument's two values, for low then high:
	// strings, integers or booleans. Default ["off", "on"] for gpio_write,
	// ["low", "high"] for gpio_read. ["on", "off"] drives an active-low LED.
	Values []any `toml:"values"`
	// gpio_write: a pulse sets the level, waits, and restores the level
	// the pin had. Pulse makes every call a pulse of that length; MaxPulse
	// lets the model choose one (argument pulse_ms, 1 to MaxPulse).
	Pulse    Duration `toml:"pulse"`
	MaxPulse Duration `toml:"max_pulse"`
	Pull     string   `toml:"pull"` // gpio_read: up, down, none, keep (default)

	// pwm: the duty cycles the model may set, in percent, and the
	// frequency ("25kHz" for a 4-wire fan, "1kHz" for an LED).
	MinDuty   int    `toml:"min_duty"` // default 0
	MaxDuty   *int   `toml:"max_duty"` // default 100
	Frequency string `toml:"frequency"`

	// sensor: an absolute file path, read whole at each call; the number
	// in it, times Scale plus Offset, is the value, in Unit.
	Path   string   `toml:"path"`
	Format string   `toml:"format"` // number | w1_slave; default by the file name
	Scale  *float64 `toml:"scale"`  // default 1
	Offset float64  `toml:"offset"`
	Unit   string   `toml:"unit"`

	// command: the argv, run without a shell. An element may hold {name}
	// of a declared param, replaced by the value the model chose.
	Argv      []string `toml:"argv"`
	Timeout   Duration `toml:"timeout"`    // the process is killed after it; default 10s
	MaxOutput int      `toml:"max_output"` // bytes of output returned; default 1024
	Params    []Param  `toml:"param"`
}

// Param is a command tool's argument: a string from a fixed set.
type Param struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Enum        []string `toml:"enum"`
}

// The limits Validate holds tools to.
const (
	DefaultPerMinute = 30
	DefaultTimeout   = 10 * time.Second
	DefaultMaxOutput = 1024
	// MaxPulse bounds a pulse: a call blocks for its length.
	MaxPulse = time.Minute
)

// DefaultValues are the values of a gpio tool that declares none.
func DefaultValues(kind string) []any {
	if kind == KindGPIORead {
		return []any{"low", "high"}
	}
	return []any{"off", "on"}
}

// SensorFormat is the format a sensor reads: Format if set, else w1_slave
// for a file of that name (the 1-wire DS18B20's), number for any other.
func (t *Tool) SensorFormat() string {
	if t.Format != "" {
		return t.Format
	}
	if filepath.Base(t.Path) == "w1_slave" {
		return "w1_slave"
	}
	return "number"
}

var toolName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// toolKeys says which kinds take each kind-specific key, and whether a
// tool sets it; the common keys (name, description, kind, the rate
// limit) are not listed.
var toolKeys = []struct {
	key   string
	kinds []string
	set   func(*Tool) bool
}{
	{"pin", []string{KindGPIOWrite, KindGPIORead, KindPWM}, func(t *Tool) bool { return t.Pin != "" }},
	{"values", []string{KindGPIOWrite, KindGPIORead}, func(t *Tool) bool { return t.Values != nil }},
	{"pulse", []string{KindGPIOWrite}, func(t *Tool) bool { return t.Pulse.Duration != 0 }},
	{"max_pulse", []string{KindGPIOWrite}, func(t *Tool) bool { return t.MaxPulse.Duration != 0 }},
	{"pull", []string{KindGPIORead}, func(t *Tool) bool { return t.Pull != "" }},
	{"min_duty", []string{KindPWM}, func(t *Tool) bool { return t.MinDuty != 0 }},
	{"max_duty", []string{KindPWM}, func(t *Tool) bool { return t.MaxDuty != nil }},
	{"frequency", []string{KindPWM}, func(t *Tool) bool { return t.Frequency != "" }},
	{"path", []string{KindSensor}, func(t *Tool) bool { return t.Path != "" }},
	{"format", []string{KindSensor}, func(t *Tool) bool { return t.Format != "" }},
	{"scale", []string{KindSensor}, func(t *Tool) bool { return t.Scale != nil }},
	{"offset", []string{KindSensor}, func(t *Tool) bool { return t.Offset != 0 }},
	{"unit", []string{KindSensor}, func(t *Tool) bool { return t.Unit != "" }},
	{"argv", []string{KindCommand}, func(t *Tool) bool { return t.Argv != nil }},
	{"timeout", []string{KindCommand}, func(t *Tool) bool { return t.Timeout.Duration != 0 }},
	{"max_output", []string{KindCommand}, func(t *Tool) bool { return t.MaxOutput != 0 }},
	{"param", []string{KindCommand}, func(t *Tool) bool { return t.Params != nil }},
}

// validateTools checks the [[tool]] entries and fills their defaults:
// pin roles become the board's pins, and every default is written in, so
// that what runs is what the configuration says.
func (c *Config) validateTools(p board.Profile, bad func(key, format string, a ...any), usePin func(key, pin string)) {
	names := map[string]string{}
	for i := range c.Tools {
		t := &c.Tools[i]
		key := fmt.Sprintf("tool[%d]", i)
		switch {
		case t.Name == "":
			bad(key+".name", "missing")
		case !toolName.MatchString(t.Name):
			bad(key+".name", "%q: want a letter, then letters, digits, _ or - (64 at most)", t.Name)
		case names[t.Name] != "":
			bad(key+".name", "%q is already the name of %s", t.Name, names[t.Name])
		default:
			names[t.Name] = key
		}
		if strings.TrimSpace(t.Description) == "" {
			bad(key+".description", "missing: the model chooses tools by their description")
		}
		if !slices.Contains(Kinds, t.Kind) {
			bad(key+".kind", "%q: want one of %s", t.Kind, strings.Join(Kinds, ", "))
			continue
		}
		for _, k := range toolKeys {
			if k.set(t) && !slices.Contains(k.kinds, t.Kind) {
				bad(key+"."+k.key, "not a setting of kind %s (it is one of %s)", t.Kind, strings.Join(k.kinds, ", "))
			}
		}

		if t.PerMinute == 0 {
			t.PerMinute = DefaultPerMinute
		}
		if t.PerMinute < 1 || t.PerMinute > 6000 {
			bad(key+".per_minute", "%d: want 1 to 6000", t.PerMinute)
		}
		if d := t.MinInterval.Duration; d < 0 || d > time.Hour {
			bad(key+".min_interval", "%v: want 0 to 1h", t.MinInterval)
		}

		switch t.Kind {
		case KindGPIOWrite, KindGPIORead, KindPWM:
			if slices.Contains(board.ToolRoles(), t.Pin) {
				if p.ToolPins[t.Pin] == "" {
					bad(key+".pin", "%q: the %s has no default pin for it: name the pin", t.Pin, p.Name)
					break
				}
				t.Pin = p.ToolPins[t.Pin]
			}
			if t.Pin == "" {
				bad(key+".pin", "missing: want a pin name (%s)", pinRoles(p))
			} else {
				usePin(key+".pin", t.Pin)
			}
		}
		switch t.Kind {
		case KindGPIOWrite:
			checkValues(bad, key, t)
			if d := t.Pulse.Duration; d != 0 && (d < time.Millisecond || d > MaxPulse) {
				bad(key+".pulse", "%v: want 1ms to %v", t.Pulse, MaxPulse)
			}
			if d := t.MaxPulse.Duration; d != 0 && (d < time.Millisecond || d > MaxPulse) {
				bad(key+".max_pulse", "%v: want 1ms to %v", t.MaxPulse, MaxPulse)
			}
			if t.MaxPulse.Duration != 0 && t.Pulse.Duration > t.MaxPulse.Duration {
				bad(key+".pulse", "%v: longer than max_pulse (%v)", t.Pulse, t.MaxPulse)
			}
		case KindGPIORead:
			checkValues(bad, key, t)
			if t.Pull == "" {
				t.Pull = "keep"
			}
			if _, err := buttons.ParsePull(t.Pull); err != nil {
				bad(key+".pull", "%v", err)
			}
		case KindPWM:
			if t.MaxDuty == nil {
				t.MaxDuty = new(int)
				*t.MaxDuty = 100
			}
			if t.MinDuty < 0 || t.MinDuty > 100 {
				bad(key+".min_duty", "%d: want 0 to 100 (percent)", t.MinDuty)
			}
			if *t.MaxDuty < 0 || *t.MaxDuty > 100 {
				bad(key+".max_duty", "%d: want 0 to 100 (percent)", *t.MaxDuty)
			} else if *t.MaxDuty < t.MinDuty {
				bad(key+".max_duty", "%d: below min_duty (%d)", *t.MaxDuty, t.MinDuty)
			}
			if t.Frequency == "" {
				bad(key+".frequency", "missing: want e.g. \"25kHz\" (a 4-wire fan) or \"1kHz\" (an LED)")
			} else if _, err := ParseFrequency(t.Frequency); err != nil {
				bad(key+".frequency", "%v", err)
			}
		case KindSensor:
			if t.Path == "" {
				bad(key+".path", "missing: want the file to read, e.g. /sys/class/thermal/thermal_zone0/temp")
			} else if !filepath.IsAbs(t.Path) {
				bad(key+".path", "%q: want an absolute path", t.Path)
			}
			if f := t.SensorFormat(); f != "number" && f != "w1_slave" {
				bad(key+".format", "%q: want number or w1_slave", f)
			}
			t.Format = t.SensorFormat()
			if t.Scale == nil {
				t.Scale = new(float64)
				*t.Scale = 1
			}
			if s := *t.Scale; s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
				bad(key+".scale", "%v: want a non-zero number", s)
			}
			if o := t.Offset; math.IsNaN(o) || math.IsInf(o, 0) {
				bad(key+".offset", "%v: want a number", o)
			}
		case KindCommand:
			checkCommand(bad, key, t)
		}
	}
}

// pinRoles lists the pin roles of board p, for errors.
func pinRoles(p board.Profile) string {
	if len(p.ToolPins) == 0 {
		return fmt.Sprintf("the %s has no default pins", p.Name)
	}
	return "or the board's pin for " + strings.Join(board.ToolRoles(), ", ")
}

// checkValues checks a gpio tool's two values: both strings, both integers
// or both booleans, and different.
func checkValues(bad func(key, format string, a ...any), key string, t *Tool) {
	if t.Values == nil {
		t.Values = DefaultValues(t.Kind)
	}
	if len(t.Values) != 2 {
		bad(key+".values", "%d values: want two, for low then high (e.g. [\"off\", \"on\"])", len(t.Values))
		return
	}
	for _, v := range t.Values {
		switch v := v.(type) {
		case string:
			if v == "" {
				bad(key+".values", "an empty string: want a word the model can say")
				return
			}
		case int64, bool:
		default:
			bad(key+".values", "%v (%T): want strings, integers or booleans", v, v)
			return
		}
	}
	if fmt.Sprintf("%T", t.Values[0]) != fmt.Sprintf("%T", t.Values[1]) {
		bad(key+".values", "%#v and %#v: want two of one type", t.Values[0], t.Values[1])
	} else if t.Values[0] == t.Values[1] {
		bad(key+".values", "%#v twice: low and high need different values", t.Values[0])
	}
}

// ParseFrequency reads a PWM frequency as periph.io writes it ("25kHz",
// "1kHz", "50Hz"), from 1 Hz to 100 MHz.
func ParseFrequency(s string) (physic.Frequency, error) {
	var f physic.Frequency
	if err := f.Set(s); err != nil {
		return 0, fmt.Errorf("%q: %v", s, err)
	}
	if f < physic.Hertz || f > 100*physic.MegaHertz {
		return 0, fmt.Errorf("%q: want 1Hz to 100MHz", s)
	}
	return f, nil
}

// Placeholder finds a command param's {name} in an argv element.
var Placeholder = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9_-]*)\}`)

// checkCommand checks a command tool: an absolute program, params with
// enums, each used in argv.
func checkCommand(bad func(key, format string, a ...any), key string, t *Tool) {
	if t.Timeout.Duration == 0 {
		t.Timeout.Duration = DefaultTimeout
	}
	if d := t.Timeout.Duration; d < time.Millisecond || d > 10*time.Minute {
		bad(key+".timeout", "%v: want 1ms to 10m", t.Timeout)
	}
	if t.MaxOutput == 0 {
		t.MaxOutput = DefaultMaxOutput
	}
	if t.MaxOutput < 0 || t.MaxOutput > 1<<16 {
		bad(key+".max_output", "%d: want 1 to 65536 bytes", t.MaxOutput)
	}
	params := map[string]bool{}
	for j, pa := range t.Params {
		pkey := fmt.Sprintf("%s.param[%d]", key, j)
		switch {
		case !toolName.MatchString(pa.Name):
			bad(pkey+".name", "%q: want a letter, then letters, digits, _ or - (64 at most)", pa.Name)
		case params[pa.Name]:
			bad(pkey+".name", "%q twice", pa.Name)
		}
		params[pa.Name] = true
		if len(pa.Enum) == 0 {
			bad(pkey+".enum", "missing: a command's arguments come only from a list")
		}
		seen := map[string]bool{}
		for _, v := range pa.Enum {
			switch {
			case v == "":
				bad(pkey+".enum", "an empty string: want a value the model can say")
			case seen[v]:
				bad(pkey+".enum", "%q twice", v)
			}
			seen[v] = true
		}
	}
	if len(t.Argv) == 0 {
		bad(key+".argv", "missing: want the program and its arguments, e.g. [\"/usr/bin/systemctl\", \"is-active\", \"pump\"]")
		return
	}
	if !filepath.IsAbs(t.Argv[0]) {
		// No $PATH search: what runs must not depend on the environment.
		bad(key+".argv", "%q: want the program as an absolute path", t.Argv[0])
	}
	used := map[string]bool{}
	for j, a := range t.Argv {
		for _, m := range Placeholder.FindAllStringSubmatch(a, -1) {
			if params[m[1]] {
				if j == 0 {
					bad(key+".argv", "{%s} in the program: the program is fixed", m[1])
				}
				used[m[1]] = true
			}
		}
	}
	for j, pa := range t.Params {
		if pa.Name != "" && !used[pa.Name] {
			bad(fmt.Sprintf("%s.param[%d].name", key, j), "%q: no {%s} in argv", pa.Name, pa.Name)
		}
	}
}
