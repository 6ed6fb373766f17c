package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/gosling-edge/gosling/runtime/serve"
	"github.com/gosling-edge/gosling/tools/cli"
)

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve")
	mf := addModelFlags(fs.FlagSet)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this `host:port` (loopback by default; 0.0.0.0:8080 for the network)")
	queue := fs.IntAtLeast("queue", 4, 0, "requests that may wait while one is generated")
	cache := fs.IntAtLeast("cache", 16, 0, "prompt-cache entries (model states) kept; 0 = off")
	maxTokens := fs.IntAtLeast("max-tokens", 1024, 0, "a chat reply's limit when the request sets none (0 = until the reply ends)")
	maxPrompt := fs.IntAtLeast("max-prompt-tokens", 8192, 0, "longest prompt accepted, in tokens (a longer one is answered 400; 0 = no limit)")
	maxBody := fs.Int64("max-body", serve.DefaultMaxBodyBytes, "largest request body accepted, in `bytes` (a larger one is answered 413)")
	maxConns := fs.IntAtLeast("max-connections", 64, 0, "open connections at most; more wait to be accepted (0 = no limit)")
	reqTimeout := fs.Duration("request-timeout", 5*time.Minute, "a request's deadline, queue time included (504 after it; 0 = none)")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "on SIGTERM or Ctrl-C, how long running requests may take to finish")
	apiKey := fs.String("api-key", "", "require the header Authorization: Bearer `KEY` on /v1/ (default: the environment's GOSLING_API_KEY, else none)")
	name := fs.String("name", "", "model id in the API (default: the file name without its extension, or "+demoModelID+")")
	quiet := fs.Bool("q", false, "no log line per request")
	df := addDeviceFlags(fs)
	if err := fs.ParseNone(args); err != nil {
		return err
	}
	if *maxBody < 1 || *reqTimeout < 0 || *shutdownTimeout < 0 {
		return cli.Usagef("--max-body must be ≥ 1, --request-timeout and --shutdown-timeout ≥ 0")
	}
	if *apiKey == "" {
		*apiKey = os.Getenv("GOSLING_API_KEY")
	}
	m, backend, closeModel, err := openOn(mf, df)
	if err != nil {
		return err
	}
	defer closeModel()
	if *name == "" {
		*name = ModelID(*mf.path)
	}
	logger := log.New(stderr, "", log.LstdFlags)
	opt := serve.Options{Name: *name, Queue: *queue, Cache: *cache, MaxTokens: *maxTokens,
		MaxPromptTokens: *maxPrompt, MaxBodyBytes: *maxBody, RequestTimeout: *reqTimeout, APIKey: *apiKey,
		Backend: backend}
	if !*quiet {
		opt.Log = func(line string) { logger.Print(line) }
	}
	srv := serve.New(m, opt)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *maxConns > 0 {
		ln = serve.LimitListener(ln, *maxConns)
	}
	sigs, stop := stopSignals() // before the banner, which tells that SIGTERM stops
	defer stop()
	fmt.Fprintf(stderr, "gosling serve: %s; SIGTERM or Ctrl-C stops\n", srv.Describe(ln.Addr()))
	return srv.Run(ln, logger, sigs, *shutdownTimeout, func(format string, a ...any) {
		fmt.Fprintf(stderr, "gosling serve: "+format+"\n", a...)
	})
}
