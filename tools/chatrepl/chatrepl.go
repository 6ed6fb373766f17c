// Package chatrepl is the conversation loop of gosling chat: messages read
// one at a time (tools/chatinput), slash commands, a streamed reply per
// message, and Ctrl-C and SIGTERM handled as a terminal user expects: at
// the prompt one Ctrl-C arms and a second quits; during a reply Ctrl-C
// stops the reply; SIGTERM ends the conversation.
package chatrepl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/chatinput"
)

// Help lists the slash commands (what /help prints).
const Help = `commands: /reset (start over), /save FILE, /load FILE, /quit; Ctrl-C stops a reply`

// Options configure Run.
type Options struct {
	// Interactive is a person at a terminal: prompts, the banner, and the
	// reply's "Assistant:" prefix.
	Interactive bool
	// Banner is written to stderr before the first message when
	// Interactive.
	Banner string
	// Signals delivers SIGINT and SIGTERM.
	Signals <-chan os.Signal
	// End is called when the conversation ends without an error (/quit,
	// the end of the input, a signal); terminated reports SIGTERM. Its
	// error is Run's.
	End func(terminated bool) error
}

// Run holds the conversation with chat: messages from in, replies to
// stdout, notes to stderr.
func Run(chat *runtime.Chat, in io.Reader, stdout, stderr io.Writer, opt Options) error {
	interactive, sigs := opt.Interactive, opt.Signals
	// Messages are read one at a time, when the loop asks: on a terminal
	// the reader holds it in raw mode while it reads, never during a reply.
	r := chatinput.New(in, stdout, "User: ", "...   ")
	defer r.Close()
	type message struct {
		text string
		err  error
	}
	want, messages := make(chan struct{}), make(chan message)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-want:
			case <-done:
				return
			}
			text, err := r.Read()
			select {
			case messages <- message{text, err}:
			case <-done:
				return
			}
		}
	}()

	out := bufio.NewWriter(stdout)
	if interactive {
		fmt.Fprintln(stderr, opt.Banner)
	}
	terminated := false // by SIGTERM
	quitArmed := false  // one Ctrl-C at the prompt arms, a second quits
	interrupted := func() (quit bool) {
		if quitArmed {
			return true
		}
		quitArmed = true
		fmt.Fprintln(stderr, "(Ctrl-C again, Ctrl-D or /quit to leave)")
		return false
	}
	asked := false
	for {
		if interactive && !r.Terminal() {
			out.WriteString("User: ")
			out.Flush()
		}
		if !asked {
			want <- struct{}{}
			asked = true
		}
		var line string
		select {
		case msg := <-messages:
			asked = false
			switch {
			case errors.Is(msg.err, chatinput.ErrInterrupt):
				if interrupted() {
					return opt.End(terminated)
				}
				continue
			case errors.Is(msg.err, io.EOF):
				if interactive && !r.Terminal() {
					out.WriteString("\n")
					out.Flush()
				}
				return opt.End(terminated)
			case msg.err != nil:
				return msg.err
			}
			line = msg.text
		case sig := <-sigs:
			// SIGTERM, or Ctrl-C on a pipe's terminal: the read goes on
			// (on a terminal, Ctrl-C at the prompt comes as ErrInterrupt).
			out.WriteString("\n")
			out.Flush()
			if terminated = sig == syscall.SIGTERM; terminated || interrupted() {
				return opt.End(terminated)
			}
			continue
		}
		quitArmed = false
		if strings.HasPrefix(line, "/") {
			quit, err := command(chat, line, stderr)
			if err != nil {
				fmt.Fprintf(stderr, "%s\n", strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; "))
			}
			if quit {
				return opt.End(terminated)
			}
			continue
		}
		if runtime.CleanChatText(line) == "" {
			continue
		}
		sig, err := reply(chat, line, interactive, out, sigs)
		if err != nil {
			return err
		}
		if terminated = sig == syscall.SIGTERM; terminated {
			return opt.End(terminated)
		}
	}
}

// reply streams one reply; a signal on sigs (Ctrl-C, SIGTERM) stops it
// and is returned.
func reply(chat *runtime.Chat, line string, interactive bool, out *bufio.Writer, sigs <-chan os.Signal) (sig os.Signal, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		select {
		case sig = <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	if interactive {
		out.WriteString(runtime.AssistantPrefix(chat.Options().Think))
	} else if chat.Options().Think {
		out.WriteString("<think")
	}
	first := !chat.Options().Think
	st, err := chat.Reply(ctx, line, func(b []byte) error {
		if first && !interactive {
			b = []byte(runtime.ReplyText(string(b))) // the model's space after "Assistant:"
		}
		first = false
		out.Write(b)
		return out.Flush()
	})
	cancel()
	<-watching
	if err != nil {
		return sig, err
	}
	if st.StopReason == runtime.StopCancelled {
		out.WriteString(" [stopped]")
	}
	out.WriteString("\n\n")
	return sig, out.Flush()
}

// command runs a /command; quit reports /quit.
func command(chat *runtime.Chat, line string, stderr io.Writer) (quit bool, err error) {
	name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	needFile := func() error {
		if arg == "" {
			return fmt.Errorf("%s: which file? (%s FILE)", name, name)
		}
		return nil
	}
	switch name {
	case "/quit", "/exit":
		return true, nil
	case "/reset":
		chat.Reset()
		fmt.Fprintln(stderr, "(conversation reset)")
	case "/save":
		if err := needFile(); err != nil {
			return false, err
		}
		if err := chat.Save(arg); err != nil {
			return false, fmt.Errorf("/save: %w", err)
		}
		fmt.Fprintf(stderr, "(saved the conversation, %d tokens, to %s)\n", chat.Tokens(), arg)
	case "/load":
		if err := needFile(); err != nil {
			return false, err
		}
		if err := chat.Load(arg); err != nil {
			return false, fmt.Errorf("/load: %w", err)
		}
		fmt.Fprintf(stderr, "(loaded %s, %d tokens)\n", arg, chat.Tokens())
	case "/help":
		fmt.Fprintln(stderr, Help)
	default:
		return false, fmt.Errorf("unknown command %s (%s)", name, Help)
	}
	return false, nil
}
