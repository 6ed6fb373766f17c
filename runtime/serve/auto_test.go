package serve

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/internal/scripted"
	"github.com/gosling-edge/gosling/runtime/internal/shadow"
)

// scriptedStep is a Backend that makes the model write its Script's texts
// (runtime/internal/scripted).
type scriptedStep struct {
	runtime.Backend
	scripted.Script
}

func (s *scriptedStep) Prefill(st *runtime.State, tokens []int32) ([]float32, error) {
	l, err := s.Backend.Prefill(st, tokens)
	return s.Prefilled(tokens, l), err
}

func (s *scriptedStep) Forward(st *runtime.State, token int) ([]float32, error) {
	l, err := s.Backend.Forward(st, token)
	return s.Stepped(token, l), err
}

// TestAutoCallThroughHandler: under tool_choice auto, a model that opens
// the call fence by itself (scriptedStep) gets its call constrained by the
// lazy grammar: the response carries the text before the fence as
// content and the call as tool_calls (finish_reason tool_calls), with
// arguments valid for the tool's schema. Sent back with the tool's output,
// the conversation goes on: the prompt holds a Function output turn and
// the reply is plain content.
func TestAutoCallThroughHandler(t *testing.T) {
	m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for seed := range runs(3) {
		dev := &scriptedStep{Backend: shadow.New(m), Script: scripted.Script{Tok: m.Tokenizer, Scripts: []string{" Let me check.\n```json", " It is warm.\n\n"}}}
		s := New(m, Options{Backend: dev})
		msgs := []map[string]any{{"role": "user", "content": "Too warm?"}}
		req := func() toolResponse {
			b, _ := json.Marshal(map[string]any{"messages": msgs, "tools": testTools, "tool_choice": "auto", "seed": seed, "max_tokens": 200})
			rec := serveOnce(s, "/v1/chat/completions", b)
			var r toolResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &r); rec.Code != 200 || err != nil || len(r.Choices) != 1 || r.Choices[0].Message == nil {
				t.Fatalf("seed %d: %d %s", seed, rec.Code, rec.Body.Bytes())
			}
			return r
		}
		c := req().Choices[0]
		if c.FinishReason == nil || *c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 1 ||
			c.Message.Content == nil || *c.Message.Content != "Let me check." {
			b, _ := json.Marshal(c)
			t.Fatalf("seed %d: %s", seed, b)
		}
		call := c.Message.ToolCalls[0]
		checkCall(t, call.Function.Name, call.Function.Arguments)
		const output = `{"ok":true,"temp_c":31}`
		msgs = append(msgs,
			map[string]any{"role": "assistant", "content": *c.Message.Content, "tool_calls": []any{call}},
			map[string]any{"role": "tool", "tool_call_id": call.ID, "content": output})
		c = req().Choices[0]
		if c.FinishReason == nil || *c.FinishReason != "stop" || len(c.Message.ToolCalls) != 0 ||
			c.Message.Content == nil || *c.Message.Content != "It is warm." {
			b, _ := json.Marshal(c)
			t.Fatalf("seed %d, after the tool: %s", seed, b)
		}
		if fed := string(dev.Fed); !strings.Contains(fed, "User: Function output:\n"+output+"\n\nAssistant:") {
			t.Errorf("seed %d: no Function output turn in what was fed:\n%q", seed, fed)
		}
		t.Logf("seed %d: call %s %s", seed, call.Function.Name, call.Function.Arguments)
	}
}
