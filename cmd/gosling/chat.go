package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/chatrepl"
	"github.com/gosling-edge/gosling/tools/cli"
)

func runChat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("chat")
	mf := addModelFlags(fs.FlagSet)
	gf := addGenFlags(fs, runtime.DefaultSampler, 1000, "stop a reply after this many tokens (0 = only at the end of the reply)")
	stf := addStateFlags(fs.FlagSet)
	system := fs.String("system", "", "system prompt, fed once at the start of a conversation from the zero state")
	think := fs.Bool("think", false, "think mode: each reply starts with \"<think\" (G1 reasoning)")
	df := addDeviceFlags(fs)
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cli.Usagef("unexpected argument %q (messages come from standard input)", pos[0])
	}
	m, backend, closeModel, err := openOn(mf, df)
	if err != nil {
		return err
	}
	defer closeModel()
	chat := m.NewChat(backend, runtime.ChatOptions{System: *system, Think: *think, Sampler: gf.sampler, MaxTokens: *gf.maxTokens,
		Grammar: gf.grammar, Progress: cli.CountProgress(stderr, "reading prompt")})
	f, ok := stdin.(*os.File)
	interactive := ok && cli.IsTerminal(f)
	if *stf.in != "" {
		s, logits, err := stf.load(m)
		if err != nil {
			return err
		}
		if err := chat.SetStart(s, logits); err != nil {
			return err
		}
	}
	sigs, stopSignals := interruptSignals()
	defer stopSignals()
	return chatrepl.Run(chat, stdin, stdout, stderr, chatrepl.Options{
		Interactive: interactive, Signals: sigs,
		Banner: fmt.Sprintf("gosling chat: %s (%s). %s.", ModelID(*mf.path), m.Config, chatrepl.Help),
		End: func(terminated bool) error {
			if *stf.out == "" && chat.Tokens() > 0 && (interactive || terminated) {
				fmt.Fprintf(stderr, "(the conversation, %d tokens, was not saved: --state-out FILE or /save FILE keeps one)\n", chat.Tokens())
			}
			return stf.save(stderr, chat.Tokens(), chat.Save)
		},
	})
}
