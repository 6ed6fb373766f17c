package serve

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// Run serves the API on ln until a signal arrives on stop, then shuts down
// gracefully: it stops accepting, lets the running requests finish for up
// to grace (a second signal cuts the wait short), then cuts the streams
// still running, whose generations stop at their next token, and waits for
// the handler to be empty. say reports each stage; errorLog takes the HTTP
// server's errors.
func (s *Server) Run(ln net.Listener, errorLog *log.Logger, stop <-chan os.Signal, grace time.Duration, say func(format string, a ...any)) error {
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, ErrorLog: errorLog}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var sig os.Signal
	select {
	case err := <-errc:
		return err
	case sig = <-stop:
	}
	say("%v: not accepting; letting running requests finish (up to %v)", sig, grace)
	// Shutdown closes the listener at once and waits for every connection
	// to go idle; Close then cuts the streams still running.
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	go func() {
		// A second signal does not wait for the grace period.
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	cut := false
	if err := hs.Shutdown(ctx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			return err
		}
		cut = true
	}
	hs.Close()
	s.Wait()
	if cut {
		say("requests still running after %v were cut off", grace)
	}
	say("%s", s.Counters())
	return nil
}

// Describe is the server in a line for a log: the model and where it
// runs, the address it listens on, the endpoints.
func (s *Server) Describe(addr net.Addr) string {
	where := "cpu"
	if s.dev != nil {
		where = s.dev.String()
	}
	auth := ""
	if s.opt.APIKey != "" {
		auth = ", API key required"
	}
	return fmt.Sprintf("%s (%s, %s) on http://%s%s — POST /v1/chat/completions, /v1/completions; GET /v1/models, /health",
		s.opt.Name, s.m.Config, where, addr, auth)
}

// String is the totals in a sentence, for a log.
func (c Counters) String() string {
	return fmt.Sprintf("%d requests (%d completed, %d rejected busy, %d cancelled, %d timed out, %d failed); prompt tokens %d (%d reused from the cache, %d processed), %d generated",
		c.Requests, c.Completed, c.Rejected, c.Cancelled, c.TimedOut, c.Failed, c.PromptTokens, c.PromptTokensReused, c.PromptTokensProcessed, c.GeneratedTokens)
}
