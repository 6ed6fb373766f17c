package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/toolset"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/toolcall"
)

// ToolOptions give a ToolEngine its tools.
type ToolOptions struct {
	// Exec runs the calls: firmware/toolset's Set, which checks every
	// call's arguments again, whatever the grammar allowed.
	Exec  toolcall.Executor
	Tools []toolcall.Tool
	// Template is the prompt format of the calls; nil: toolcall.G1.
	Template *toolcall.Template
	// Choice applies to the first reply to each prompt (a forced call
	// writes the template's call opening into the prompt); the replies
	// after a call choose freely.
	Choice   toolcall.Choice
	MaxCalls int // per prompt; the reply after the last is plain text; 0 means 4
}

// ToolConfig is the ToolOptions a validated configuration gives, for the
// tools of set (built from the same configuration).
func ToolConfig(cfg *config.Config, set *toolset.Set) ToolOptions {
	tmpl := TemplateFor(cfg)
	opt := ToolOptions{Exec: set, Tools: Tools(set.List()), MaxCalls: cfg.Chat.MaxToolCalls, Template: &tmpl}
	switch tc := cfg.Chat.ToolChoice; tc {
	case "", "auto":
	case "required":
		opt.Choice = toolcall.Choice{Mode: toolcall.Required}
	default:
		opt.Choice = toolcall.Choice{Mode: toolcall.Required, Name: tc}
	}
	return opt
}

// TemplateFor is the tool-call template of a validated configuration:
// chat.tool_template's, with the fields chat.tool_format sets replaced.
func TemplateFor(cfg *config.Config) toolcall.Template {
	t := toolcall.G1
	if cfg.Chat.ToolTemplate == "hermes" {
		t = toolcall.Hermes
	}
	f := cfg.Chat.ToolFormat
	for _, o := range []struct {
		dst *string
		v   *string
	}{{&t.ToolsIntro, f.ToolsIntro}, {&t.ToolsOutro, f.ToolsOutro}, {&t.CallOpen, f.CallOpen}, {&t.CallStart, f.CallStart},
		{&t.CallClose, f.CallClose}, {&t.OutputIntro, f.OutputIntro}, {&t.OutputOutro, f.OutputOutro}} {
		if o.v != nil {
			*o.dst = *o.v
		}
	}
	if f.FullSchema != nil {
		t.FullSchema = *f.FullSchema
	}
	return t
}

// Tools are a toolset's tools as the model is told about them.
func Tools(list []toolset.Info) []toolcall.Tool {
	out := make([]toolcall.Tool, len(list))
	for i, t := range list {
		out[i] = toolcall.Tool{Name: t.Name, Description: t.Description, Parameters: t.Schema}
	}
	return out
}

// ToolEngine answers with a model that may call tools. Unlike ModelEngine
// it keeps no conversation: the base state (ModelOptions.StateIn if set,
// then the system turn that lists the tools) is prefilled once, and every
// prompt starts from a copy of it, so an answer costs the same on the
// thousandth button press as on the first and one prompt's calls cannot
// steer the next. Each prompt runs through toolcall.Loop: while the reply
// is a call (grammar-constrained to the declared tools and values), the
// call is executed and its output returned as a "Function output:" turn,
// up to MaxCalls calls.
//
// The answer written out is one line per call made, [name args → result]
// (or "refused: why"), then the model's text, so that the serial port
// says what was done even when the model says nothing.
type ToolEngine struct {
	name  string
	m     *runtime.Model
	gen   *runtime.Generator
	loop  *toolcall.Loop
	tmpl  *toolcall.Template
	exec  toolcall.Executor
	base  *runtime.State
	work  *runtime.State // the last prompt's state (SaveState)
	used  bool           // work holds a prompt's state
	tools int

	prefill time.Duration
	last    runtime.Stats
	// answered: finished; cut: cancelled (abort, shutdown); calls: made,
	// refused among them.
	answered, cut, calls, refused int

	// The answer being written: its output, whether the next text starts
	// a reply (its leading space dropped), whether the output is at the
	// start of a line, whether a call's line waits for its newline (the
	// agent ends the answer with one, so the last line gets no other).
	out        io.Writer
	replyStart bool
	lineStart  bool
	lineOpen   bool
	werr       error // the first write error of this answer
}

// NewToolEngine prefills the base state of m with the system turn that
// lists tt's tools (after opt.StateIn, if set). opt.System goes in that
// turn, before the tools.
func NewToolEngine(m *runtime.Model, opt ModelOptions, tt ToolOptions) (*ToolEngine, error) {
	if opt.Name == "" {
		opt.Name = "model"
	}
	if tt.Exec == nil || len(tt.Tools) == 0 {
		return nil, errors.New("tool engine: no tools")
	}
	tmpl := tt.Template
	if tmpl == nil {
		tmpl = &toolcall.G1
	}
	// A tool whose schema the grammar cannot take, or a forced choice of
	// no declared tool, fails here, at start, not at the first prompt.
	if _, err := tmpl.Plan(tt.Tools, tt.Choice); err != nil {
		return nil, err
	}
	sys, err := tmpl.System(opt.System, tt.Tools)
	if err != nil {
		return nil, err
	}
	e := &ToolEngine{name: opt.Name, m: m, tmpl: tmpl, exec: tt.Exec, tools: len(tt.Tools),
		gen: m.NewGenerator(nil, opt.Sampler), base: m.NewState(), work: m.NewState()}
	if opt.StateIn != "" {
		s, _, err := runtime.LoadState(opt.StateIn, m)
		if err != nil {
			return nil, err
		}
		e.base.CopyFrom(s)
	}
	t0 := time.Now()
	if _, err := e.gen.Feed(context.Background(), e.base, m.Tokenizer.Encode([]byte(runtime.SystemSegment(sys))), nil); err != nil {
		return nil, fmt.Errorf("prefilling the tool list: %w", err)
	}
	e.prefill = time.Since(t0)
	e.loop = &toolcall.Loop{Model: m, Gen: e.gen, Template: tmpl, Tools: tt.Tools, Exec: reporter{e},
		Choice: tt.Choice, MaxCalls: tt.MaxCalls, MaxTokens: opt.MaxTokens, Emit: e.emit}
	return e, nil
}

// Answer implements Engine: the prompt, from a copy of the base state,
// through as many calls as the model makes.
func (e *ToolEngine) Answer(ctx context.Context, prompt string, out io.Writer) error {
	if runtime.CleanChatText(prompt) == "" {
		return fmt.Errorf("nothing to answer: the prompt is empty")
	}
	e.work.CopyFrom(e.base)
	e.used = true
	e.out, e.replyStart, e.lineStart, e.lineOpen, e.werr = out, true, true, false, nil
	defer func() { e.out = nil }()
	res, err := e.loop.Run(ctx, e.work, prompt)
	if res != nil {
		e.last = res.Stats
	}
	if err != nil {
		if ctx.Err() != nil {
			e.cut++
			return ctx.Err()
		}
		return err
	}
	if res.Truncated && strings.Contains(res.Answer, e.tmpl.CallOpen) {
		// Cut inside a call by max_tokens: nothing was done.
		e.line("[a call was cut short by max_tokens and not made]")
	}
	e.answered++
	return e.werr
}

// emit writes a reply's text as it is generated; calls are written by
// reporter once made.
func (e *ToolEngine) emit(ev toolcall.Event) {
	s := ev.Content
	if e.replyStart {
		s = strings.TrimPrefix(s, " ")
	}
	if s == "" {
		return
	}
	e.replyStart = false
	e.write(s)
}

func (e *ToolEngine) write(s string) {
	if e.out == nil || s == "" {
		return
	}
	if e.lineOpen {
		e.lineOpen = false
		s = "\n" + s
	}
	if _, err := io.WriteString(e.out, s); err != nil && e.werr == nil {
		e.werr = err
	}
	e.lineStart = strings.HasSuffix(s, "\n")
}

// line writes s on a line of its own; its newline comes with whatever
// follows.
func (e *ToolEngine) line(s string) {
	if !e.lineStart && !e.lineOpen {
		e.write("\n")
	}
	e.write(s)
	e.lineOpen = true
}

// reporter runs a call through the engine's executor and writes its line.
type reporter struct{ e *ToolEngine }

func (r reporter) Call(ctx context.Context, name string, args []byte) ([]byte, error) {
	e := r.e
	out, err := e.exec.Call(ctx, name, args)
	e.calls++
	a := compact(args)
	if err != nil {
		e.refused++
		e.line(fmt.Sprintf("[%s %s refused: %v]", name, a, err))
	} else {
		e.line(fmt.Sprintf("[%s %s → %s]", name, a, compact(out)))
	}
	e.replyStart = true
	return out, err
}

// compact is JSON on one line (a call line must stay one line).
func compact(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "{}"
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return strings.Join(strings.Fields(string(b)), " ")
	}
	return c.String()
}

// Reset implements Engine. Every prompt starts from the base state
// already: there is no conversation to forget.
func (e *ToolEngine) Reset() error {
	e.used = false
	return nil
}

// Status implements Engine.
func (e *ToolEngine) Status() string {
	s := fmt.Sprintf("%s, %d tools, base state %d tokens (prefilled in %v), %d answers", e.name, e.tools,
		e.base.Tokens, e.prefill.Round(time.Millisecond), e.answered)
	if e.cut > 0 {
		s += fmt.Sprintf(" (+%d cut short)", e.cut)
	}
	s += fmt.Sprintf(", %d tool calls", e.calls)
	if e.refused > 0 {
		s += fmt.Sprintf(" (%d refused)", e.refused)
	}
	if st := e.last; st.GeneratedTokens > 0 && st.GenerateTime > 0 {
		s += fmt.Sprintf("; last reply: %d prompt + %d tokens, %.1f tok/s (%s)", st.PromptTokens, st.GeneratedTokens,
			float64(st.GeneratedTokens)/st.GenerateTime.Seconds(), st.StopReason)
	}
	return s
}

// SaveState implements Engine: the state after the last prompt (the base
// state before any), for a look at what the model saw. It is not a start
// for chat.state_in with the same tools, which would list them twice.
func (e *ToolEngine) SaveState(path string) error {
	s := e.base
	if e.used {
		s = e.work
	}
	return e.gen.SaveState(path, s, nil)
}
