package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gosling-edge/gosling/runtime"
)

// Engine is what the agent needs of a language model: answer a prompt as
// the next turn of one conversation, go back to the conversation's start,
// describe itself, save its state. ModelEngine is the real one; tests use
// fakes. The agent calls one method at a time.
type Engine interface {
	// Answer streams the answer to prompt to out. When ctx is cancelled
	// it stops early and returns ctx's error; the conversation stays
	// usable.
	Answer(ctx context.Context, prompt string, out io.Writer) error
	// Reset returns the conversation to its start.
	Reset() error
	// Status is one line: the model, the state, the last answer's speed.
	Status() string
	// SaveState writes the conversation's state to a file.
	SaveState(path string) error
}

// ModelOptions configure a ModelEngine.
type ModelOptions struct {
	Name      string // for Status; default "model"
	System    string // system prompt, fed before the first message
	StateIn   string // state file to start (and reset) from; its conversation replaces System
	MaxTokens int    // per answer; 0 = until the reply ends
	Sampler   runtime.SamplerOptions
}

// ModelEngine answers with a runtime model through runtime.Chat: the G1
// chat template, replies ending at "\n\n", the conversation kept in the
// recurrent state between prompts.
type ModelEngine struct {
	chat     *runtime.Chat
	name     string
	last     runtime.Stats
	answered int // replies finished
	cut      int // replies cut short (abort, shutdown), some of them written
}

// NewModelEngine starts a conversation with m.
func NewModelEngine(m *runtime.Model, opt ModelOptions) (*ModelEngine, error) {
	if opt.Name == "" {
		opt.Name = "model"
	}
	c := m.NewChat(nil, runtime.ChatOptions{System: opt.System, Sampler: opt.Sampler, MaxTokens: opt.MaxTokens})
	if opt.StateIn != "" {
		s, logits, err := runtime.LoadState(opt.StateIn, m)
		if err != nil {
			return nil, err
		}
		if err := c.SetStart(s, logits); err != nil {
			return nil, fmt.Errorf("%s: %w", opt.StateIn, err)
		}
	}
	return &ModelEngine{chat: c, name: opt.Name}, nil
}

// Answer implements Engine. The model's reply starts with a space after
// "Assistant:"; it is not shown.
func (e *ModelEngine) Answer(ctx context.Context, prompt string, out io.Writer) error {
	first := true
	st, err := e.chat.Reply(ctx, prompt, func(b []byte) error {
		if first && len(b) > 0 {
			first = false
			b = bytes.TrimPrefix(b, []byte(" "))
		}
		_, err := out.Write(b)
		return err
	})
	e.last = st
	switch {
	case errors.Is(err, runtime.ErrEmptyMessage):
		return fmt.Errorf("nothing to answer: the prompt is empty")
	case err != nil:
		return err
	case st.StopReason == runtime.StopCancelled:
		e.cut++
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return context.Canceled
	}
	e.answered++
	return nil
}

// Reset implements Engine.
func (e *ModelEngine) Reset() error {
	e.chat.Reset()
	return nil
}

// Status implements Engine.
func (e *ModelEngine) Status() string {
	s := fmt.Sprintf("%s, %d tokens in the conversation, %d answers", e.name, e.chat.Tokens(), e.answered)
	if e.cut > 0 {
		s += fmt.Sprintf(" (+%d cut short)", e.cut)
	}
	if st := e.last; st.GeneratedTokens > 0 && st.GenerateTime > 0 {
		s += fmt.Sprintf("; last: %d prompt + %d answer tokens, %.1f tok/s (%s)", st.PromptTokens, st.GeneratedTokens,
			float64(st.GeneratedTokens)/st.GenerateTime.Seconds(), st.StopReason)
	}
	return s
}

// SaveState implements Engine.
func (e *ModelEngine) SaveState(path string) error { return e.chat.Save(path) }
