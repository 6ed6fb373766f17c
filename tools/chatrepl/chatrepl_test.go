package chatrepl_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/chatrepl"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth/synthtest"
)

func tinyChat(t *testing.T) *runtime.Chat {
	m := synthtest.Model(t, synthtest.Tiny, 3, convert.Options{})
	return m.NewChat(nil, runtime.ChatOptions{MaxTokens: 4, Sampler: runtime.SamplerOptions{Temperature: 0}})
}

// A piped conversation: a reply per message, slash commands answered on
// stderr (their mistakes too, without ending it), End at the end of the
// input, not terminated.
func TestPipedConversation(t *testing.T) {
	chat := tinyChat(t)
	state := filepath.Join(t.TempDir(), "chat.state")
	in := strings.NewReader("Hello\n/save\n/bogus\n/save " + state + "\n/reset\nAgain\n")
	var out, errb bytes.Buffer
	ended, terminated := 0, true
	err := chatrepl.Run(chat, in, &out, &errb, chatrepl.Options{Signals: make(chan os.Signal),
		End: func(term bool) error { ended++; terminated = term; return nil }})
	if err != nil || ended != 1 || terminated {
		t.Fatalf("Run: %v; End called %d times, terminated %v", err, ended, terminated)
	}
	if n := strings.Count(out.String(), "\n\n"); n != 2 {
		t.Errorf("%d replies, want 2:\n%q", n, out.String())
	}
	for _, want := range []string{"/save: which file? (/save FILE)", "unknown command /bogus (" + chatrepl.Help + ")",
		"(saved the conversation", "(conversation reset)"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("/save %s: %v", state, err)
	}
}

// /quit ends the conversation before the rest of the input; SIGTERM while
// a message is awaited ends it as terminated.
func TestQuitAndSIGTERM(t *testing.T) {
	chat := tinyChat(t)
	var out, errb bytes.Buffer
	err := chatrepl.Run(chat, strings.NewReader("/quit\nHello\n"), &out, &errb, chatrepl.Options{Signals: make(chan os.Signal),
		End: func(term bool) error {
			if term {
				t.Error("/quit: terminated")
			}
			return nil
		}})
	if err != nil || out.Len() != 0 {
		t.Errorf("/quit: %v, replied %q", err, out.String())
	}

	r, w, err := os.Pipe() // a message that never comes
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	sigs := make(chan os.Signal, 1)
	sigs <- syscall.SIGTERM
	terminated := false
	err = chatrepl.Run(chat, r, &out, &errb, chatrepl.Options{Signals: sigs,
		End: func(term bool) error { terminated = term; return nil }})
	if err != nil || !terminated {
		t.Errorf("SIGTERM: %v, terminated %v", err, terminated)
	}
}
