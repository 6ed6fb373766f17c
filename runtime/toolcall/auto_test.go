package toolcall

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/internal/scripted"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

// scriptedStep is a Stepper that makes the model write its Script's texts
// (runtime/internal/scripted).
type scriptedStep struct {
	runtime.Stepper
	scripted.Script
}

func (s *scriptedStep) Prefill(st *runtime.State, tokens []int32) ([]float32, error) {
	l, err := s.Stepper.Prefill(st, tokens)
	return s.Prefilled(tokens, l), err
}

func (s *scriptedStep) Forward(st *runtime.State, token int) ([]float32, error) {
	l, err := s.Stepper.Forward(st, token)
	return s.Stepped(token, l), err
}

// randomModel is a small random-weight model: whatever it writes beyond
// the scripts is the grammar's doing.
func randomModel(t *testing.T) *runtime.Model {
	t.Helper()
	in, err := synth.Input(synth.Shape{Layers: 2, Embd: 128, Vocab: 1000, FFN: 256, RankW: 32, RankA: 32, RankV: 32, RankG: 64}, 11)
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := convert.DefaultPolicy(quant.TypeF16)
	path := filepath.Join(t.TempDir(), "random.gguf")
	if _, err := convert.Write(in, path, convert.Options{Policy: policy}); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(path, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestAutoCallEndToEnd: in auto mode the model opens the call fence by
// itself (scriptedStep), the lazy grammar takes over from there, and the loop
// runs the whole round: the text before the fence streams as content, the
// call parses, names a declared tool and validates against its schema, the
// executor runs it, its output is fed back as a Function output turn, and
// the next reply is the plain answer.
func TestAutoCallEndToEnd(t *testing.T) {
	m := randomModel(t)
	tools := toolSets[0]
	const answer = "It is 31 degrees."
	for seed := uint64(1); seed <= 3; seed++ {
		step := &scriptedStep{Stepper: m.NewContext(), Script: scripted.Script{Tok: m.Tokenizer,
			Scripts: []string{" Let me check.\n```json", " " + answer + "\n\n"}}}
		gen := m.NewGenerator(step, runtime.SamplerOptions{Temperature: 1, TopP: 0.3, Seed: seed})
		sys, _ := G1.System("", tools)
		s := m.NewState()
		if _, err := gen.Feed(context.Background(), s, m.Tokenizer.Encode([]byte(runtime.SystemSegment(sys))), nil); err != nil {
			t.Fatal(err)
		}
		exec := &fakeExec{out: map[string]string{"get_weather": `{"temp":31}`, "set_relay": `{"ok":true}`}}
		var events []Event
		l := &Loop{Model: m, Gen: gen, Tools: tools, Exec: exec, MaxTokens: 200, Emit: func(e Event) { events = append(events, e) }}
		res, err := l.Run(context.Background(), s, "Is the greenhouse too warm?")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Calls) != 1 || len(exec.calls) != 1 || res.Calls[0].Err != nil {
			t.Fatalf("seed %d: calls %+v, executor saw %q, answer %q", seed, res.Calls, exec.calls, res.Answer)
		}
		call := res.Calls[0].Call
		var tool *Tool
		for k := range tools {
			if tools[k].Name == call.Name {
				tool = &tools[k]
			}
		}
		var schema, value any
		if tool == nil {
			t.Fatalf("seed %d: call to undeclared %q", seed, call.Name)
		}
		json.Unmarshal(tool.Parameters, &schema)
		if err := json.Unmarshal(call.Arguments, &value); err != nil {
			t.Fatalf("seed %d: arguments %s: %v", seed, call.Arguments, err)
		}
		if err := validate(schema, value, "#"); err != nil {
			t.Fatalf("seed %d: arguments %s: %v", seed, call.Arguments, err)
		}
		// The first reply's events: the text before the fence as content,
		// then the call's name and its arguments.
		var content, name string
		var args bytes.Buffer
		for _, e := range events {
			if name == "" {
				content += e.Content
			}
			if e.Name != "" && name == "" {
				name = e.Name
			}
			args.WriteString(e.Arguments)
		}
		if !strings.HasPrefix(content, " Let me check.") || strings.Contains(content, "```") || name != call.Name ||
			!bytes.HasPrefix(args.Bytes(), bytes.TrimSpace(call.Arguments)[:1]) {
			t.Errorf("seed %d: streamed content %q, name %q, arguments %q; call %s %s", seed, content, name, args.String(), call.Name, call.Arguments)
		}
		// The loop went on: the output came back as a user turn, and the
		// reply to it is the answer.
		out := exec.out[call.Name]
		if fed := string(step.Fed); !strings.Contains(fed, "\n\n"+runtime.UserSegment(G1.Output([]byte(out)), false)) {
			t.Errorf("seed %d: no Function output turn with %s in what was fed:\n%q", seed, out, fed)
		}
		if res.Answer != answer || res.Truncated {
			t.Errorf("seed %d: answer %q (truncated %v), want %q", seed, res.Answer, res.Truncated, answer)
		}
		t.Logf("seed %d: call %s %s → answer %q", seed, call.Name, call.Arguments, res.Answer)
	}
}
