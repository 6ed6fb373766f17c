//go:build linux

package agent_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"periph.io/x/conn/v3/gpio"

	"github.com/gosling-edge/gosling/firmware/agent"
	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/runtime/toolcall"
)

// TestTemplateFor: chat.tool_template picks G1 or Hermes, chat.tool_format
// replaces single fields, and the example's commented [chat.tool_format],
// uncommented, spells out G1 exactly (so --print-config documents the real
// defaults).
func TestTemplateFor(t *testing.T) {
	p, _ := board.ByID("pi4")
	parse := func(s string) *config.Config {
		t.Helper()
		c, err := config.Parse([]byte(s))
		if err == nil {
			err = c.Validate(p)
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		return c
	}
	if got := agent.TemplateFor(parse("")); got != toolcall.G1 {
		t.Errorf("default: %+v, want G1", got)
	}
	if got := agent.TemplateFor(parse("[chat]\ntool_template = \"hermes\"")); got != toolcall.Hermes {
		t.Errorf("hermes: %+v", got)
	}
	want := toolcall.Hermes
	want.CallOpen, want.FullSchema = "<call>", false
	if got := agent.TemplateFor(parse("[chat]\ntool_template = \"hermes\"\n[chat.tool_format]\ncall_open = \"<call>\"\nfull_schema = false")); got != want {
		t.Errorf("hermes with call_open and full_schema: %+v, want %+v", got, want)
	}

	var lines []string
	in := false
	for _, l := range strings.Split(config.Example(p), "\n") {
		if strings.HasPrefix(l, "# [chat.tool_format]") {
			in = true
		}
		if in && l == "" {
			break
		}
		if in {
			lines = append(lines, strings.TrimPrefix(l, "# "))
		}
	}
	if len(lines) < 9 {
		t.Fatalf("no [chat.tool_format] in the example: %q", lines)
	}
	tf := parse(strings.Join(lines, "\n"))
	if tf.Chat.ToolFormat.CallOpen == nil || tf.Chat.ToolFormat.FullSchema == nil || tf.Chat.ToolFormat.OutputOutro == nil {
		t.Fatalf("the example's table sets too little: %+v", tf.Chat.ToolFormat)
	}
	tf.Chat.ToolTemplate = "hermes" // every field comes from the table
	if got := agent.TemplateFor(tf); got != toolcall.G1 {
		t.Errorf("the example's [chat.tool_format] over hermes: %+v, want G1 %+v", got, toolcall.G1)
	}
}

// TestToolCallHermes: with chat.tool_template = "hermes" the system turn
// lists the tools in <tools> tags, a forced call opens with <tool_call>
// (the loop finds and parses the call only behind that opening) and still
// drives the fake pin.
func TestToolCallHermes(t *testing.T) {
	cfg, err := config.Parse([]byte(`
[chat]
max_tool_calls = 1
tool_choice = "led"
tool_template = "hermes"

[[tool]]
name = "led"
kind = "gpio_write"
description = "Switch the green LED on or off."
pin = "GPIO17"
`))
	if err == nil {
		p, _ := board.ByID("pi4")
		err = cfg.Validate(p)
	}
	if err != nil {
		t.Fatal(err)
	}
	r := newToolRig(t, cfg, false)
	tt := agent.ToolConfig(cfg, r.set)
	sys, err := tt.Template.System("", tt.Tools)
	if err != nil || !strings.Contains(sys, "<tools>\n[{") || !strings.HasSuffix(tt.Template.Forced(), " <tool_call>") {
		t.Fatalf("hermes: system %q (%v), forced %q", sys, err, tt.Template.Forced())
	}
	e := toolEngine(t, cfg, r.set)
	var out bytes.Buffer
	if err := e.Answer(context.Background(), "switch the LED on", &out); err != nil {
		t.Fatal(err)
	}
	m := callLine.FindStringSubmatch(strings.ReplaceAll(out.String(), "\n", "\r\n"))
	if m == nil {
		t.Fatalf("no call line in the answer %q", out.String())
	}
	want := gpio.Low
	if m[2] == "on" {
		want = gpio.High
	}
	if outs, _, _ := r.pin.record(); len(outs) != 1 || outs[0] != want {
		t.Errorf("call %s: pin driven %v; want %v once", m[1], outs, want)
	}
	if st := e.Status(); !strings.Contains(st, "1 tool calls") {
		t.Errorf("status %q", st)
	}
}
