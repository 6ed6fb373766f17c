package toolcall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
	"github.com/gosling-edge/gosling/tools/testenv"
)

// demoPath is the built-in demo model (cmd/gosling embeds it).
const demoPath = "../../cmd/gosling/demo.gguf"

func demoModel(t *testing.T) *runtime.Model {
	t.Helper()
	if testenv.Emulated() {
		// Emulated, its 330-token tool prompt and replies take minutes; the
		// random-weight model's tests take the same code paths in seconds.
		t.Skip("the demo model under qemu: too slow, see TestConstrainedCallsRandom")
	}
	if _, err := os.Stat(demoPath); err != nil {
		t.Skipf("no demo model: %v", err)
	}
	m, err := runtime.Load(demoPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// The tool sets of the validity test; every object says
// additionalProperties false, so that the standard meaning (which the
// validator below follows) and the grammar's agree.
var toolSets = [][]Tool{
	{
		{Name: "get_weather", Description: "Current weather for a city", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","minLength":1,"maxLength":20},"unit":{"enum":["celsius","fahrenheit"]}},"required":["city"],"additionalProperties":false}`)},
		{Name: "set_relay", Description: "Switch the fan relay", Parameters: json.RawMessage(`{"type":"object","properties":{"on":{"type":"boolean"},"seconds":{"type":"integer","minimum":1,"maximum":60}},"required":["on"],"additionalProperties":false}`)},
	},
	{
		{Name: "schedule", Description: "Create a meeting", Parameters: json.RawMessage(`{"type":"object","properties":{"title":{"type":"string","minLength":1,"maxLength":30},"attendees":{"type":"array","items":{"type":"string","maxLength":12},"minItems":1,"maxItems":3},"when":{"type":"object","properties":{"day":{"type":"integer","minimum":1,"maximum":31},"hour":{"type":"integer","minimum":0,"maximum":23}},"required":["day","hour"],"additionalProperties":false}},"required":["title","attendees","when"],"additionalProperties":false}`)},
		{Name: "ping", Description: "Check the link", Parameters: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)},
	},
	{
		{Name: "blink", Description: "Blink the status LED", Parameters: json.RawMessage(`{"type":"object","properties":{"times":{"type":"integer","minimum":1,"maximum":9},"color":{"enum":["red","green"]},"level":{"type":"number","minimum":0,"maximum":1}},"required":["times","color"],"additionalProperties":false}`)},
	},
}

// TestConstrainedCalls: with the demo model, forced calls (to any tool,
// and to a named one) under the call grammar all parse, name a declared
// tool (the named one when forced so) and validate against its schema with
// the independent validator below, for every seed.
func TestConstrainedCalls(t *testing.T) {
	constrainedCalls(t, demoModel(t), generations())
}

// generations is how many calls per tool set the validity tests make: 100,
// 10 with -short, 2 under qemu (QEMU_CPU set, as in CI's arm64 run: an
// emulated decode step costs a few hundred times more, and the grammar is
// the same), GOSLING_TOOLCALL_N if set (the acceptance run: 1000).
func generations() int {
	if v, err := strconv.Atoi(os.Getenv("GOSLING_TOOLCALL_N")); err == nil && v > 0 {
		return v
	}
	switch {
	case testenv.Emulated():
		return 2
	case testing.Short():
		return 10
	}
	return 100
}

// TestConstrainedCallsRandom is TestConstrainedCalls with a random-weight
// model, whose choices the grammar alone keeps in line.
func TestConstrainedCallsRandom(t *testing.T) {
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
	defer m.Close()
	constrainedCalls(t, m, generations())
}

func constrainedCalls(t *testing.T, m *runtime.Model, n int) {
	gen := m.NewGenerator(nil, runtime.DefaultSampler)
	for si, tools := range toolSets {
		// A subtest per set, so that the acceptance run can spread the
		// sets over processes (-test.run TestConstrainedCalls/set1).
		t.Run(fmt.Sprintf("set%d", si), func(t *testing.T) {
			sys, err := G1.System("", tools)
			if err != nil {
				t.Fatal(err)
			}
			base := m.NewState()
			if _, err := gen.Feed(context.Background(), base, m.Tokenizer.Encode([]byte(runtime.SystemSegment(sys))), nil); err != nil {
				t.Fatal(err)
			}
			s := m.NewState()
			names := map[string]int{}
			for i := range n {
				c := Choice{Mode: Required}
				if i%4 == 3 {
					c.Name = tools[0].Name
				}
				p, err := G1.Plan(tools, c)
				if err != nil {
					t.Fatal(err)
				}
				opt := runtime.DefaultSampler
				if i%2 == 1 {
					opt.TopP = 1 // the whole distribution, for more shapes
				}
				opt.Seed = uint64(1000*si + i)
				gen.SetSampler(opt)
				s.CopyFrom(base)
				prompt := runtime.UserSegment(fmt.Sprintf("Request %d: do something useful.", i), false) + p.Prefill
				var out []byte
				st, err := gen.Generate(context.Background(), s, m.Tokenizer.Encode([]byte(prompt)), nil,
					p.Options(runtime.GenerateOptions{MaxTokens: 300, Stop: [][]byte{[]byte(runtime.EndOfTurn)}, BanEndOfText: true}),
					func(b []byte) error { out = append(out, b...); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if st.StopReason != runtime.StopEndOfText || !st.GrammarOn {
					t.Fatalf("set %d seed %d: stop %q after %q", si, i, st.StopReason, out)
				}
				call, err := G1.Parse(p.Reply(string(out)))
				if err != nil {
					t.Fatalf("set %d seed %d: %q: %v", si, i, out, err)
				}
				var tool *Tool
				for k := range tools {
					if tools[k].Name == call.Name {
						tool = &tools[k]
					}
				}
				if tool == nil || c.Name != "" && call.Name != c.Name {
					t.Fatalf("set %d seed %d: call to %q (forced %q)", si, i, call.Name, c.Name)
				}
				var schema, value any
				json.Unmarshal(tool.Parameters, &schema)
				if err := json.Unmarshal(call.Arguments, &value); err != nil {
					t.Fatalf("set %d seed %d: arguments %s: %v", si, i, call.Arguments, err)
				}
				if err := validate(schema, value, "#"); err != nil {
					t.Fatalf("set %d seed %d: arguments %s: %v", si, i, call.Arguments, err)
				}
				names[call.Name]++
			}
			t.Logf("set %d: %d calls, by tool %v", si, n, names)
		})
	}
}

// validate checks v against the few keywords of the test schemas, written
// from the JSON Schema specification, independently of the converter.
func validate(schema, v any, at string) error {
	s, _ := schema.(map[string]any)
	if enum, ok := s["enum"].([]any); ok {
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				return nil
			}
		}
		return fmt.Errorf("%s: %v not in %v", at, v, enum)
	}
	switch s["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: not an object", at)
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: %s missing", at, r)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k]
			if !ok {
				if s["additionalProperties"] == false {
					return fmt.Errorf("%s: extra key %q", at, k)
				}
				continue
			}
			if err := validate(ps, obj[k], at+"/"+k); err != nil {
				return err
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: not an array", at)
		}
		if n, ok := s["minItems"].(float64); ok && float64(len(arr)) < n {
			return fmt.Errorf("%s: %d items", at, len(arr))
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(arr)) > n {
			return fmt.Errorf("%s: %d items", at, len(arr))
		}
		for i, x := range arr {
			if err := validate(s["items"], x, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: not a string", at)
		}
		n := float64(len([]rune(str)))
		if min, ok := s["minLength"].(float64); ok && n < min {
			return fmt.Errorf("%s: %q too short", at, str)
		}
		if max, ok := s["maxLength"].(float64); ok && n > max {
			return fmt.Errorf("%s: %q too long", at, str)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: not a boolean", at)
		}
	case "integer", "number":
		x, ok := v.(float64)
		if !ok || s["type"] == "integer" && x != math.Trunc(x) {
			return fmt.Errorf("%s: %v is not an %s", at, v, s["type"])
		}
		if min, ok := s["minimum"].(float64); ok && x < min {
			return fmt.Errorf("%s: %v below %v", at, x, min)
		}
		if max, ok := s["maximum"].(float64); ok && x > max {
			return fmt.Errorf("%s: %v above %v", at, x, max)
		}
	}
	return nil
}

// fakeExec records calls and answers from a table.
type fakeExec struct {
	calls []string
	out   map[string]string
}

func (f *fakeExec) Call(_ context.Context, name string, args []byte) ([]byte, error) {
	f.calls = append(f.calls, name+" "+string(args))
	if o, ok := f.out[name]; ok {
		return []byte(o), nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownTool, name)
}

// TestLoop: a forced first call goes to the executor, its output comes
// back as a Function output turn, and with the call limit reached the next
// reply is plain text; the state ends at a turn boundary.
func TestLoop(t *testing.T) {
	m := demoModel(t)
	tools := toolSets[0]
	sys, _ := G1.System("", tools)
	gen := m.NewGenerator(nil, runtime.DefaultSampler)
	exec := &fakeExec{out: map[string]string{"get_weather": `{"temp":31,"unit":"celsius"}`, "set_relay": `{"ok":true}`}}
	var events []Event
	l := &Loop{Model: m, Gen: gen, Tools: tools, Exec: exec, Choice: Choice{Mode: Required, Name: "get_weather"}, MaxCalls: 1, MaxTokens: 120,
		Emit: func(e Event) { events = append(events, e) }}
	for seed := uint64(1); seed <= 3; seed++ {
		exec.calls, events = nil, nil
		gen.SetSampler(runtime.SamplerOptions{Temperature: 1, TopP: 0.3, Seed: seed})
		s := m.NewState()
		before := m.Tokenizer.Encode([]byte(runtime.SystemSegment(sys)))
		if _, err := gen.Feed(context.Background(), s, before, nil); err != nil {
			t.Fatal(err)
		}
		res, err := l.Run(context.Background(), s, "Is the greenhouse too warm?")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Calls) != 1 || res.Calls[0].Call.Name != "get_weather" || len(exec.calls) != 1 || res.Calls[0].Err != nil {
			t.Fatalf("seed %d: calls %+v, executor saw %q, answer %q, stats %+v", seed, res.Calls, exec.calls, res.Answer, res.Stats)
		}
		if strings.Contains(res.Answer, "```json") && !res.Truncated {
			// A plain answer may quote a fence, but it is not a call.
			t.Logf("seed %d: answer quotes a fence: %q", seed, res.Answer)
		}
		// The events of the first reply: the name, then arguments that join
		// into the call's.
		var name string
		var args bytes.Buffer
		for _, e := range events {
			if e.Name != "" && name == "" {
				name = e.Name
			}
			args.WriteString(e.Arguments)
		}
		if name != "get_weather" || !json.Valid(args.Bytes()) || !bytes.HasPrefix(args.Bytes(), bytes.TrimSpace(res.Calls[0].Call.Arguments)[:1]) {
			t.Fatalf("seed %d: streamed name %q arguments %q", seed, name, args.String())
		}
		t.Logf("seed %d: call %s %s → answer %q", seed, res.Calls[0].Call.Name, res.Calls[0].Call.Arguments, res.Answer)
	}
}
