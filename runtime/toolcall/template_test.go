package toolcall

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
)

var weather = Tool{
	Name:        "get_weather",
	Description: "Current weather\n\nfor a city",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"unit":{"enum":["celsius","fahrenheit"]}},"required":["city"]}`),
}

var relay = Tool{
	Name:       "set_relay",
	Parameters: json.RawMessage(`{"type": "object", "properties": {"on": {"type": "boolean"}, "seconds": {"type": "integer", "minimum": 1, "maximum": 60}}, "required": ["on"], "additionalProperties": false}`),
}

// TestSystem: the system turn has the template's structure: the caller's
// text, then "Tools:", a compact JSON array of {name, description,
// arguments} (arguments = the schema's properties, in their order), then
// "Return only a JSON function call." — and no blank line inside.
func TestSystem(t *testing.T) {
	s, err := G1.System("You run a greenhouse.\r\n\r\nBe brief.", []Tool{weather, relay})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(s, "\n")
	if len(lines) != 5 || lines[0] != "You run a greenhouse." || lines[1] != "Be brief." || lines[2] != "Tools:" || lines[4] != "Return only a JSON function call." {
		t.Fatalf("system text:\n%s", s)
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[3]), &list); err != nil {
		t.Fatalf("tool list %q: %v", lines[3], err)
	}
	if len(list) != 2 {
		t.Fatalf("%d tools listed", len(list))
	}
	// Keys in the template's order, compact, properties in schema order.
	if !strings.HasPrefix(lines[3], `[{"name":"get_weather","description":"Current weather\nfor a city","arguments":{"city":{"type":"string"},"unit":`) {
		t.Fatalf("first tool: %s", lines[3])
	}
	if got := string(list[1]["arguments"]); got != `{"on":{"type":"boolean"},"seconds":{"type":"integer","minimum":1,"maximum":60}}` {
		t.Fatalf("arguments of set_relay: %s", got)
	}
	if _, ok := list[1]["description"]; ok {
		t.Fatal("an empty description is listed")
	}
	seg := runtime.SystemSegment(s)
	if !strings.HasPrefix(seg, "System: You run") || strings.Count(seg, "\n\n") != 1 || !strings.HasSuffix(seg, "call.\n\n") {
		t.Fatalf("segment %q", seg)
	}
	// No system text: the turn starts with the tools.
	s, _ = G1.System("", []Tool{relay})
	if !strings.HasPrefix(s, "Tools:\n[{") {
		t.Fatalf("no system text: %q", s)
	}
	// FullSchema lists the whole schema.
	full := G1
	full.FullSchema = true
	s, _ = full.ToolList([]Tool{relay})
	if !strings.Contains(s, `"arguments":{"type":"object","properties":{"on"`) {
		t.Fatalf("full schema: %s", s)
	}
}

// TestCallAndOutput: a call renders as the fenced block and parses back;
// an output is a cleaned user turn.
func TestCallAndOutput(t *testing.T) {
	c := Call{Name: "set_relay", Arguments: json.RawMessage(`{ "on": true,
 "seconds": 5 }`)}
	text, err := G1.CallText(c)
	if err != nil {
		t.Fatal(err)
	}
	if text != "```json\n{\"name\":\"set_relay\",\"arguments\":{\"on\":true,\"seconds\":5}}\n```" {
		t.Fatalf("call text %q", text)
	}
	back, err := G1.Parse(text)
	if err != nil || back.Name != c.Name || string(back.Arguments) != `{"on":true,"seconds":5}` {
		t.Fatalf("parsed %+v, %v", back, err)
	}
	before, call, ok := G1.Find(" Let me check. " + text)
	if !ok || before != " Let me check. " || call != text {
		t.Fatalf("find: %q %q %v", before, call, ok)
	}
	if _, _, ok := G1.Find("no call here"); ok {
		t.Fatal("found a call in plain text")
	}
	for _, bad := range []string{
		"```json\n{\"name\":\"x\",\"arguments\":{}}",              // not closed
		"```json\n{\"name\":\"x\"}\n```",                          // no arguments
		"```json\n{\"name\":\"x\",\"arguments\":{},\"y\":1}\n```", // extra key
		"```json\n{\"name\":\"x\",\"arguments\":{}} {}\n```",      // two values
		"{\"name\":\"x\",\"arguments\":{}}",                       // no fence
	} {
		if _, err := G1.Parse(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
	out := G1.Output([]byte("{\n\n  \"temp\": 31\r\n}"))
	if out != "Function output:\n{\n  \"temp\": 31\n}" {
		t.Fatalf("output %q", out)
	}
	if got := runtime.UserSegment(out, false); got != "User: Function output:\n{\n  \"temp\": 31\n}\n\nAssistant:" {
		t.Fatalf("output turn %q", got)
	}
	if G1.Forced() != "Assistant: ```json" {
		t.Fatalf("forced prefix %q", G1.Forced())
	}
}

// TestGrammarErrors: a bad schema names the tool and the place inside the
// tool's own schema, not the combined one.
func TestGrammarErrors(t *testing.T) {
	bad := Tool{Name: "bad", Parameters: json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer","not":{}}}}`)}
	_, err := G1.Grammar([]Tool{weather, bad})
	var se *SchemaError
	if !errors.As(err, &se) || se.Tool != "bad" || se.Index != 1 || !strings.HasPrefix(se.Path, "#/properties/n") {
		t.Fatalf("error %v (%+v)", err, se)
	}
	if _, err := G1.Grammar([]Tool{weather, weather}); err == nil {
		t.Fatal("two tools of one name accepted")
	}
	if _, err := G1.Grammar([]Tool{weather}, "nope"); !errors.Is(err, ErrUnknownTool) {
		t.Fatalf("unknown forced tool: %v", err)
	}
	if _, err := G1.Grammar([]Tool{{Name: "x", Parameters: json.RawMessage(`{`)}}); !errors.As(err, &se) {
		t.Fatalf("broken JSON: %v", err)
	}
}

// TestGrammarShape: the call grammar takes exactly the calls of the
// declared tools, arguments valid, framed by the fences; $refs into a
// tool's own $defs still resolve once the schemas are combined.
func TestGrammarShape(t *testing.T) {
	withRef := Tool{Name: "move", Parameters: json.RawMessage(`{"type":"object","properties":{"to":{"$ref":"#/$defs/pos"}},"required":["to"],"$defs":{"pos":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"]}}}`)}
	g, err := G1.Grammar([]Tool{weather, relay, withRef})
	if err != nil {
		t.Fatal(err)
	}
	accept := func(s string) bool {
		m := g.NewMatcher()
		return m.Accept([]byte(s)) == nil && m.Done()
	}
	for _, ok := range []string{
		"\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}\n```",
		"\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"unit\": \"celsius\"}}\n```",
		"\n{\"name\":\"set_relay\",\"arguments\":{\"on\":false,\"seconds\":60}}\n```",
		"\n{\"name\":\"move\",\"arguments\":{\"to\":{\"x\":1,\"y\":-2}}}\n```",
	} {
		if !accept(ok) {
			t.Errorf("rejected %q", ok)
		}
	}
	for _, bad := range []string{
		"\n{\"name\":\"get_weather\",\"arguments\":{}}\n```",                         // city required
		"\n{\"name\":\"set_relay\",\"arguments\":{\"on\":true,\"seconds\":61}}\n```", // above maximum
		"\n{\"name\":\"set_relay\",\"arguments\":{\"city\":\"Oslo\"}}\n```",          // another tool's arguments
		"\n{\"name\":\"unknown\",\"arguments\":{}}\n```",
		"\n{\"arguments\":{\"on\":true},\"name\":\"set_relay\"}\n```", // name first
		"\n{\"name\":\"set_relay\",\"arguments\":{\"on\":true}}",      // not closed
		"{\"name\":\"set_relay\",\"arguments\":{\"on\":true}}\n```",   // no CallStart
		"\n{\"name\":\"move\",\"arguments\":{\"to\":{\"x\":1}}}\n```",
	} {
		if accept(bad) {
			t.Errorf("accepted %q", bad)
		}
	}
	// Forced to one tool: the others are out.
	g, err = G1.Grammar([]Tool{weather, relay}, "set_relay")
	if err != nil {
		t.Fatal(err)
	}
	if m := g.NewMatcher(); m.Accept([]byte("\n{\"name\":\"get_weather\"")) == nil {
		t.Fatal("a forced grammar allows another tool")
	}
}
