package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/tools/testenv"
)

var testTools = []map[string]any{
	{"type": "function", "function": map[string]any{
		"name": "set_relay", "description": "Switch the fan relay",
		"parameters": json.RawMessage(`{"type":"object","properties":{"on":{"type":"boolean"},"seconds":{"type":"integer","minimum":1,"maximum":60}},"required":["on"],"additionalProperties":false}`),
	}},
	{"type": "function", "function": map[string]any{
		"name": "read_sensor", "description": "Read a temperature",
		"parameters": json.RawMessage(`{"type":"object","properties":{"sensor":{"enum":["greenhouse","outside"]}},"required":["sensor"],"additionalProperties":false}`),
	}},
}

type toolResponse struct {
	Choices []struct {
		Message *struct {
			Role      string     `json:"role"`
			Content   *string    `json:"content"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"message"`
		Delta *struct {
			Content   *string    `json:"content"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Error *struct {
		Message string  `json:"message"`
		Param   *string `json:"param"`
	} `json:"error"`
}

// runs is how many seeds a test of generated calls tries: n, or 2 under
// qemu (QEMU_CPU set, as in CI's arm64 run), where a decode step of the
// test model costs a few hundred times more and the grammar is no
// different.
func runs(n int) int {
	if testenv.Emulated() {
		return 2
	}
	return n
}

// checkCall checks a call against testTools' schemas by hand.
func checkCall(t *testing.T, name, args string) {
	t.Helper()
	var a map[string]any
	dec := json.NewDecoder(strings.NewReader(args))
	if err := dec.Decode(&a); err != nil || dec.More() {
		t.Fatalf("arguments %q: %v", args, err)
	}
	switch name {
	case "set_relay":
		if _, ok := a["on"].(bool); !ok {
			t.Fatalf("set_relay %s: on", args)
		}
		if s, ok := a["seconds"]; ok {
			if f, ok := s.(float64); !ok || f < 1 || f > 60 || f != float64(int(f)) {
				t.Fatalf("set_relay %s: seconds", args)
			}
		}
		if len(a) > 2 {
			t.Fatalf("set_relay %s: extra keys", args)
		}
	case "read_sensor":
		if s := a["sensor"]; len(a) != 1 || s != "greenhouse" && s != "outside" {
			t.Fatalf("read_sensor %s", args)
		}
	default:
		t.Fatalf("call to %q", name)
	}
}

// TestToolRoundTrip: a forced call comes back as tool_calls with
// finish_reason tool_calls and valid arguments; sent back with the tool's
// output as a role tool message, the conversation goes on. A named choice
// calls that tool.
func TestToolRoundTrip(t *testing.T) {
	_, url := newServer(t, Options{Cache: 4})
	for seed := range runs(8) {
		choice := any("required")
		if seed%2 == 1 {
			choice = map[string]any{"type": "function", "function": map[string]any{"name": "read_sensor"}}
		}
		msgs := []map[string]any{{"role": "system", "content": "You run a greenhouse."}, {"role": "user", "content": "Too warm?"}}
		code, body := post(t, url, "/v1/chat/completions", map[string]any{"messages": msgs, "tools": testTools, "tool_choice": choice, "seed": seed, "max_tokens": 200, "temperature": 1, "top_p": 1})
		var r toolResponse
		if err := json.Unmarshal(body, &r); code != 200 || err != nil || len(r.Choices) != 1 {
			t.Fatalf("seed %d: %d %s", seed, code, body)
		}
		c := r.Choices[0]
		if c.FinishReason == nil || *c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 1 || c.Message.Content != nil {
			t.Fatalf("seed %d: %s", seed, body)
		}
		call := c.Message.ToolCalls[0]
		if !strings.HasPrefix(call.ID, "call_") || call.Type != "function" || seed%2 == 1 && call.Function.Name != "read_sensor" {
			t.Fatalf("seed %d: call %+v", seed, call)
		}
		checkCall(t, call.Function.Name, call.Function.Arguments)
		msgs = append(msgs,
			map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{call}},
			map[string]any{"role": "tool", "tool_call_id": call.ID, "content": `{"ok":true,"temp_c":31}`})
		code, body = post(t, url, "/v1/chat/completions", map[string]any{"messages": msgs, "tools": testTools, "tool_choice": "none", "seed": seed, "max_tokens": 5})
		r = toolResponse{}
		if err := json.Unmarshal(body, &r); code != 200 || err != nil || r.Choices[0].Message.Content == nil || len(r.Choices[0].Message.ToolCalls) != 0 {
			t.Fatalf("seed %d, after the tool: %d %s", seed, code, body)
		}
	}
}

// TestToolPrompt: the prompt a tool conversation renders to: the tools in
// the system turn, the call as the model writes it, the output as a
// Function output user turn, and a forced call's prefill.
func TestToolPrompt(t *testing.T) {
	s, _ := newServer(t, Options{})
	var req chatRequest
	body := map[string]any{"tools": testTools, "tool_choice": "required", "messages": []map[string]any{
		{"role": "user", "content": "Fan on"},
		{"role": "assistant", "tool_calls": []map[string]any{{"id": "call_1", "type": "function", "function": map[string]any{"name": "set_relay", "arguments": `{"on": true}`}}}},
		{"role": "tool", "tool_call_id": "call_1", "content": "{\n\n\"ok\": true}"},
	}}
	b, _ := json.Marshal(body)
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	plan, err := planChat(&req)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := s.chatTokens(req.Messages, plan)
	if err != nil {
		t.Fatal(err)
	}
	got := string(s.m.Tokenizer.Decode(tokens)) + plan.call.Prefill
	want := "System: Tools:\n[{\"name\":\"set_relay\",\"description\":\"Switch the fan relay\",\"arguments\":{\"on\":{\"type\":\"boolean\"},\"seconds\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":60}}}," +
		"{\"name\":\"read_sensor\",\"description\":\"Read a temperature\",\"arguments\":{\"sensor\":{\"enum\":[\"greenhouse\",\"outside\"]}}}]\nReturn only a JSON function call.\n\n" +
		"User: Fan on\n\nAssistant: ```json\n{\"name\":\"set_relay\",\"arguments\":{\"on\":true}}\n```\n\n" +
		"User: Function output:\n{\n\"ok\": true}\n\nAssistant: ```json"
	if got != want {
		t.Fatalf("prompt\n%q\nwant\n%q", got, want)
	}
}

// readRaw reads an event stream's chunks.
func readRaw(t *testing.T, b []byte) (chunks []toolResponse, done bool) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			return chunks, true
		}
		var c toolResponse
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		chunks = append(chunks, c)
	}
	return chunks, false
}

// TestToolCallStreamed: the streamed deltas of a call are OpenAI's: index
// 0 throughout, id, type and name in the first, then argument fragments
// that join into valid arguments; the last chunk says tool_calls.
func TestToolCallStreamed(t *testing.T) {
	_, url := newServer(t, Options{})
	for seed := range runs(6) {
		code, body := post(t, url, "/v1/chat/completions", map[string]any{"stream": true, "tools": testTools, "tool_choice": "required", "seed": seed,
			"temperature": 1, "top_p": 1, "max_tokens": 200, "messages": []map[string]any{{"role": "user", "content": "Fan on for 5 s"}}})
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		chunks, done := readRaw(t, body)
		if !done || len(chunks) < 3 {
			t.Fatalf("seed %d: %d chunks, done %v", seed, len(chunks), done)
		}
		var name, id, args string
		pieces := 0
		for i, c := range chunks {
			if len(c.Choices) == 0 || c.Choices[0].Delta == nil {
				continue
			}
			d := c.Choices[0].Delta
			if d.Content != nil && *d.Content != "" {
				t.Fatalf("seed %d: content %q in a forced call", seed, *d.Content)
			}
			for _, tc := range d.ToolCalls {
				if tc.Index == nil || *tc.Index != 0 {
					t.Fatalf("seed %d chunk %d: index %v", seed, i, tc.Index)
				}
				if tc.Function.Name != "" {
					if name != "" || pieces > 0 || tc.ID == "" || tc.Type != "function" {
						t.Fatalf("seed %d chunk %d: a second head or a head after arguments: %+v", seed, i, tc)
					}
					name, id = tc.Function.Name, tc.ID
					continue
				}
				if name == "" || tc.ID != "" {
					t.Fatalf("seed %d chunk %d: arguments before the head", seed, i)
				}
				args += tc.Function.Arguments
				pieces++
			}
		}
		last := chunks[len(chunks)-1].Choices[0]
		if last.FinishReason == nil || *last.FinishReason != "tool_calls" || !strings.HasPrefix(id, "call_") {
			t.Fatalf("seed %d: finish %v, id %q", seed, last.FinishReason, id)
		}
		checkCall(t, name, args)
	}
}

// TestResponseFormat: json_schema (strict) and json_object replies are one
// JSON value of the schema, streamed or not; the user's stop strings do not
// cut them; the token limit does, as finish_reason length.
func TestResponseFormat(t *testing.T) {
	_, url := newServer(t, Options{})
	schema := json.RawMessage(`{"type":"object","properties":{"level":{"enum":["low","high"]},"count":{"type":"integer","minimum":0,"maximum":99},"tags":{"type":"array","items":{"type":"string","maxLength":5},"maxItems":2}},"required":["level","count","tags"],"additionalProperties":false}`)
	format := map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "reading", "strict": true, "schema": schema}}
	for seed := range runs(8) {
		stream := seed%2 == 1
		code, body := post(t, url, "/v1/chat/completions", map[string]any{"stream": stream, "response_format": format, "seed": seed, "stop": []string{"}", ","},
			"temperature": 1, "top_p": 1, "max_tokens": 300, "messages": []map[string]any{{"role": "user", "content": "Report"}}})
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var text, finish string
		if stream {
			chunks, _ := readRaw(t, body)
			for _, c := range chunks {
				if len(c.Choices) > 0 && c.Choices[0].Delta != nil && c.Choices[0].Delta.Content != nil {
					text += *c.Choices[0].Delta.Content
				}
				if len(c.Choices) > 0 && c.Choices[0].FinishReason != nil {
					finish = *c.Choices[0].FinishReason
				}
			}
		} else {
			var r toolResponse
			json.Unmarshal(body, &r)
			text, finish = *r.Choices[0].Message.Content, *r.Choices[0].FinishReason
		}
		var v struct {
			Level string
			Count *int
			Tags  []string
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil || dec.More() || finish != "stop" {
			t.Fatalf("seed %d: %q (%s): %v", seed, text, finish, err)
		}
		if v.Level != "low" && v.Level != "high" || v.Count == nil || *v.Count < 0 || *v.Count > 99 || len(v.Tags) > 2 {
			t.Fatalf("seed %d: %q breaks the schema", seed, text)
		}
	}
	// json_object: an object.
	code, body := post(t, url, "/v1/chat/completions", map[string]any{"response_format": map[string]any{"type": "json_object"}, "seed": 1, "max_tokens": 3,
		"messages": []map[string]any{{"role": "user", "content": "Report"}}})
	var r toolResponse
	json.Unmarshal(body, &r)
	if code != 200 || !strings.HasPrefix(*r.Choices[0].Message.Content, "{") || *r.Choices[0].FinishReason != "length" {
		t.Fatalf("json_object cut at 3 tokens: %d %s", code, body)
	}
}

// TestToolErrors: invalid schemas are 400 in OpenAI's shape with the path
// inside the schema; so are bad choices.
func TestToolErrors(t *testing.T) {
	_, url := newServer(t, Options{})
	msgs := []map[string]any{{"role": "user", "content": "x"}}
	badTool := []map[string]any{testTools[0], {"type": "function", "function": map[string]any{"name": "bad",
		"parameters": json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer","multipleOf":3}}}`)}}}
	cases := []struct {
		body        map[string]any
		param, text string
	}{
		{map[string]any{"messages": msgs, "response_format": map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "x", "schema": json.RawMessage(`{"type":"object","properties":{"a":{"type":"strin"}}}`)}}},
			"response_format.json_schema.schema", "#/properties/a"},
		{map[string]any{"messages": msgs, "tools": badTool}, "tools[1].function.parameters", "#/properties/n"},
		{map[string]any{"messages": msgs, "tools": testTools, "tool_choice": map[string]any{"type": "function", "function": map[string]any{"name": "nope"}}}, "tool_choice", "nope"},
		{map[string]any{"messages": msgs, "tool_choice": "required"}, "tool_choice", "no tools"},
		{map[string]any{"messages": msgs, "tools": testTools, "tool_choice": "sometimes"}, "tool_choice", "sometimes"},
		{map[string]any{"messages": msgs, "response_format": map[string]any{"type": "yaml"}}, "response_format.type", "yaml"},
		{map[string]any{"messages": msgs, "tools": testTools, "response_format": map[string]any{"type": "json_object"}}, "response_format", "tool_choice"},
		{map[string]any{"messages": []map[string]any{{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": []map[string]any{{"function": map[string]any{"name": "f", "arguments": "{oops"}}}}, {"role": "user", "content": "y"}}}, "messages", "tool_calls[0]"},
	}
	for i, c := range cases {
		code, body := post(t, url, "/v1/chat/completions", c.body)
		var r toolResponse
		json.Unmarshal(body, &r)
		if code != 400 || r.Error == nil || r.Error.Param == nil || *r.Error.Param != c.param || !strings.Contains(r.Error.Message, c.text) {
			t.Errorf("case %d: %d %s", i, code, body)
		}
	}
}

// TestAutoReply: under tool_choice auto a reply is read as content, a call,
// or both; a call cut by the token limit is content with finish_reason
// length, never a call. Plans are reused for the same tools.
func TestAutoReply(t *testing.T) {
	s, _ := newServer(t, Options{})
	var req chatRequest
	b, _ := json.Marshal(map[string]any{"tools": testTools, "messages": []map[string]any{{"role": "user", "content": "x"}}})
	json.Unmarshal(b, &req)
	plan, err := s.planChat(&req)
	if err != nil || plan.call.Trigger == nil || plan.call.Prefill != "" || !plan.calling {
		t.Fatalf("auto plan %+v, %v", plan, err)
	}
	if again, _ := s.planChat(&req); again != plan {
		t.Fatal("the same tools made a new plan")
	}
	call := "```json\n{\"name\": \"set_relay\", \"arguments\": {\"on\": true}}\n```"
	for _, c := range []struct {
		text, finish, content, args string
		on                          bool
	}{
		{" Hello there.", "stop", "Hello there.", "", false},
		{" " + call, "stop", "", `{"on": true}`, true},
		{" Switching. " + call, "stop", "Switching.", `{"on": true}`, true},
		{" " + call[:20], "length", call[:20], "", true},
	} {
		res := &result{text: []byte(c.text), finish: c.finish}
		res.stats.GrammarOn = c.on
		content, calls, finish := plan.reply(res)
		got := ""
		if content != nil {
			got = *content
		}
		args := ""
		if len(calls) == 1 {
			args = calls[0].Function.Arguments
		}
		wantFinish := c.finish
		if c.args != "" {
			wantFinish = "tool_calls"
		}
		if got != c.content || args != c.args || finish != wantFinish || c.args != "" && c.content == "" && content != nil {
			t.Errorf("%q: content %q, args %q, finish %q", c.text, got, args, finish)
		}
	}
}
