package serve

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/grammar"
	"github.com/gosling-edge/gosling/runtime/toolcall"
)

// Tools and structured output, in the G1 format of package toolcall:
//
//   - "tools" are listed in the system turn (merged into the first system
//     message, or a system turn of their own); an assistant message's
//     tool_calls are written back as the fenced calls the model makes, and
//     a "tool" message as a "Function output:" user turn.
//   - tool_choice auto: the reply is free until it opens a call, then the
//     call grammar holds; required or a named function: the prompt ends
//     with "Assistant: ```json" and the grammar holds from the first
//     token, for the allowed tools. none: no grammar.
//   - One call per reply (the format has one per turn), answered with
//     finish_reason "tool_calls".
//   - response_format json_object or json_schema: the reply is one JSON
//     value of the schema (json_object: any object). Not combined with a
//     tool_choice other than none.
//
// Under a grammar the user's stop strings do not apply: a reply ends where
// the grammar does, or at the token limit (finish_reason "length").

// chatPlan is how a chat request's reply is generated and read.
type chatPlan struct {
	tools   []toolcall.Tool
	tmpl    *toolcall.Template
	call    toolcall.Plan    // the call plan (no grammar for none or no tools)
	format  *grammar.Grammar // response_format's grammar
	calling bool             // a call may be made
}

// requestError is a 400 with the request field at fault.
type requestError struct{ param, msg string }

func (e *requestError) Error() string { return e.msg }

// maxPlans bounds the plans a Server keeps.
const maxPlans = 16

// planChat is planChat for the server, which keeps the plans of recent
// requests: a client sends the same tools every turn, and the same Grammar
// keeps the generator's matcher (and its caches) warm from one request to
// the next.
func (s *Server) planChat(req *chatRequest) (*chatPlan, error) {
	if len(req.Tools) == 0 && req.ResponseFormat == nil {
		return planChat(req)
	}
	var c toolChoice
	if req.ToolChoice != nil {
		c = *req.ToolChoice
	}
	b, err := json.Marshal([]any{req.Tools, c.mode, c.name, req.ResponseFormat})
	if err != nil {
		return planChat(req)
	}
	key := sha256.Sum256(b)
	s.mu.Lock()
	p, ok := s.plans[key]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err = planChat(req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.plans == nil || len(s.plans) >= maxPlans {
		s.plans = map[[32]byte]*chatPlan{} // start over: cheap to rebuild
	}
	s.plans[key] = p
	s.mu.Unlock()
	return p, nil
}

// planChat checks tools, tool_choice and response_format and builds the
// grammars. The plan is read-only once made.
func planChat(req *chatRequest) (*chatPlan, error) {
	p := &chatPlan{tmpl: &toolcall.G1}
	for i, t := range req.Tools {
		param := fmt.Sprintf("tools[%d]", i)
		if t.Type != "" && t.Type != "function" {
			return nil, &requestError{param + ".type", fmt.Sprintf("%s.type: %q (only function tools are supported)", param, t.Type)}
		}
		if t.Function.Name == "" {
			return nil, &requestError{param + ".function.name", param + ".function.name: missing"}
		}
		p.tools = append(p.tools, toolcall.Tool{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters})
	}
	c := toolChoice{mode: "auto"}
	if req.ToolChoice != nil {
		c = *req.ToolChoice
	}
	if len(p.tools) == 0 && c.mode == "required" {
		return nil, &requestError{"tool_choice", "tool_choice: a call is required but no tools are given"}
	}
	choice := toolcall.Choice{Mode: toolcall.Auto}
	switch c.mode {
	case "none":
		choice.Mode = toolcall.None
	case "required":
		choice = toolcall.Choice{Mode: toolcall.Required, Name: c.name}
	}
	call, err := p.tmpl.Plan(p.tools, choice)
	if err != nil {
		var se *toolcall.SchemaError
		if errors.As(err, &se) {
			param := fmt.Sprintf("tools[%d].function.parameters", se.Index)
			return nil, &requestError{param, fmt.Sprintf("%s: invalid schema at %s: %s", param, se.Path, se.Msg)}
		}
		if errors.Is(err, toolcall.ErrUnknownTool) {
			return nil, &requestError{"tool_choice", fmt.Sprintf("tool_choice: the function %q is not among the tools", c.name)}
		}
		return nil, &requestError{"tools", "tools: " + err.Error()}
	}
	p.call, p.calling = call, call.Grammar != nil
	if f := req.ResponseFormat; f != nil {
		var schema []byte
		switch f.Type {
		case "text", "":
		case "json_object":
			schema = []byte(`{"type":"object"}`)
		case "json_schema":
			if f.JSONSchema == nil || len(f.JSONSchema.Schema) == 0 {
				return nil, &requestError{"response_format.json_schema.schema", "response_format.json_schema.schema: missing"}
			}
			schema = f.JSONSchema.Schema
		default:
			return nil, &requestError{"response_format.type", fmt.Sprintf("response_format.type: %q (want text, json_object or json_schema)", f.Type)}
		}
		if schema != nil {
			if p.calling {
				return nil, &requestError{"response_format", "response_format: not supported together with tools unless tool_choice is none"}
			}
			g, err := grammar.CompileJSONSchema(schema)
			if err != nil {
				var se *grammar.SchemaError
				if errors.As(err, &se) {
					return nil, &requestError{"response_format.json_schema.schema", fmt.Sprintf("response_format.json_schema.schema: invalid schema at %s: %s", se.Path, se.Msg)}
				}
				return nil, &requestError{"response_format.json_schema.schema", "response_format.json_schema.schema: " + err.Error()}
			}
			p.format = g
		}
	}
	return p, nil
}

// options sets the plan's grammar into the generation options.
func (p *chatPlan) options(opt runtime.GenerateOptions, userStops int) runtime.GenerateOptions {
	switch {
	case p.format != nil:
		opt.Grammar = p.format
		opt.BanEndOfText = false // a value may end where the grammar allows it
	case p.calling:
		opt = p.call.Options(opt)
	}
	if opt.Grammar != nil && opt.GrammarTrigger == nil {
		// Constrained from the first token: only the turn's end may stop it
		// (it cannot occur inside compact JSON); the user's stops would cut
		// the value short.
		opt.Stop = opt.Stop[:len(opt.Stop)-userStops]
	}
	return opt
}

// system is the system turn's text with the tools (if any) listed.
func (p *chatPlan) system(text string) (string, error) {
	if len(p.tools) == 0 {
		return text, nil
	}
	return p.tmpl.System(text, p.tools)
}

// assistantText renders an assistant message of the history: its content,
// then its calls as the model writes them.
func (p *chatPlan) assistantText(i int, m chatMessage) (string, error) {
	parts := []string{}
	if c := strings.TrimSpace(string(m.Content)); c != "" {
		parts = append(parts, c)
	}
	for k, tc := range m.ToolCalls {
		args := tc.Function.Arguments
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		text, err := p.tmpl.CallText(toolcall.Call{Name: tc.Function.Name, Arguments: []byte(args)})
		if err != nil {
			return "", fmt.Errorf("messages[%d].tool_calls[%d]: %v", i, k, err)
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, " "), nil
}

// reply reads a finished reply: its content (nil when empty) and its call,
// if it made one.
func (p *chatPlan) reply(res *result) (content *string, calls []toolCall, finish string) {
	text := p.call.Reply(string(res.text))
	finish = res.finish
	if p.calling && res.stats.GrammarOn && res.finish != "length" {
		before, callText, ok := p.tmpl.Find(text)
		if ok {
			if c, err := p.tmpl.Parse(callText); err == nil {
				calls = []toolCall{{ID: newID("call_"), Type: "function", Function: toolFunction{Name: c.Name, Arguments: string(c.Arguments)}}}
				finish = "tool_calls"
				text = strings.TrimSpace(before)
				if text == "" {
					return nil, calls, finish
				}
			}
		}
	}
	text = runtime.ReplyText(text)
	return &text, calls, finish
}
