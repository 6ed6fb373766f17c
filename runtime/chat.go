package runtime

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/gosling-edge/gosling/runtime/grammar"
)

// The G1 chat template (RWKV-7 "G1" models), as the official chat writes it:
//
//	System: …\n\n            (optional, once, at the start)
//	User: …\n\nAssistant:    (" <think" appended in think mode)
//	 reply…\n\n              (generated; the reply ends at "\n\n")
const (
	EndOfTurn = "\n\n" // a reply ends here; turns are separated by it
	thinkOpen = " <think"
)

var newlineRuns = regexp.MustCompile(`\n+`)

// CleanChatText prepares a message for the template as the official chat
// does: "\r\n" becomes "\n", runs of newlines become one (a blank line
// would read as the end of the turn), and the text is trimmed.
func CleanChatText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return newlineRuns.ReplaceAllString(strings.TrimSpace(s), "\n")
}

// SystemSegment is the template's system line: "System: TEXT\n\n" (the
// text cleaned), or "" for no text.
func SystemSegment(system string) string {
	system = CleanChatText(system)
	if system == "" {
		return ""
	}
	return "System: " + system + EndOfTurn
}

// UserSegment is one user turn and the start of the assistant's:
// "User: TEXT\n\nAssistant:", with " <think" in think mode.
func UserSegment(user string, think bool) string {
	s := "User: " + CleanChatText(user) + EndOfTurn + "Assistant:"
	if think {
		s += thinkOpen
	}
	return s
}

// AssistantPrefix is what the prompt ends with, for display: "Assistant:"
// or "Assistant: <think".
func AssistantPrefix(think bool) string {
	if think {
		return "Assistant:" + thinkOpen
	}
	return "Assistant:"
}

// ReplySegment is how an assistant message of the history is written back
// into the template: the reply as the model generated it after
// "Assistant:" and the end of the turn. The model puts a space before its
// reply and ReplyText removes it, so ReplySegment always puts one space
// back, even before a message that starts with one (the model generated
// two): a reply shown by ReplyText renders back as it was made.
func ReplySegment(content string) string {
	return " " + content + EndOfTurn
}

// ReplyText is the text of a generated reply for display or an API: the
// model's leading space removed (ReplySegment puts it back).
func ReplyText(generated string) string { return strings.TrimPrefix(generated, " ") }

// ErrEmptyMessage is returned for a message with nothing left after
// cleaning.
var ErrEmptyMessage = errors.New("empty message")

// ChatOptions configure a Chat.
type ChatOptions struct {
	System    string // fed before the first message of a conversation that starts from the zero state
	Think     bool   // end each prompt with "Assistant: <think"
	Sampler   SamplerOptions
	MaxTokens int                   // per reply; 0 = until "\n\n"
	Progress  func(done, total int) // called while a prompt is read
	// Grammar, if set, constrains each reply (GenerateOptions.Grammar); a
	// reply ends where the grammar does, and the turn is closed after it.
	Grammar *grammar.Grammar
}

// Chat is one conversation with a model: its state, and what a reset goes
// back to. A Chat is used by one goroutine at a time. On a Backend the
// Chat's Generator keeps the device copy of its state and the host copy in
// step: Save and Reply bring it to the host where they need it, Reset,
// Load and SetStart make the next step upload.
type Chat struct {
	m   *Model
	opt ChatOptions
	gen *Generator

	state  *State
	logits []float32 // after the state's last token, nil if unknown
	start  *State    // what Reset returns to
	before *State    // the state before the current turn, to undo a cancelled prompt
}

// NewChat starts a conversation from the zero state, run on step (a
// Backend, or nil for the CPU) as NewGenerator does.
func (m *Model) NewChat(step Stepper, opt ChatOptions) *Chat {
	return &Chat{m: m, opt: opt, gen: m.NewGenerator(step, opt.Sampler), state: m.NewState(), start: m.NewState(), before: m.NewState()}
}

// Options are the options the Chat was made with.
func (c *Chat) Options() ChatOptions { return c.opt }

// Tokens is the number of tokens the conversation's state has read since
// the zero state.
func (c *Chat) Tokens() int64 { return c.state.Tokens }

// SetStart makes s (copied) both the current state and what Reset returns
// to: a conversation continued from a saved state. logits may be nil.
func (c *Chat) SetStart(s *State, logits []float32) error {
	if len(s.Floats()) != len(c.state.Floats()) {
		return fmt.Errorf("the state does not belong to this model")
	}
	c.start.CopyFrom(s)
	c.gen.replace(c.state, s)
	c.logits = append(c.logits[:0:0], logits...)
	if logits == nil {
		c.logits = nil
	}
	return nil
}

// Reset returns to the start of the conversation.
func (c *Chat) Reset() {
	c.gen.replace(c.state, c.start)
	c.logits = nil
}

// Save writes the current state (with its logits) to a state file.
func (c *Chat) Save(path string) error {
	return c.gen.SaveState(path, c.state, c.logits)
}

// Load replaces the current state with a state file's; Reset still goes
// back to the start.
func (c *Chat) Load(path string) error {
	s, logits, err := LoadState(path, c.m)
	if err != nil {
		return err
	}
	c.gen.replace(c.state, s)
	c.logits = logits
	return nil
}

// Reply feeds the user's message (with the system segment first if the
// conversation is at the zero state) and streams the reply to emit. The
// reply stops at "\n\n", at MaxTokens, or when ctx is cancelled; in every
// case the state ends at a turn boundary, ready for the next message: a
// reply cut short is closed with "\n\n", and a prompt cancelled before the
// reply began is undone. Token 0 (end of text) is never drawn.
func (c *Chat) Reply(ctx context.Context, user string, emit func([]byte) error) (Stats, error) {
	if CleanChatText(user) == "" {
		return Stats{}, ErrEmptyMessage
	}
	prompt := UserSegment(user, c.opt.Think)
	if c.state.Tokens == 0 {
		prompt = SystemSegment(c.opt.System) + prompt
	}
	ids := c.m.Tokenizer.Encode([]byte(prompt))
	// The copy that undoes a cancelled prompt is taken on the host.
	if err := c.gen.sync(c.state); err != nil {
		return Stats{}, err
	}
	c.before.CopyFrom(c.state)
	opt := GenerateOptions{
		MaxTokens:    c.opt.MaxTokens,
		Stop:         [][]byte{[]byte(EndOfTurn)},
		BanEndOfText: true,
		Progress:     c.opt.Progress,
		Grammar:      c.opt.Grammar,
	}
	st, err := c.gen.Generate(ctx, c.state, ids, nil, opt, emit)
	if err == nil && st.StopReason == StopCancelled && c.state.Tokens < c.before.Tokens+int64(len(ids)) {
		// Cancelled while reading the prompt: as if it was never sent.
		c.gen.replace(c.state, c.before)
		return st, nil
	}
	c.logits = c.gen.Logits()
	if err != nil {
		return st, err
	}
	if st.StopReason != StopString {
		// Close the turn, so that the next "User:" follows a blank line.
		logits, ferr := c.gen.Feed(context.Background(), c.state, c.m.Tokenizer.Encode([]byte(EndOfTurn)), nil)
		if ferr != nil {
			return st, ferr
		}
		c.logits = logits
	}
	return st, nil
}
