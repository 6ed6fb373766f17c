package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/internal/shadow"
)

type testError struct {
	Error *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// rawPost sends body as is, with header key: value pairs.
func rawPost(t *testing.T, method, url string, body []byte, header ...string) (*http.Response, testError) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e testError
	if resp.StatusCode != 200 {
		if err := json.Unmarshal(b, &e); err != nil || e.Error == nil || e.Error.Message == "" || e.Error.Type == "" {
			t.Errorf("%s %s: %d is not an OpenAI error: %q", method, url, resp.StatusCode, b)
		}
		for _, leak := range []string{"Go struct", "json:", "unmarshal", "samplingParams", "http:"} {
			if strings.Contains(string(b), leak) {
				t.Errorf("%s %s: the error shows Go internals (%q): %s", method, url, leak, b)
			}
		}
	}
	return resp, e
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// A request naming a model other than the one served is answered 404 in
// OpenAI's shape; the served name and an absent model are accepted.
func TestModelNotFound(t *testing.T) {
	_, url := newServer(t, Options{Name: "gosling-demo"})
	for _, path := range []string{"/v1/completions", "/v1/chat/completions"} {
		body := `{"model":"gpt-4o","prompt":"Hi","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}`
		resp, e := rawPost(t, "POST", url+path, []byte(body))
		if resp.StatusCode != 404 || str(e.Error.Code) != "model_not_found" || str(e.Error.Param) != "model" ||
			e.Error.Type != "invalid_request_error" || !strings.Contains(e.Error.Message, `"gpt-4o"`) {
			t.Errorf("%s: %d %+v", path, resp.StatusCode, e.Error)
		}
		for _, model := range []string{`"gosling-demo"`, `""`, `null`} {
			body := strings.Replace(body, `"gpt-4o"`, model, 1)
			if resp, e := rawPost(t, "POST", url+path, []byte(body)); resp.StatusCode != 200 {
				t.Errorf("%s with model %s: %d %+v", path, model, resp.StatusCode, e.Error)
			}
		}
	}
}

// Bad requests get OpenAI-shaped errors that name the request's field and
// never Go's types.
func TestErrorsWithoutGoInternals(t *testing.T) {
	_, url := newServer(t, Options{})
	for _, c := range []struct {
		path, body  string
		status      int
		param, want string
	}{
		{"/v1/completions", `{"prompt":"a","max_tokens":1e400}`, 400, "max_tokens", "max_tokens: want an integer"},
		{"/v1/completions", `{"prompt":"a","max_tokens":1.5}`, 400, "max_tokens", "max_tokens: want an integer"},
		{"/v1/completions", `{"prompt":"a","temperature":"hot"}`, 400, "temperature", "temperature: want a number"},
		{"/v1/completions", `{"prompt":"a","stream":"yes"}`, 400, "stream", "stream: want true or false"},
		{"/v1/completions", `{"prompt":"a","stream_options":{"include_usage":1}}`, 400, "stream_options.include_usage", "want true or false"},
		{"/v1/completions", `{"prompt":5}`, 400, "prompt", "prompt: want a string"},
		{"/v1/completions", `{"prompt":"a","stop":7}`, 400, "stop", "stop: want a string"},
		{"/v1/completions", `[1,2]`, 400, "<null>", "want a JSON object"},
		{"/v1/completions", ``, 400, "<null>", "empty"},
		{"/v1/completions", `{"prompt":`, 400, "<null>", "ends inside"},
		{"/v1/completions", `{"prompt":"a"} {}`, 400, "<null>", "more than one JSON value"},
		{"/v1/completions", `{"prompt" "a"}`, 400, "<null>", "invalid JSON at byte"},
		{"/v1/completions", "\x00\xff garbage", 400, "<null>", "invalid JSON"},
		{"/v1/completions", `{"prompt":"a","max_tokens":0}`, 400, "max_tokens", "max_tokens = 0: want at least 1"},
		{"/v1/completions", `{"prompt":"a","top_p":7}`, 400, "top_p", "top_p = 7: want"},
		{"/v1/completions", `{"prompt":"a","logit_bias":{"x":1}}`, 400, "logit_bias", "not a token id"},
		{"/v1/chat/completions", `{"messages":5}`, 400, "messages", "messages: want an array"},
		{"/v1/chat/completions", `{"messages":[{"role":"user","content":7}]}`, 400, "messages.content", "want a string or an array of parts"},
		{"/v1/chat/completions", `{"messages":[{"role":"robot","content":"x"}]}`, 400, "messages", "role"},
	} {
		resp, e := rawPost(t, "POST", url+c.path, []byte(c.body))
		if e.Error == nil {
			t.Errorf("%s: %d, no error", c.body, resp.StatusCode)
			continue
		}
		if resp.StatusCode != c.status || str(e.Error.Param) != c.param || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s: %d param %s %q; want %d param %s, a message with %q", c.body, resp.StatusCode, str(e.Error.Param), e.Error.Message, c.status, c.param, c.want)
		}
	}
}

// A known path asked with the wrong method is 405 with an Allow header.
func TestMethodNotAllowed(t *testing.T) {
	_, url := newServer(t, Options{})
	for _, c := range []struct{ method, path, allow string }{
		{"GET", "/v1/completions", "POST"},
		{"PUT", "/v1/chat/completions", "POST"},
		{"POST", "/v1/models", "GET, HEAD"},
		{"DELETE", "/health", "GET, HEAD"},
	} {
		resp, e := rawPost(t, c.method, url+c.path, nil)
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != c.allow || str(e.Error.Code) != "method_not_allowed" {
			t.Errorf("%s %s: %d Allow %q %+v", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), e.Error)
		}
	}
	if resp, _ := rawPost(t, "GET", url+"/nowhere", nil); resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

// With an API key every /v1/ route wants it as a bearer token (401 in
// OpenAI's shape otherwise); /health stays open for probes.
func TestAPIKey(t *testing.T) {
	_, url := newServer(t, Options{APIKey: "s3cret"})
	body := []byte(`{"prompt":"Hi","max_tokens":1}`)
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer s3cret2", "Basic s3cret", "s3cret"} {
		resp, e := rawPost(t, "POST", url+"/v1/completions", body, "Authorization", auth)
		if resp.StatusCode != 401 || str(e.Error.Code) != "invalid_api_key" || resp.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("Authorization %q: %d %+v", auth, resp.StatusCode, e.Error)
		}
	}
	if resp, _ := rawPost(t, "GET", url+"/v1/models", nil); resp.StatusCode != 401 {
		t.Errorf("/v1/models without the key: %d", resp.StatusCode)
	}
	if resp, e := rawPost(t, "POST", url+"/v1/completions", body, "Authorization", "Bearer s3cret"); resp.StatusCode != 200 {
		t.Errorf("with the key: %d %+v", resp.StatusCode, e.Error)
	}
	if resp, _ := rawPost(t, "GET", url+"/health", nil); resp.StatusCode != 200 {
		t.Errorf("/health: %d", resp.StatusCode)
	}
}

// A prompt over MaxPromptTokens is refused with 400 before the model sees
// it, an absurd one before it is even tokenized, and a body over
// MaxBodyBytes with 413.
func TestPromptAndBodyLimits(t *testing.T) {
	s, url := newServer(t, Options{MaxPromptTokens: 64, MaxBodyBytes: 2 << 20})
	long := strings.Repeat("word ", 100) // 100 tokens or more
	huge := strings.Repeat("x", 1<<20)
	for _, c := range []struct {
		name, path string
		body       any
		status     int
		code       string
	}{
		{"100 words", "/v1/completions", map[string]any{"prompt": long, "max_tokens": 1}, 400, "context_length_exceeded"},
		{"1 MB", "/v1/completions", map[string]any{"prompt": huge, "max_tokens": 1}, 400, "context_length_exceeded"},
		{"chat 1 MB", "/v1/chat/completions", map[string]any{"messages": []map[string]string{{"role": "system", "content": huge}, {"role": "user", "content": "Hi"}}}, 400, "context_length_exceeded"},
		{"chat 100 words", "/v1/chat/completions", map[string]any{"messages": []map[string]string{{"role": "user", "content": long}}}, 400, "context_length_exceeded"},
		{"3 MB body", "/v1/completions", map[string]any{"prompt": strings.Repeat(huge, 3)}, 413, "request_too_large"},
	} {
		b, _ := json.Marshal(c.body)
		t0 := time.Now()
		resp, e := rawPost(t, "POST", url+c.path, b)
		if resp.StatusCode != c.status || e.Error == nil || str(e.Error.Code) != c.code {
			t.Errorf("%s: %d %+v", c.name, resp.StatusCode, e.Error)
			continue
		}
		t.Logf("%s: %d in %v: %s", c.name, resp.StatusCode, time.Since(t0).Round(time.Microsecond), e.Error.Message)
	}
	// A body larger than the limit with no Content-Length (chunked) is
	// cut where the limit is reached.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"prompt":"`))
		for range 3 {
			pw.Write([]byte(huge))
		}
		pw.Write([]byte(`"}`))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", url+"/v1/completions", pr)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode != 413 {
			t.Errorf("chunked 3 MB: %d", resp.StatusCode)
		}
		resp.Body.Close()
	}
	if code, body := post(t, url, "/v1/completions", map[string]any{"prompt": "Hello", "max_tokens": 1}); code != 200 {
		t.Errorf("a short prompt: %d %s", code, body)
	}
	if c := s.Counters(); c.Requests != 1 || c.PromptTokensProcessed > 64 {
		t.Errorf("the refused prompts reached the model: %+v", c)
	}
}

// RequestTimeout ends a generation that runs too long: 504 in OpenAI's
// shape, or an error event when streaming, counted as timed out.
func TestRequestTimeout(t *testing.T) {
	s, url := newServer(t, Options{Queue: 1, RequestTimeout: 300 * time.Millisecond})
	// A reply ends at "\n\n"; banning every token that holds a newline
	// (not just the two most likely ones) makes the end unreachable, so
	// only the deadline can stop it whatever the sampler draws.
	noNewline := map[string]float32{}
	for id := 1; id < s.m.Tokenizer.Size(); id++ {
		if bytes.IndexByte(s.m.Tokenizer.Token(id), '\n') >= 0 {
			noNewline[strconv.Itoa(id)] = -100
		}
	}
	forever := map[string]any{"messages": []map[string]any{{"role": "user", "content": "Talk forever."}},
		"max_tokens": 1000000, "temperature": 1, "top_p": 1, "logit_bias": noNewline}
	b, _ := json.Marshal(forever)
	t0 := time.Now()
	resp, e := rawPost(t, "POST", url+"/v1/chat/completions", b)
	if resp.StatusCode != 504 || e.Error == nil || e.Error.Type != "timeout" {
		t.Errorf("non-streamed: %d %+v", resp.StatusCode, e.Error)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("took %v with a 300ms deadline", d)
	}
	forever["stream"] = true
	code, body := post(t, url, "/v1/chat/completions", forever)
	events := strings.Split(strings.TrimSpace(string(body)), "\n\n")
	if code != 200 || !strings.Contains(events[len(events)-1], `"type":"timeout"`) {
		t.Errorf("streamed: %d, last event %q", code, events[len(events)-1])
	}
	// Waiting for the model counts too.
	release := make(chan struct{})
	var once sync.Once
	s.hold = func(context.Context) { once.Do(func() { <-release }) }
	first := make(chan int)
	go func() {
		code, _ := post(t, url, "/v1/completions", map[string]any{"prompt": "Hi", "max_tokens": 1})
		first <- code
	}()
	waitFor(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.pending == 1 })
	resp, e = rawPost(t, "POST", url+"/v1/completions", []byte(`{"prompt":"Hi","max_tokens":1}`))
	if resp.StatusCode != 504 || e.Error == nil || !strings.Contains(e.Error.Message, "not free") {
		t.Errorf("queued past the deadline: %d %+v", resp.StatusCode, e.Error)
	}
	close(release)
	if code := <-first; code != 504 {
		t.Errorf("the request held past its deadline: %d", code)
	}
	if c := s.Counters(); c.TimedOut != 4 || c.Completed != 0 || c.Cancelled != 0 {
		t.Errorf("counters %+v", c)
	}
}

// slowBackend runs on the CPU but blocks in its prefillsBefore-th Prefill
// until the request it serves is cancelled: a client that leaves during a
// long prompt, deterministically.
type slowBackend struct {
	*shadow.Backend
	prefillsBefore int
	reached        chan struct{} // closed when the prefillsBefore-th Prefill starts
	reqCtx         func() context.Context
}

func (b *slowBackend) Prefill(s *runtime.State, tokens []int32) ([]float32, error) {
	if b.Prefills+1 == b.prefillsBefore {
		close(b.reached)
		<-b.reqCtx().Done()
	}
	return b.Backend.Prefill(s, tokens)
}

// A prompt abandoned during prefill counts the tokens read, not the
// prompt's length, in the log and in /health.
func TestAbandonedPrefillCountsWhatWasRead(t *testing.T) {
	m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var reqCtx context.Context
	got := make(chan struct{})
	dev := &slowBackend{Backend: shadow.New(m), prefillsBefore: 3, reached: make(chan struct{}), reqCtx: func() context.Context { return reqCtx }}
	var log []string
	s := New(m, Options{Backend: dev, Log: func(l string) { log = append(log, l) }})
	s.hold = func(ctx context.Context) { reqCtx = ctx; close(got) }
	chunk := dev.Chunk()
	prompt := strings.Repeat("a b ", 3*chunk) // more than three chunks
	ctx, cancel := context.WithCancel(context.Background())
	b, _ := json.Marshal(map[string]any{"prompt": prompt, "max_tokens": 1})
	req, _ := http.NewRequestWithContext(ctx, "POST", "/v1/completions", bytes.NewReader(b))
	done := make(chan struct{})
	rec := httptest.NewRecorder()
	go func() { s.Handler().ServeHTTP(rec, req); close(done) }()
	<-got
	<-dev.reached
	cancel()
	<-done
	c := s.Counters()
	want := int64(3 * chunk) // the third Prefill waited for the cancel, and ran; the fourth never did
	if c.Cancelled != 1 || c.PromptTokensProcessed != want || c.PromptTokens <= c.PromptTokensProcessed {
		t.Errorf("counters %+v, want about %d processed", c, want)
	}
	if len(log) != 1 || !strings.Contains(log[0], fmt.Sprintf("%d processed", c.PromptTokensProcessed)) {
		t.Errorf("log %q", log)
	}
	rec2 := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec2, httptest.NewRequest("GET", "/health", nil))
	var health struct{ Counters Counters }
	json.Unmarshal(rec2.Body.Bytes(), &health)
	if health.Counters.PromptTokensProcessed != want {
		t.Errorf("/health %s", rec2.Body.Bytes())
	}
}

// LimitListener keeps at most n connections open: the n+1th is accepted
// only when one closes.
func TestLimitListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := LimitListener(ln, 2)
	defer l.Close()
	accepted := make(chan net.Conn, 3)
	stopped := make(chan error, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				stopped <- err
				return
			}
			accepted <- c
		}
	}()
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first := <-accepted
	second := <-accepted
	defer second.Close()
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted with a limit of 2")
	case <-time.After(100 * time.Millisecond):
	}
	first.Close()
	first.Close() // a second Close gives back nothing more
	var third net.Conn
	select {
	case third = <-accepted:
		defer third.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the third connection was not accepted after one closed")
	}
	// The limit is full again: an Accept waiting for a slot returns when
	// the listener closes.
	l.Close()
	select {
	case err := <-stopped:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still waiting after Close")
	}
}
