// Package toolcall lets a model call tools in the prompt format it was
// trained on, with every call constrained to be valid: it renders the tool
// list into the system turn, builds the grammar of a call, finds and parses
// the calls in the output (also as a stream, for a server), and runs the
// loop call → executor → function output → next reply.
//
// # The RWKV-7 G1 format
//
// G1 models were trained on many tool-call formats; the one this package
// writes by default (G1) is the JSON one of the official G1 examples
// (BlinkDL's RWKV-7 G1 demo; RWKV-LM's RWKV-v7/RWKV7-G1x-templates.txt
// lists the chat turns and the input cleaning):
//
//	System: Tools:
//	[{"name":"find_free_slots","description":"Find free calendar slots","arguments":{"date":{"type":"string"}}}]
//	Return only a JSON function call.
//
//	User: Schedule a sync on 2026-05-08.
//
//	Assistant: ```json
//	{"name":"find_free_slots","arguments":{"date":"2026-05-08"}}
//	```
//
//	User: Function output:
//	{"free_slots":["15:00"]}
//
//	Assistant: …
//
// The tools are a compact JSON array of {"name", "description",
// "arguments"}, where "arguments" holds the properties of the tool's
// parameter schema, as in the examples. A call is a fenced JSON block; its
// result comes back as a user turn. User and system text is cleaned as the
// template file asks (runtime.CleanChatText: "\r\n" to "\n", runs of
// newlines to one, trimmed), since a blank line would end the turn.
//
// Everything format-specific is a field of Template, so another fine-tune's
// format (Hermes' <tool_call> tags, say) is a different Template value, not
// different code.
//
// # Constrained calls
//
// A reply is free text until the model writes the template's CallOpen
// ("```json"); from there on a lazy grammar (runtime.GenerateOptions'
// GrammarTrigger) allows only CallStart, an object {"name": one of the
// tools, "arguments": a value of that tool's schema}, and CallClose, after
// which the reply ends. A forced call (a required or named tool) writes
// CallOpen into the prompt itself and constrains the reply from its first
// token, to the allowed tools only.
package toolcall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
)

// Template is a tool-call prompt format: the strings around the tool list,
// a call and its output. The role names and turn separators are the G1
// chat template's (runtime.SystemSegment, runtime.UserSegment).
type Template struct {
	// ToolsIntro and ToolsOutro surround the JSON array of tools in the
	// system turn.
	ToolsIntro, ToolsOutro string
	// FullSchema renders each tool's whole parameter schema as its
	// "arguments"; otherwise only the schema's properties (G1's examples).
	FullSchema bool
	// CallOpen opens a call in the assistant's reply; it is also what
	// switches the grammar on. A forced call puts it in the prompt after
	// "Assistant:" and a space.
	CallOpen string
	// CallStart comes between CallOpen and the call's JSON object, and
	// CallClose after it; the reply ends there.
	CallStart, CallClose string
	// OutputIntro and OutputOutro surround a call's result in the user
	// turn that returns it.
	OutputIntro, OutputOutro string
}

// G1 is the RWKV-7 G1 format (see the package documentation).
var G1 = Template{
	ToolsIntro:  "Tools:\n",
	ToolsOutro:  "\nReturn only a JSON function call.",
	CallOpen:    "```json",
	CallStart:   "\n",
	CallClose:   "\n```",
	OutputIntro: "Function output:\n",
}

// Hermes is the <tool_call> format of Hermes-style fine-tunes, for models
// trained on it: an example of a Template other than G1's.
var Hermes = Template{
	ToolsIntro:  "You may call one or more functions. Function signatures are within <tools></tools>:\n<tools>\n",
	ToolsOutro:  "\n</tools>\nFor each function call, return a json object with the function name and arguments within <tool_call></tool_call> tags.",
	FullSchema:  true,
	CallOpen:    "<tool_call>",
	CallStart:   "\n",
	CallClose:   "\n</tool_call>",
	OutputIntro: "<tool_response>\n",
	OutputOutro: "\n</tool_response>",
}

// Tool is a function the model may call.
type Tool struct {
	Name        string
	Description string
	// Parameters is the JSON Schema of the arguments, normally an object
	// schema; nil means any JSON object.
	Parameters json.RawMessage
}

// Call is a call the model made: a tool's name and its arguments as JSON.
type Call struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// System is the text of the system turn that offers tools: the caller's
// system text (if any) on a line of its own, then the tool list. It is
// cleaned like any system text; runtime.SystemSegment writes the turn.
func (t *Template) System(system string, tools []Tool) (string, error) {
	list, err := t.ToolList(tools)
	if err != nil {
		return "", err
	}
	s := t.ToolsIntro + list + t.ToolsOutro
	if system = runtime.CleanChatText(system); system != "" {
		s = system + "\n" + s
	}
	return runtime.CleanChatText(s), nil
}

// ToolList is the tools as the template lists them: a compact JSON array
// of {"name", "description", "arguments"}, in the given order.
func (t *Template) ToolList(tools []Tool) (string, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, tool := range tools {
		if i > 0 {
			b.WriteByte(',')
		}
		args, err := t.arguments(tool.Parameters)
		if err != nil {
			return "", fmt.Errorf("tool %q: parameters: %w", tool.Name, err)
		}
		b.WriteString(`{"name":`)
		b.Write(marshal(tool.Name))
		if tool.Description != "" {
			b.WriteString(`,"description":`)
			b.Write(marshal(runtime.CleanChatText(tool.Description)))
		}
		b.WriteString(`,"arguments":`)
		b.Write(args)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String(), nil
}

// arguments is what the list shows of a parameter schema: the schema, or
// its properties, compacted with the keys in their order.
func (t *Template) arguments(schema json.RawMessage) ([]byte, error) {
	if len(bytes.TrimSpace(schema)) == 0 {
		return []byte("{}"), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, schema); err != nil {
		return nil, err
	}
	if t.FullSchema {
		return b.Bytes(), nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(b.Bytes(), &obj) != nil {
		return b.Bytes(), nil // not an object: shown whole
	}
	if p, ok := obj["properties"]; ok && len(p) > 0 && p[0] == '{' {
		return p, nil
	}
	return []byte("{}"), nil
}

// CallText is a call as the assistant writes it, for a conversation's
// history: CallOpen, CallStart, the compact JSON object, CallClose. The
// arguments must be valid JSON.
func (t *Template) CallText(c Call) (string, error) {
	var args bytes.Buffer
	raw := bytes.TrimSpace(c.Arguments)
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := json.Compact(&args, raw); err != nil {
		return "", fmt.Errorf("tool call %q: arguments: %w", c.Name, err)
	}
	return t.CallOpen + t.CallStart + `{"name":` + string(marshal(c.Name)) + `,"arguments":` + args.String() + "}" + t.CallClose, nil
}

// Output is the text of the user turn that returns a call's result
// (runtime.UserSegment writes the turn, cleaning it).
func (t *Template) Output(result []byte) string {
	return t.OutputIntro + runtime.CleanChatText(string(result)) + t.OutputOutro
}

// Forced is what a prompt ends with to force a call: the assistant's
// prefix and CallOpen, after which the call's grammar applies from the
// first generated token.
func (t *Template) Forced() string { return runtime.AssistantPrefix(false) + " " + t.CallOpen }

// marshal writes a JSON string without HTML escapes (a model reads "<" as
// "<", not "\u003c").
func marshal(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// Find locates the first call in a reply: the text before it, and the
// call's text from CallOpen to the end. ok is false for a reply with no
// call (a plain answer).
func (t *Template) Find(reply string) (before, call string, ok bool) {
	i := strings.Index(reply, t.CallOpen)
	if i < 0 {
		return reply, "", false
	}
	return reply[:i], reply[i:], true
}

// Parse reads a call's text (CallOpen, CallStart, the JSON object,
// CallClose; white space around them is allowed). It checks the shape, not
// the arguments against a schema: the grammar did that while the call was
// generated, and an executor checks again.
func (t *Template) Parse(text string) (Call, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), t.CallOpen)
	if !ok {
		return Call{}, fmt.Errorf("tool call: does not start with %q", t.CallOpen)
	}
	rest = strings.TrimSpace(rest)
	body, ok := strings.CutSuffix(rest, strings.TrimSpace(t.CallClose))
	if !ok {
		return Call{}, fmt.Errorf("tool call: not closed with %q (cut short?)", strings.TrimSpace(t.CallClose))
	}
	var c Call
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Call{}, fmt.Errorf("tool call: %w", err)
	}
	if dec.More() {
		return Call{}, fmt.Errorf("tool call: text after the call's object")
	}
	if c.Name == "" || len(c.Arguments) == 0 {
		return Call{}, fmt.Errorf("tool call: want {\"name\": …, \"arguments\": …}")
	}
	return c, nil
}
