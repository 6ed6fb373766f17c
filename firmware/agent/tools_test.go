//go:build linux

package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/toolset"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/toolcall"
)

// ledConfig declares one tool, an LED on GPIO17 (that the model may pulse
// with pulse set), validated as the agent validates it. choice is
// chat.tool_choice.
func ledConfig(t *testing.T, choice string, pulse bool) *config.Config {
	t.Helper()
	extra := ""
	if pulse {
		extra = "max_pulse = \"5s\"\n"
	}
	cfg, err := config.Parse([]byte(`
[chat]
max_tool_calls = 1
tool_choice = "` + choice + `"

[[tool]]
name = "led"
kind = "gpio_write"
description = "Switch the green LED on or off, or blink it with pulse_ms."
pin = "GPIO17"
` + extra))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := board.ByID("pi4")
	if err := cfg.Validate(p); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// toolRig is a toolset on one recorded pin, logging to a buffer.
type toolRig struct {
	pin *recPin
	set *toolset.Set
	log *syncBuffer
}

func newToolRig(t *testing.T, cfg *config.Config, dry bool) *toolRig {
	t.Helper()
	r := &toolRig{pin: newPin("GPIO17"), log: &syncBuffer{}}
	open := func(name string) (gpio.PinIO, error) {
		if name != r.pin.N {
			return nil, errors.New("no such pin: " + name)
		}
		return r.pin, nil
	}
	var err error
	r.set, err = toolset.New(cfg.Tools, open, toolset.Options{DryRun: dry, Logger: slog.New(slog.NewTextHandler(r.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func toolEngine(t *testing.T, cfg *config.Config, set *toolset.Set) *agent.ToolEngine {
	t.Helper()
	m, err := runtime.Load(tinyModel, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	// Room for a call: the tiny model's vocabulary spells it byte by byte.
	opt := greedy
	opt.MaxTokens = 96
	e, err := agent.NewToolEngine(m, opt, agent.ToolConfig(cfg, set))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// callLine is the console's line for a call to led: its value, its result.
var callLine = regexp.MustCompile(`\[led (\{"value":"(on|off)"\}) → (\{[^\r\n]*\})\]\r\n`)

// TestToolCallOverPTY: a prompt typed on the serial console, with the
// call forced by chat.tool_choice (the tiny random model was not trained
// to call tools), makes a gpio_write call: the fake pin is driven to the
// level the call names, exactly once, the console shows the call and its
// result, and the log records it with its arguments.
func TestToolCallOverPTY(t *testing.T) {
	cfg := ledConfig(t, "led", false)
	r := newToolRig(t, cfg, false)
	a, tm, _ := console(t, toolEngine(t, cfg, r.set), agent.Options{})
	tm.send("switch the LED on\r\n")
	tm.expect("switch the LED on\r\n")
	tm.expect("[led ")
	rest := "[led " + tm.expect("\r\n> ") + "\r\n"
	m := callLine.FindStringSubmatch(rest)
	if m == nil {
		t.Fatalf("no call line in the answer %q", rest)
	}
	var call, result map[string]any
	if err := json.Unmarshal([]byte(m[1]), &call); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(m[3]), &result); err != nil || result["value"] != call["value"] || result["dry_run"] != nil {
		t.Errorf("result %s for the call %s (%v)", m[3], m[1], err)
	}
	want := gpio.Low
	if m[2] == "on" {
		want = gpio.High
	}
	if outs, _, _ := r.pin.record(); len(outs) != 1 || outs[0] != want || r.pin.Read() != want {
		t.Errorf("call %s: pin driven %v, reads %v; want %v once", m[1], outs, r.pin.Read(), want)
	}
	// One line: the call, its arguments (as the model wrote them, spaces
	// and all), its result, not a dry run.
	logged := regexp.MustCompile(`msg="tool call" tool=led args="\{\\"value\\": ?\\"` + m[2] + `\\"\}" result=` +
		regexp.QuoteMeta(strconvQuote(m[3])) + ` dry_run=false\n`)
	if log := r.log.String(); !logged.MatchString(log) {
		t.Errorf("the log does not record the call %s:\n%s", m[1], log)
	}
	if st := a.Status(); !strings.Contains(st, "1 answers, 1 tool calls") {
		t.Errorf("status %q", st)
	}
}

// strconvQuote is how slog's text handler writes a string with quotes in it.
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestToolDryRunTouchesNothing: with --dry-run's option the same forced
// call is made and logged as a dry run, and the pin is neither configured
// nor driven.
func TestToolDryRunTouchesNothing(t *testing.T) {
	cfg := ledConfig(t, "led", false)
	r := newToolRig(t, cfg, true)
	r.pin.L = gpio.Low
	_, tm, _ := console(t, toolEngine(t, cfg, r.set), agent.Options{})
	tm.send("switch the LED on\r\n")
	tm.expect("switch the LED on\r\n")
	rest := tm.expect("\r\n> ") + "\r\n"
	m := callLine.FindStringSubmatch(rest)
	if m == nil || !strings.Contains(m[3], `"dry_run":true`) {
		t.Fatalf("answer %q: want a call line with a dry-run result", rest)
	}
	if outs, ins, _ := r.pin.record(); len(outs) != 0 || len(ins) != 0 || r.pin.L != gpio.Low {
		t.Errorf("dry run touched the pin: outs %v, ins %v, level %v", outs, ins, r.pin.L)
	}
	if log := r.log.String(); !strings.Contains(log, `msg="tool call" tool=led`) || !strings.Contains(log, "dry_run=true") {
		t.Errorf("the log does not record a dry run:\n%s", log)
	}
}

// TestToolGrammarForbidsUndeclared: under the call grammar of the
// configured tools, a tool that is not declared (another pin) and a value
// outside the declared ones cannot be produced: the matcher rejects their
// bytes and the model's token mask leaves out every token that would start
// them. Sent to the toolset directly, the same calls are refused and the
// pin is not touched.
func TestToolGrammarForbidsUndeclared(t *testing.T) {
	cfg := ledConfig(t, "led", true)
	r := newToolRig(t, cfg, false)
	m, err := runtime.Load(tinyModel, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	g, err := toolcall.G1.Grammar(agent.Tools(r.set.List()))
	if err != nil {
		t.Fatal(err)
	}
	v := m.GrammarVocab()
	mask := v.NewMask()
	id := func(s string) int {
		ids := m.Tokenizer.Encode([]byte(s))
		if len(ids) != 1 {
			t.Fatalf("%q is %d tokens", s, len(ids))
		}
		return int(ids[0])
	}
	for _, c := range []struct {
		prefix  string
		allowed []string // texts that may follow
		refused []string // texts that may not
	}{
		{`{"name":"`, []string{`led"`}, []string{`relay"`, `fan"`, `GPIO4"`, `le"`}},
		{`{"name":"led","arguments":{"value":"`, []string{`on"`, `off"`}, []string{`blink"`, `ON"`, `1"`, `high"`}},
		{`{"name":"led","arguments":{"`, []string{`value"`, `pulse_ms"`}, []string{`pin"`, `duration"`, `Value"`}},
		{`{"name":"led","arguments":{"pulse_ms":`, []string{`1,`, `5000,`, `250,`},
			[]string{`0,`, `5001,`, `-1,`, `99999,`, `2.5,`, `"5",`, `1e3,`}},
		{`{"name":"led","arguments":{"value":"on"`, []string{"}}\n```"}, []string{`,"pin":"GPIO4"}`, `,"value":"off"}`, `}}}`}},
	} {
		mt := g.NewMatcher()
		if err := mt.Accept([]byte(toolcall.G1.CallStart + c.prefix)); err != nil {
			t.Fatalf("prefix %s: %v", c.prefix, err)
		}
		for _, s := range c.allowed {
			if !mt.Allows([]byte(s)) {
				t.Errorf("after %s the grammar refuses %s", c.prefix, s)
			}
		}
		mt.Mask(v, mask)
		for _, s := range c.refused {
			if mt.Allows([]byte(s)) {
				t.Errorf("after %s the grammar allows %s", c.prefix, s)
			}
			// The first byte may be allowed ("o" of "on" and "off"); the
			// mask must leave out the first byte that the text cannot
			// continue with.
			for i := 1; i <= len(s); i++ {
				if !mt.Allows([]byte(s[:i])) {
					tok := s[i-1 : i]
					mt2 := g.NewMatcher()
					mt2.Accept([]byte(toolcall.G1.CallStart + c.prefix + s[:i-1]))
					m2 := v.NewMask()
					mt2.Mask(v, m2)
					if m2.Allows(id(tok)) {
						t.Errorf("after %s%s the mask allows %q", c.prefix, s[:i-1], tok)
					}
					break
				}
			}
		}
	}

	// The same calls by another path (a client, a bug) are refused.
	ctx := context.Background()
	for _, c := range []struct{ name, args string }{
		{"relay", `{"value":"on"}`},
		{"led", `{"value":"blink"}`},
		{"led", `{"value":"on","pulse_ms":99999}`},
		{"led", `{"value":"on","pulse_ms":0}`},
		{"led", `{"value":"on","pin":"GPIO4"}`},
		{"led", `{}`},
	} {
		out, err := r.set.Call(ctx, c.name, []byte(c.args))
		if err == nil || !errors.Is(err, toolset.ErrArguments) && !errors.Is(err, toolset.ErrUnknownTool) {
			t.Errorf("%s %s: %s, %v; want a refusal", c.name, c.args, out, err)
		}
	}
	if outs, ins, _ := r.pin.record(); len(outs) != 0 || len(ins) != 0 {
		t.Errorf("refused calls touched the pin: outs %v, ins %v", outs, ins)
	}
	if n := strings.Count(r.log.String(), `msg="tool call refused"`); n != 6 {
		t.Errorf("%d refusals logged, want 6:\n%s", n, r.log.String())
	}
}

// TestToolEngineStartsFromBase: every prompt starts from the cached base
// state, so the same prompt gets the same answer (greedy) however many
// came before, and the base is not re-read: its token count stays put.
func TestToolEngineStartsFromBase(t *testing.T) {
	cfg := ledConfig(t, "auto", true)
	r := newToolRig(t, cfg, true)
	e := toolEngine(t, cfg, r.set)
	status := e.Status()
	var first string
	for i, p := range []string{"hello", "what is the time?", "hello", "switch it off", "hello"} {
		var b bytes.Buffer
		if err := e.Answer(context.Background(), p, &b); err != nil {
			t.Fatal(err)
		}
		if p != "hello" {
			continue
		}
		if i == 0 {
			first = b.String()
			if first == "" {
				t.Fatal("empty answer: the test would prove little")
			}
		} else if b.String() != first {
			t.Errorf("prompt %d: %q, the first time %q", i, b.String(), first)
		}
	}
	base := func(s string) string {
		_, after, _ := strings.Cut(s, "base state ")
		n, _, _ := strings.Cut(after, " ")
		return n
	}
	if after := e.Status(); base(after) != base(status) || base(status) == "0" {
		t.Errorf("base state: %q before, %q after", status, after)
	}
}

// TestToolRefusalShown: a call the toolset refuses (here the second within
// the tool's rate limit) is not made, the answer says so, the model is
// told (the loop goes on), and the status counts it.
func TestToolRefusalShown(t *testing.T) {
	cfg := ledConfig(t, "led", false)
	cfg.Tools[0].PerMinute = 1
	r := newToolRig(t, cfg, false)
	e := toolEngine(t, cfg, r.set)
	var outs []string
	for range 2 {
		var b bytes.Buffer
		if err := e.Answer(context.Background(), "switch the LED on", &b); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.String())
	}
	if !strings.HasPrefix(outs[0], "[led {") || strings.Contains(outs[0], "refused") ||
		!strings.HasPrefix(outs[1], "[led {") || !strings.Contains(outs[1], "refused: led: rate limited: at most 1 calls a minute") {
		t.Errorf("answers %q", outs)
	}
	if o, _, _ := r.pin.record(); len(o) != 1 {
		t.Errorf("pin driven %v, want once", o)
	}
	if st := e.Status(); !strings.Contains(st, "2 answers, 2 tool calls (1 refused)") {
		t.Errorf("status %q", st)
	}
}

// TestToolCallFromButton: a button's prompt runs through the tools as a
// console line does; the answer, with its call line, goes to the outputs.
func TestToolCallFromButton(t *testing.T) {
	cfg := ledConfig(t, "led", false)
	r := newToolRig(t, cfg, false)
	button := newPin("GPIO27")
	var out syncBuffer
	a, _ := start(t, agent.Options{Engine: toolEngine(t, cfg, r.set), Output: &out,
		Buttons: []agent.Button{{Name: "lamp", Pin: button, Pull: gpio.PullUp, Edge: gpio.FallingEdge, Prompt: "Switch the LED on."}}})
	button.EdgesChan <- gpio.Low
	for i := 0; !strings.Contains(a.Status(), "answered: 1,"); i++ {
		if i == 60000 {
			t.Fatalf("no answer within a minute: %s", a.Status())
		}
		time.Sleep(time.Millisecond)
	}
	got := out.String()
	m := regexp.MustCompile(`^\[button lamp\] Switch the LED on\.\n\[led \{"value":"(on|off)"\} → \{"value":"(on|off)"\}\]`).FindStringSubmatch(got)
	if m == nil || m[1] != m[2] {
		t.Fatalf("output %q", got)
	}
	want := gpio.Low
	if m[1] == "on" {
		want = gpio.High
	}
	if o, _, _ := r.pin.record(); len(o) != 1 || o[0] != want {
		t.Errorf("pin driven %v, want %v once", o, want)
	}
}
