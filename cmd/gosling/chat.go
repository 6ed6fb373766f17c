package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/gosling-edge/gosling/runtime"
)

func init() {
	register("chat", "talk with a chat model (G1 template) in the terminal", runChat)
}

// interruptSignals delivers Ctrl-C to chat and serve (tests replace it).
var interruptSignals = func() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}

const chatHelp = `commands: /reset (start over), /save FILE, /load FILE, /quit; Ctrl-C stops a reply`

func runChat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("chat -m MODEL [flags]",
		"Reads messages from standard input, one per line, and streams the model's\n"+
			"replies, in the G1 chat template (System: … / User: … / Assistant: …; a reply\n"+
			"ends at a blank line). Sampling follows the official chat: temperature 1,\n"+
			"top-p 0.3, presence and frequency penalties 0.5 decaying by 0.996 per token,\n"+
			"end of text never drawn.\n\n"+
			chatHelp+".\n"+
			"Ctrl-C at the prompt twice quits. Standard input may be a pipe: each line is\n"+
			"a message, and only the replies are printed, each followed by a blank line.", stderr)
	mf := addModelFlags(fs.FlagSet)
	sf := addSamplerFlags(fs.FlagSet, runtime.DefaultSampler)
	stf := addStateFlags(fs.FlagSet)
	system := fs.String("system", "", "system prompt, fed once at the start of a conversation from the zero state")
	think := fs.Bool("think", false, "think mode: each reply starts with \"<think\" (G1 reasoning)")
	maxTokens := fs.Int("max-tokens", 1000, "stop a reply after this many tokens (0 = only at the end of the reply)")
	df := addDeviceFlags(fs.FlagSet)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if _, _, err := df.handle(); err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q (messages come from standard input)", pos[0])
	}
	sopt, err := sf.options()
	if err != nil {
		return err
	}
	if *maxTokens < 0 {
		return usagef("--max-tokens %d: want ≥ 0", *maxTokens)
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	backend, err := df.open(m)
	if err != nil {
		return err
	}
	if backend != nil {
		defer backend.Close()
	}
	chat := m.NewChat(runtime.ChatOptions{System: *system, Think: *think, Sampler: sopt, MaxTokens: *maxTokens,
		Progress: newCountProgress(stderr, "reading prompt")})
	chat.Gen.Backend = backend
	save := func() error { return stf.saveChat(stderr, chat) }
	if *stf.in != "" {
		s, logits, err := stf.load(m)
		if err != nil {
			return err
		}
		if err := chat.SetStart(s, logits); err != nil {
			return err
		}
	}

	interactive := false
	if f, ok := stdin.(*os.File); ok {
		interactive = isTerminal(f)
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		r := bufio.NewReader(stdin)
		for {
			line, err := r.ReadString('\n')
			if line != "" {
				select {
				case lines <- strings.TrimRight(line, "\r\n"):
				case <-done:
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				readErr <- err
				close(lines)
				return
			}
		}
	}()
	sigs, stopSignals := interruptSignals()
	defer stopSignals()

	out := bufio.NewWriter(stdout)
	if interactive {
		fmt.Fprintf(stderr, "gosling chat: %s (%s). %s.\n", *mf.path, m.Config, chatHelp)
	}
	quitArmed := false // one Ctrl-C at the prompt arms, a second quits
	for {
		if interactive {
			out.WriteString("User: ")
			out.Flush()
		}
		var line string
		select {
		case l, ok := <-lines:
			if !ok {
				if err := <-readErr; err != nil {
					return err
				}
				if interactive {
					out.WriteString("\n")
					out.Flush()
				}
				return save()
			}
			line = l
		case <-sigs:
			if quitArmed {
				out.WriteString("\n")
				out.Flush()
				return save()
			}
			quitArmed = true
			fmt.Fprintln(stderr, "\n(Ctrl-C again or /quit to leave)")
			continue
		}
		quitArmed = false
		if strings.HasPrefix(line, "/") {
			quit, err := chatCommand(chat, line, stderr)
			if err != nil {
				fmt.Fprintf(stderr, "%s\n", oneLine(err.Error()))
			}
			if quit {
				return save()
			}
			continue
		}
		if runtime.CleanChatText(line) == "" {
			continue
		}
		if err := chatReply(chat, line, interactive, out, sigs); err != nil {
			return err
		}
	}
}

// chatReply streams one reply; Ctrl-C (a signal on sigs) stops it.
func chatReply(chat *runtime.Chat, line string, interactive bool, out *bufio.Writer, sigs <-chan os.Signal) error {
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	if interactive {
		out.WriteString(runtime.AssistantPrefix(chat.Opt.Think))
	} else if chat.Opt.Think {
		out.WriteString("<think")
	}
	first := !chat.Opt.Think
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
		return err
	}
	if st.StopReason == runtime.StopCancelled {
		out.WriteString(" [stopped]")
	}
	out.WriteString("\n\n")
	return out.Flush()
}

// chatCommand runs a /command; quit reports /quit.
func chatCommand(chat *runtime.Chat, line string, stderr io.Writer) (quit bool, err error) {
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
		fmt.Fprintf(stderr, "(saved the conversation, %d tokens, to %s)\n", chat.State().Tokens, arg)
	case "/load":
		if err := needFile(); err != nil {
			return false, err
		}
		if err := chat.Load(arg); err != nil {
			return false, fmt.Errorf("/load: %w", err)
		}
		fmt.Fprintf(stderr, "(loaded %s, %d tokens)\n", arg, chat.State().Tokens)
	case "/help":
		fmt.Fprintln(stderr, chatHelp)
	default:
		return false, fmt.Errorf("unknown command %s (%s)", name, chatHelp)
	}
	return false, nil
}
