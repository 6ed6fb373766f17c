// Package config reads the agent's configuration: a TOML file such as
//
//	board = "auto"                  # or pi4, pi5, jetson-orin, generic
//
//	[model]
//	path = "/var/lib/gosling/model.gguf"
//
//	[chat]
//	system = "You are a helpful assistant on a Raspberry Pi."
//	max_tokens = 200
//
//	[serial]
//	device = "/dev/serial0"
//	baud = 115200
//
//	[[gpio.button]]
//	pin = "GPIO17"
//	prompt = "Tell me a one-line joke about {board}."
//
//	[[tool]]                        # what the model may do: see Tool
//	name = "fan"
//	kind = "gpio_write"
//	description = "Switch the greenhouse fan on or off."
//	pin = "relay"                   # the board's relay pin (GPIO25 on a Pi)
//
// TOML (github.com/BurntSushi/toml) rather than YAML: the file is edited by
// hand on a board over ssh, where TOML has no indentation to get wrong and
// no implicit types ("no" read as false, 0755 as a number), and this parser
// reports every key the program did not use, so a misspelt key is an
// error instead of a silently ignored setting.
//
// Parse checks the syntax and the types; Validate checks every value and
// fills the defaults a board profile gives. Every error names its key.
package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/buttons"
	"github.com/gosling-edge/gosling/firmware/serial"
)

// Config is the whole configuration.
type Config struct {
	Board    string   `toml:"board"` // "auto" (detect), or a board ID
	Model    Model    `toml:"model"`
	Chat     Chat     `toml:"chat"`
	Sampling Sampling `toml:"sampling"`
	Serial   Serial   `toml:"serial"`
	Output   Output   `toml:"output"`
	Queue    Queue    `toml:"queue"`
	GPIO     GPIO     `toml:"gpio"`
	Tools    []Tool   `toml:"tool"` // what the model may do: see Tool
}

// Model is the model to load.
type Model struct {
	Path    string `toml:"path"`    // GGUF file; "" = the built-in demo model, if the binary has one
	Threads int    `toml:"threads"` // 0 = one per core
}

// Chat is the conversation: how it starts and how long answers may be.
// With [[tool]] entries there is no conversation: every prompt starts from
// the base state, StateIn (if set) followed by the system turn that lists
// the tools, and StateOut holds the last prompt's state, to look at.
type Chat struct {
	System    string `toml:"system"`     // system prompt, fed before the first message
	StateIn   string `toml:"state_in"`   // state file to start from (and /reset to)
	StateOut  string `toml:"state_out"`  // state file written at shutdown and by /save
	MaxTokens int    `toml:"max_tokens"` // per answer; 0 = until the end of the reply
	// With [[tool]] entries: the calls one prompt may make (the reply
	// after the last is plain text), and the first reply's choice: "auto"
	// (the model calls a tool or answers), "required" (it calls one), or a
	// tool's name (it calls that one).
	MaxToolCalls int    `toml:"max_tool_calls"`
	ToolChoice   string `toml:"tool_choice"`
	// ToolTemplate is the prompt format of the calls, for the model's
	// fine-tune: "g1" (RWKV-7 G1's fenced JSON, runtime/toolcall.G1) or
	// "hermes" (<tool_call> tags, toolcall.Hermes). ToolFormat overrides
	// single strings of it.
	ToolTemplate string     `toml:"tool_template"`
	ToolFormat   ToolFormat `toml:"tool_format"`
}

// ToolFormat overrides fields of the chosen tool-call template, each named
// as the field of runtime/toolcall.Template it sets (ToolsIntro is
// tools_intro, and so on); a key left out keeps the template's value.
type ToolFormat struct {
	ToolsIntro  *string `toml:"tools_intro"`  // before the JSON array of tools in the system turn
	ToolsOutro  *string `toml:"tools_outro"`  // after it
	FullSchema  *bool   `toml:"full_schema"`  // a tool's whole schema as its "arguments", not only the properties
	CallOpen    *string `toml:"call_open"`    // opens a call (and switches the grammar on); not empty
	CallStart   *string `toml:"call_start"`   // between call_open and the call's JSON object
	CallClose   *string `toml:"call_close"`   // after the object; the reply ends there
	OutputIntro *string `toml:"output_intro"` // before a call's result in the user turn that returns it
	OutputOutro *string `toml:"output_outro"` // after it
}

// ToolTemplates are the names chat.tool_template accepts.
var ToolTemplates = []string{"g1", "hermes"}

// Sampling are the sampler's settings (the official chat defaults).
type Sampling struct {
	Temperature  float64 `toml:"temperature"`
	TopP         float64 `toml:"top_p"`
	TopK         int     `toml:"top_k"`
	Presence     float64 `toml:"presence"`
	Frequency    float64 `toml:"frequency"`
	PenaltyDecay float64 `toml:"penalty_decay"`
	Seed         uint64  `toml:"seed"`
}

// Serial is the serial console.
type Serial struct {
	Enabled bool     `toml:"enabled"`
	Device  string   `toml:"device"` // "" = the board's default
	Baud    int      `toml:"baud"`
	Echo    bool     `toml:"echo"`     // echo typed characters, as a terminal expects
	MaxLine int      `toml:"max_line"` // longest prompt line, bytes
	Retry   Duration `toml:"retry"`    // how often to look for a vanished port
}

// Output says where answers go besides the serial console.
type Output struct {
	Serial bool   `toml:"serial"` // answers (to buttons too) on the serial port
	Stdout bool   `toml:"stdout"` // answers on standard output (the journal, under systemd)
	File   string `toml:"file"`   // answers appended to this file
}

// Queue is what happens to a prompt that arrives while the model is busy.
type Queue struct {
	Busy string `toml:"busy"` // "queue" (up to Size waiting) or "drop"
	Size int    `toml:"size"`
}

// GPIO are the pins. A button's pin left out takes the board's default
// for its position; busy_led and abort.pin take "default" for the board's.
type GPIO struct {
	Debounce Duration `toml:"debounce"`
	BusyLED  string   `toml:"busy_led"` // "" = none
	Abort    *Pin     `toml:"abort"`
	Buttons  []Button `toml:"button"`
}

// Pin is an input pin and how a press shows on it.
type Pin struct {
	Pin  string `toml:"pin"`
	Pull string `toml:"pull"` // up (default), down, none, keep
	Edge string `toml:"edge"` // falling (default), rising, both
}

// Button is a button that sends a prompt.
type Button struct {
	Pin
	Name   string `toml:"name"`   // for logs and {button}; default: the pin name
	Prompt string `toml:"prompt"` // template: {date} {time} {board} {button}
}

// Duration is a time.Duration written as "50ms", "2s".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration (want e.g. \"50ms\" or \"2s\")", b)
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default is the configuration before any file: the official chat
// sampling, serial on at 115200 with echo, a queue of 4, 50 ms debounce.
func Default() *Config {
	return &Config{
		Board:    "auto",
		Chat:     Chat{MaxTokens: 200, MaxToolCalls: 4, ToolChoice: "auto", ToolTemplate: "g1"},
		Sampling: Sampling{Temperature: 1.0, TopP: 0.3, Presence: 0.5, Frequency: 0.5, PenaltyDecay: 0.996},
		Serial:   Serial{Enabled: true, Baud: 115200, Echo: true, MaxLine: 1024, Retry: Duration{time.Second}},
		Output:   Output{Serial: true},
		Queue:    Queue{Busy: "queue", Size: 4},
		GPIO:     GPIO{Debounce: Duration{50 * time.Millisecond}},
	}
}

// Load reads and parses a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes a configuration over the defaults. Syntax errors, values
// of the wrong type and unknown keys are errors, each naming its key.
func Parse(data []byte) (*Config, error) {
	c := Default()
	md, err := toml.Decode(string(data), c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			if pe.LastKey != "" {
				return nil, fmt.Errorf("line %d: %s: %s", pe.Position.Line, oneLine(pe.LastKey), oneLine(pe.Message))
			}
			return nil, fmt.Errorf("line %d: %s", pe.Position.Line, oneLine(pe.Message))
		}
		return nil, err
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, fmt.Errorf("%s: unknown key", oneLine(k.String())))
	}
	return c, errors.Join(errs...)
}

// oneLine escapes control characters: the TOML decoder quotes the input it
// stumbled on, newlines included, and each problem must stay one line.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Validate checks every value and fills what the board profile p gives:
// the serial device and the default pins. All problems are reported
// together, each as "key: problem".
func (c *Config) Validate(p board.Profile) error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, a...)))
	}
	if c.Board != "auto" {
		if _, err := board.ByID(c.Board); err != nil {
			bad("board", "%v", err)
		}
	}
	if c.Model.Threads < 0 {
		bad("model.threads", "%d: want 0 (one per core) or more", c.Model.Threads)
	}
	if c.Chat.MaxTokens < 0 {
		bad("chat.max_tokens", "%d: want 0 (until the end of the reply) or more", c.Chat.MaxTokens)
	}
	if c.Chat.StateIn != "" {
		if _, err := os.Stat(c.Chat.StateIn); err != nil {
			bad("chat.state_in", "%v", err)
		}
	}
	// The ranges of runtime.SamplerOptions.Validate, which run, chat and
	// serve apply (firmware/agent's tests tie the two); NaN is in none.
	s := c.Sampling
	for _, r := range []struct {
		key    string
		v      float64
		lo, hi float64
	}{
		{"temperature", s.Temperature, 0, 100}, {"top_p", s.TopP, 0, 1}, {"presence", s.Presence, -100, 100},
		{"frequency", s.Frequency, -100, 100}, {"penalty_decay", s.PenaltyDecay, 0, 1},
	} {
		if !(r.v >= r.lo && r.v <= r.hi) {
			bad("sampling."+r.key, "%v: want %v..%v", r.v, r.lo, r.hi)
		}
	}
	if s.TopK < 0 {
		bad("sampling.top_k", "%d: want 0 (no limit) or more", s.TopK)
	}
	if c.Serial.Enabled {
		if c.Serial.Device == "" {
			c.Serial.Device = p.Serial
		}
		if c.Serial.Device == "" {
			bad("serial.device", "missing, and the %s has no default", p.Name)
		}
		if !serial.ValidBaud(c.Serial.Baud) {
			bad("serial.baud", "%d: want a standard rate (%s)", c.Serial.Baud, strings.Join(serial.StandardBauds(), ", "))
		}
		if c.Serial.MaxLine < 16 || c.Serial.MaxLine > 1<<20 {
			bad("serial.max_line", "%d: want 16 to 1048576 bytes", c.Serial.MaxLine)
		}
		if c.Serial.Retry.Duration < 10*time.Millisecond {
			bad("serial.retry", "%v: want at least 10ms", c.Serial.Retry)
		}
	} else if c.Output.Serial && len(c.GPIO.Buttons) > 0 && !c.Output.Stdout && c.Output.File == "" {
		bad("output", "the serial port is disabled and no other output is set: button answers would go nowhere")
	}
	switch c.Queue.Busy {
	case "queue":
		if c.Queue.Size < 1 || c.Queue.Size > 1000 {
			bad("queue.size", "%d: want 1 to 1000", c.Queue.Size)
		}
	case "drop":
	default:
		bad("queue.busy", "%q: want queue or drop", c.Queue.Busy)
	}
	if !c.Serial.Enabled && len(c.GPIO.Buttons) == 0 {
		bad("serial.enabled", "false, and no gpio.button: the agent would have no prompts")
	}

	g := &c.GPIO
	if g.Debounce.Duration < 0 || g.Debounce.Duration > 10*time.Second {
		bad("gpio.debounce", "%v: want 0 to 10s", g.Debounce)
	}
	used := map[string]string{}
	usePin := func(key, pin string) {
		if prev, ok := used[pin]; ok {
			bad(key, "pin %s is already used by %s", pin, prev)
		}
		used[pin] = key
	}
	if g.BusyLED == "default" {
		if g.BusyLED = p.BusyLED; p.BusyLED == "" {
			bad("gpio.busy_led", "\"default\", but the %s has no default pins", p.Name)
		}
	}
	if g.BusyLED != "" {
		usePin("gpio.busy_led", g.BusyLED)
	}
	if g.Abort != nil {
		checkPin(bad, "gpio.abort", g.Abort, p.Abort, p.Name)
		if g.Abort.Pin != "" {
			usePin("gpio.abort", g.Abort.Pin)
		}
	}
	for i := range g.Buttons {
		b := &g.Buttons[i]
		key := fmt.Sprintf("gpio.button[%d]", i)
		def := ""
		if i < len(p.Buttons) {
			def = p.Buttons[i]
		}
		checkPin(bad, key, &b.Pin, def, p.Name)
		if b.Pin.Pin != "" {
			usePin(key, b.Pin.Pin)
		}
		if b.Name == "" {
			b.Name = b.Pin.Pin
		}
		if strings.TrimSpace(b.Prompt) == "" {
			bad(key+".prompt", "missing: a button needs a prompt")
		} else if err := CheckTemplate(b.Prompt); err != nil {
			bad(key+".prompt", "%v", err)
		}
	}
	c.validateTools(p, bad, usePin)
	if c.Chat.MaxToolCalls < 1 || c.Chat.MaxToolCalls > 100 {
		bad("chat.max_tool_calls", "%d: want 1 to 100", c.Chat.MaxToolCalls)
	}
	if tc := c.Chat.ToolChoice; tc != "auto" && tc != "required" && !slices.ContainsFunc(c.Tools, func(t Tool) bool { return t.Name == tc }) {
		names := []string{"auto", "required"}
		for _, t := range c.Tools {
			names = append(names, t.Name)
		}
		bad("chat.tool_choice", "%q: want %s", tc, strings.Join(names, ", "))
	}
	if !slices.Contains(ToolTemplates, c.Chat.ToolTemplate) {
		bad("chat.tool_template", "%q: want %s", c.Chat.ToolTemplate, strings.Join(ToolTemplates, " or "))
	}
	f := c.Chat.ToolFormat
	if f.CallOpen != nil && *f.CallOpen == "" {
		bad("chat.tool_format.call_open", "empty: the call's opening is what switches the grammar on")
	}
	// A blank line ends a turn of the G1 chat template.
	for _, s := range []struct {
		key string
		v   *string
	}{{"tools_intro", f.ToolsIntro}, {"tools_outro", f.ToolsOutro}, {"call_open", f.CallOpen}, {"call_start", f.CallStart},
		{"call_close", f.CallClose}, {"output_intro", f.OutputIntro}, {"output_outro", f.OutputOutro}} {
		if s.v != nil && strings.Contains(*s.v, "\n\n") {
			bad("chat.tool_format."+s.key, "%q has a blank line, which would end the turn", *s.v)
		}
	}
	return errors.Join(errs...)
}

// checkPin fills a pin's defaults and checks its settings.
func checkPin(bad func(key, format string, a ...any), key string, p *Pin, def, boardName string) {
	if p.Pin == "" || p.Pin == "default" {
		if def == "" {
			bad(key+".pin", "missing, and the %s has no default pin for it", boardName)
		}
		p.Pin = def
	}
	if p.Pull == "" {
		p.Pull = "up"
	}
	if p.Edge == "" {
		p.Edge = "falling"
	}
	if _, err := buttons.ParsePull(p.Pull); err != nil {
		bad(key+".pull", "%v", err)
	}
	if _, err := buttons.ParseEdge(p.Edge); err != nil {
		bad(key+".edge", "%v", err)
	}
}

// Placeholders are the names a prompt template may use, as {name}.
var Placeholders = []string{"board", "button", "date", "time"}

var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// CheckTemplate reports a {name} in a prompt template that Expand would
// not fill.
func CheckTemplate(tpl string) error {
	for _, m := range placeholder.FindAllStringSubmatch(tpl, -1) {
		if !slices.Contains(Placeholders, m[1]) {
			return fmt.Errorf("unknown placeholder {%s} (known: {%s})", m[1], strings.Join(Placeholders, "} {"))
		}
	}
	return nil
}

// Expand fills a prompt template: {date} and {time} from the clock now
// (read only if the template uses them), {board} and {button} as given.
// Other text, braces included, stays as it is.
func Expand(tpl string, now func() time.Time, boardName, button string) string {
	return placeholder.ReplaceAllStringFunc(tpl, func(m string) string {
		switch m[1 : len(m)-1] {
		case "date":
			return now().Format("Monday 2 January 2006")
		case "time":
			return now().Format("15:04")
		case "board":
			return boardName
		case "button":
			return button
		}
		return m
	})
}
