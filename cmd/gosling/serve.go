package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/gosling-edge/gosling/runtime/serve"
)

func init() {
	register("serve", "serve the model over HTTP (OpenAI-compatible API)", runServe)
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve -m MODEL [--addr HOST:PORT] [flags]",
		"Serves the model over HTTP with OpenAI's API: POST /v1/completions and\n"+
			"/v1/chat/completions (\"stream\": true for server-sent events), GET /v1/models,\n"+
			"GET /health. One request is generated at a time; --queue more wait, and a\n"+
			"request beyond those is answered 503. A client that disconnects stops its\n"+
			"generation. Chat uses the G1 template and the official chat sampling defaults\n"+
			"(a request's temperature, top_p, presence_penalty, frequency_penalty, seed,\n"+
			"stop, max_tokens, logit_bias, top_k and penalty_decay override them).\n"+
			"The prompt cache keeps the state after each prompt and reply (--cache\n"+
			"entries, least recently used dropped): a request that extends a cached\n"+
			"conversation reads only the new tokens (usage.prompt_tokens_details.cached_tokens).", stderr)
	mf := addModelFlags(fs.FlagSet)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this `host:port` (loopback by default; 0.0.0.0:8080 for the network)")
	queue := fs.Int("queue", 4, "requests that may wait while one is generated")
	cache := fs.Int("cache", 16, "prompt-cache entries (model states) kept; 0 = off")
	maxTokens := fs.Int("max-tokens", 1024, "a chat reply's limit when the request sets none (0 = until the reply ends)")
	name := fs.String("name", "", "model id in the API (default: the file name without .gguf)")
	quiet := fs.Bool("q", false, "no log line per request")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *queue < 0 || *cache < 0 || *maxTokens < 0 {
		return usagef("--queue, --cache and --max-tokens must be ≥ 0")
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	defer m.Close()
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(*mf.path), filepath.Ext(*mf.path))
	}
	logger := log.New(stderr, "", log.LstdFlags)
	opt := serve.Options{Name: *name, Queue: *queue, Cache: *cache, MaxTokens: *maxTokens}
	if !*quiet {
		opt.Log = func(line string) { logger.Print(line) }
	}
	srv := serve.New(m, opt)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second, ErrorLog: logger}
	fmt.Fprintf(stderr, "gosling serve: %s (%s) on http://%s — POST /v1/chat/completions, /v1/completions; GET /v1/models, /health; Ctrl-C stops\n",
		*name, m.Config, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	sigs, stopSignals := interruptSignals()
	defer stopSignals()
	select {
	case err := <-errc:
		return err
	case <-sigs:
	}
	fmt.Fprintln(stderr, "gosling serve: shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	hs.Close() // streams still open after the grace period
	c := srv.Counters()
	fmt.Fprintf(stderr, "gosling serve: %d requests (%d completed, %d rejected busy, %d cancelled); prompt tokens %d, of which %d reused from the cache\n",
		c.Requests, c.Completed, c.Rejected, c.Cancelled, c.PromptTokens, c.PromptTokensReused)
	return nil
}
