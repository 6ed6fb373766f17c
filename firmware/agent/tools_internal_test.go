package agent

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/gosling-edge/gosling/runtime/toolcall"
)

type execFunc func(name string, args []byte) ([]byte, error)

func (f execFunc) Call(_ context.Context, name string, args []byte) ([]byte, error) {
	return f(name, args)
}

// TestToolAnswerLayout: the lines of an answer with calls — text, calls on
// lines of their own (one newline between two, none doubled), a refusal,
// the next reply's text without its leading space, and no newline after
// the last line (the agent ends the answer with one).
func TestToolAnswerLayout(t *testing.T) {
	exec := execFunc(func(name string, args []byte) ([]byte, error) {
		if name == "fan" {
			return nil, errors.New("fan: rate limited")
		}
		return []byte(`{"value": 31.5}`), nil
	})
	for _, tc := range []struct {
		steps []string // "text:…" a reply's text as generated, "call:NAME" a call made
		want  string
	}{
		{[]string{"call:temp", "call:fan", "text: It is warm."}, "[temp {} → {\"value\":31.5}]\n[fan {} refused: fan: rate limited]\nIt is warm."},
		{[]string{"text: Let me look.", "call:temp", "text: 31.5 °C", "text: now."}, "Let me look.\n[temp {} → {\"value\":31.5}]\n31.5 °C now."},
		{[]string{"call:temp"}, "[temp {} → {\"value\":31.5}]"},
		{[]string{"text: line\n", "call:temp"}, "line\n[temp {} → {\"value\":31.5}]"},
	} {
		var b bytes.Buffer
		e := &ToolEngine{exec: exec, out: &b, replyStart: true, lineStart: true}
		for _, s := range tc.steps {
			if text, ok := bytes.CutPrefix([]byte(s), []byte("text:")); ok {
				e.emit(toolcall.Event{Content: string(text)})
			} else {
				reporter{e}.Call(context.Background(), s[len("call:"):], []byte(" {} "))
			}
		}
		if b.String() != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.steps, b.String(), tc.want)
		}
	}
}
