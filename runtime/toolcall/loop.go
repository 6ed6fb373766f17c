package toolcall

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/grammar"
)

// Mode is how a reply may call tools (OpenAI's tool_choice).
type Mode int

const (
	Auto     Mode = iota // the model chooses: free text, or a call once it opens one
	None                 // no call: the reply is free text, no grammar
	Required             // a call to one of the tools (or to Choice.Name), from the first token
)

// Choice is a reply's tool choice: a Mode, and for Required a tool it
// must call (empty: any of them).
type Choice struct {
	Mode Mode
	Name string
}

// Plan is how to generate one reply under a Choice.
type Plan struct {
	// Prefill ends the prompt after "Assistant:" (a forced call's
	// " ```json"); the reply is Prefill's text, less its leading space,
	// followed by the generated text.
	Prefill string
	Grammar *grammar.Grammar
	// Trigger is the lazy grammar's trigger (Auto), nil when the grammar
	// applies from the first token (Required) or there is none (None).
	Trigger []byte
}

// Opened reports whether the reply starts inside a call.
func (p Plan) Opened() bool { return p.Prefill != "" }

// Plan prepares a reply under choice. Grammars are built afresh; a caller
// that repeats a choice keeps the Plan.
func (t *Template) Plan(tools []Tool, c Choice) (Plan, error) {
	if c.Mode == None || len(tools) == 0 && c.Mode == Auto {
		return Plan{}, nil
	}
	var only []string
	if c.Name != "" {
		only = []string{c.Name}
	}
	g, err := t.Grammar(tools, only...)
	if err != nil {
		return Plan{}, err
	}
	if c.Mode == Required {
		return Plan{Prefill: " " + t.CallOpen, Grammar: g}, nil
	}
	return Plan{Grammar: g, Trigger: []byte(t.CallOpen)}, nil
}

// Options sets a Plan's grammar into generation options.
func (p Plan) Options(opt runtime.GenerateOptions) runtime.GenerateOptions {
	opt.Grammar, opt.GrammarTrigger = p.Grammar, p.Trigger
	return opt
}

// Reply is the whole reply text of a generation under p.
func (p Plan) Reply(generated string) string {
	return strings.TrimPrefix(p.Prefill, " ") + generated
}

// Executor runs calls. firmware/toolset's Set is one; a call it refuses
// returns an error, which goes back to the model as the call's output.
type Executor interface {
	Call(ctx context.Context, name string, args []byte) ([]byte, error)
}

// Loop runs a prompt through as many calls as the model makes, up to a
// limit: reply, and while the reply is a call, execute it and return its
// output as a user turn, then reply again.
type Loop struct {
	Model    *runtime.Model
	Gen      *runtime.Generator
	Template *Template // nil: G1
	Tools    []Tool
	Exec     Executor
	// Choice applies to the first reply; later ones are Auto (a forced
	// call is made once), and None once MaxCalls calls are made.
	Choice    Choice
	MaxCalls  int // per prompt; 0 means 4
	MaxTokens int // per reply; 0 means 512
	// Emit, if set, receives each reply's events as they are generated.
	Emit func(Event)

	// The plans of the choices met, kept from one Run to the next: the
	// same Grammar keeps the generator's matcher warm. Tools and Template
	// must not change after the first Run.
	plans map[Choice]Plan
}

// Record is one call the loop made.
type Record struct {
	Call   Call
	Output []byte
	Err    error // the executor's; the model was told
}

// Result is what a prompt came to.
type Result struct {
	Answer string   // the last reply's text (the answer, if it was not a call)
	Calls  []Record // in order
	// Truncated reports a reply cut by MaxTokens; a call cut so is neither
	// made nor an answer.
	Truncated bool
	Stats     runtime.Stats // the last reply's
}

// Run feeds the user's message to s (which holds the conversation so far:
// at least the system turn with the tools) and runs the loop. s ends at a
// turn boundary.
func (l *Loop) Run(ctx context.Context, s *runtime.State, user string) (*Result, error) {
	t := l.Template
	if t == nil {
		t = &G1
	}
	maxCalls, maxTokens := l.MaxCalls, l.MaxTokens
	if maxCalls <= 0 {
		maxCalls = 4
	}
	if maxTokens <= 0 {
		maxTokens = 512
	}
	if l.plans == nil {
		l.plans = map[Choice]Plan{}
	}
	plan := func(c Choice) (Plan, error) {
		if p, ok := l.plans[c]; ok {
			return p, nil
		}
		p, err := t.Plan(l.Tools, c)
		if err == nil {
			l.plans[c] = p
		}
		return p, err
	}
	res := &Result{}
	prompt := runtime.UserSegment(user, false)
	for {
		c := l.Choice
		if len(res.Calls) > 0 {
			c = Choice{Mode: Auto}
		}
		if len(res.Calls) >= maxCalls {
			c = Choice{Mode: None}
		}
		p, err := plan(c)
		if err != nil {
			return res, err
		}
		prompt += p.Prefill
		opt := p.Options(runtime.GenerateOptions{MaxTokens: maxTokens, Stop: [][]byte{[]byte(runtime.EndOfTurn)}, BanEndOfText: true})
		var out []byte
		stream := t.NewStream(p.Opened())
		st, err := l.Gen.Generate(ctx, s, l.Model.Tokenizer.Encode([]byte(prompt)), nil, opt, func(b []byte) error {
			out = append(out, b...)
			if l.Emit != nil {
				for _, e := range stream.Write(b) {
					l.Emit(e)
				}
			}
			return nil
		})
		res.Stats = st
		if err != nil {
			return res, err
		}
		if st.StopReason == runtime.StopCancelled {
			return res, ctx.Err()
		}
		if l.Emit != nil {
			for _, e := range stream.Close() {
				l.Emit(e)
			}
		}
		reply := p.Reply(string(out))
		_, callText, isCall := t.Find(reply)
		if !isCall || !st.GrammarOn || st.StopReason == runtime.StopMaxTokens {
			res.Answer = runtime.ReplyText(reply)
			res.Truncated = st.StopReason == runtime.StopMaxTokens
			if st.StopReason != runtime.StopString {
				// Close the turn, as a chat does.
				if _, err := l.Gen.Feed(context.Background(), s, l.Model.Tokenizer.Encode([]byte(runtime.EndOfTurn)), nil); err != nil {
					return res, err
				}
			}
			return res, nil
		}
		call, err := t.Parse(callText)
		if err != nil {
			return res, fmt.Errorf("the grammar let through an unreadable call: %w", err)
		}
		output, xerr := l.Exec.Call(ctx, call.Name, call.Arguments)
		if xerr != nil {
			output, _ = json.Marshal(map[string]string{"error": xerr.Error()})
		}
		res.Calls = append(res.Calls, Record{Call: call, Output: output, Err: xerr})
		prompt = runtime.EndOfTurn + runtime.UserSegment(t.Output(output), false)
	}
}
