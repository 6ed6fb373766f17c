// Package serve is an OpenAI-compatible HTTP server for one model:
// POST /v1/completions and /v1/chat/completions (streamed as server-sent
// events or not), GET /v1/models and GET /health.
//
// One generation runs at a time: a small board has the memory bandwidth
// for one sequence, and a second would only halve the speed of the first.
// Requests that arrive meanwhile wait in a bounded queue, served in
// arrival order; when the queue is full a request is answered 503 at once.
// A client that disconnects (its request context ends), while waiting or
// while its reply is generated, gives up its place and the model.
//
// Prompt caching is what a recurrent model makes cheap: the state after a
// prompt is a fixed few megabytes whatever the prompt's length. After each
// prompt, and after each reply, the server keeps the state and the logits
// in a bounded LRU keyed by the token sequence; a request continues from
// the longest cached prefix of its tokens and reads only the rest. A chat
// client that sends the whole conversation every turn thus pays only for
// the new turn. Usage reports it: prompt_tokens_details.cached_tokens (the
// reused prefix) and prompt_tokens_processed.
package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gosling-edge/gosling/runtime"
)

// Options configure a Server.
type Options struct {
	// Name is the model id reported by /v1/models and in responses.
	Name string
	// Queue is how many requests may wait while one is generated; one more
	// is answered 503. 0 means none wait.
	Queue int
	// Cache is the number of prompt-cache entries (states) kept; 0 turns
	// the cache off.
	Cache int
	// MaxTokens is a chat completion's limit when the request sets none
	// (a completion's default is OpenAI's 16). 0 = until the reply ends.
	MaxTokens int
	// Log, if set, receives one line per request.
	Log func(line string)
}

// Server serves one model. Make it with New; use Handler.
type Server struct {
	m       *runtime.Model
	opt     Options
	gen     *runtime.Generator
	state   *runtime.State
	cache   *promptCache
	slot    chan struct{} // holds one token while a request uses the model
	created int64

	mu           sync.Mutex
	pending      int // requests running or waiting
	count        Counters
	cacheEntries int // the cache as the last request left it
	cacheBytes   int64

	hold func() // tests: called with the model held, before any work
}

// Counters are the totals /health reports.
type Counters struct {
	Requests              int64 `json:"requests"`
	Completed             int64 `json:"completed"`
	Rejected              int64 `json:"rejected_busy"`
	Cancelled             int64 `json:"cancelled"`
	Failed                int64 `json:"failed"`
	PromptTokens          int64 `json:"prompt_tokens"`
	PromptTokensReused    int64 `json:"prompt_tokens_reused"`
	PromptTokensProcessed int64 `json:"prompt_tokens_processed"`
	GeneratedTokens       int64 `json:"generated_tokens"`
}

// New prepares a server for m.
func New(m *runtime.Model, opt Options) *Server {
	if opt.Name == "" {
		opt.Name = "rwkv7"
	}
	return &Server{
		m: m, opt: opt,
		gen:     m.NewGenerator(runtime.DefaultSampler),
		state:   m.NewState(),
		cache:   newPromptCache(opt.Cache),
		slot:    make(chan struct{}, 1),
		created: time.Now().Unix(),
	}
}

// Counters returns a copy of the totals.
func (s *Server) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/completions", s.handleCompletion)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

var (
	errBusy       = errors.New("server busy")
	errClientGone = errors.New("client gone")
)

// acquire waits for the model. It fails at once with errBusy when Queue
// requests already wait, and with the context's error if the client goes
// away while waiting.
func (s *Server) acquire(ctx context.Context) (release func(), err error) {
	s.mu.Lock()
	if s.pending >= 1+s.opt.Queue {
		s.count.Rejected++
		s.mu.Unlock()
		return nil, errBusy
	}
	s.pending++
	s.mu.Unlock()
	done := func() {
		s.mu.Lock()
		s.pending--
		s.mu.Unlock()
	}
	select {
	case s.slot <- struct{}{}:
		return func() { <-s.slot; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

// job is one generation request, endpoint-neutral.
type job struct {
	chat   bool
	tokens []int32 // the whole prompt
	opt    runtime.GenerateOptions
	seed   *uint64
	emit   func(text []byte) error // streaming; nil collects only
}

type result struct {
	text      []byte
	stats     runtime.Stats
	cached    int // prompt tokens taken from the cache
	processed int // prompt tokens read by the model
	finish    string
}

// generate runs a job with the model held.
func (s *Server) generate(ctx context.Context, j *job) (*result, error) {
	if s.hold != nil {
		s.hold()
	}
	r := &result{}
	var logits []float32
	if e := s.cache.lookup(j.tokens); e != nil {
		s.state.CopyFrom(e.state)
		logits = e.logits
		r.cached = len(e.tokens)
	} else {
		s.state.Reset()
	}
	rest := j.tokens[r.cached:]
	r.processed = len(rest)
	if len(rest) > 0 {
		var err error
		if logits, err = s.gen.Feed(ctx, s.state, rest, nil); err != nil {
			return r, err
		}
		s.cache.store(j.tokens, s.state, logits)
	}
	if j.seed != nil {
		s.gen.Sampler.Seed(*j.seed)
	} else {
		s.gen.Sampler.Seed(mrand.Uint64())
	}
	st, err := s.gen.Generate(ctx, s.state, nil, logits, j.opt, func(b []byte) error {
		r.text = append(r.text, b...)
		if j.emit != nil {
			return j.emit(b)
		}
		return nil
	})
	r.stats = st
	if err != nil {
		return r, err
	}
	if st.StopReason == runtime.StopCancelled {
		return r, ctx.Err()
	}
	r.finish = "stop"
	if st.StopReason == runtime.StopMaxTokens {
		r.finish = "length"
	}
	s.rememberReply(j, r)
	return r, nil
}

// rememberReply caches the state after the reply under the tokens a client
// will send back. A completion's are the prompt and the generated ids. A
// chat's are the prompt and the reply as the next request renders it
// (ReplySegment of the content returned): stored only when the state holds
// exactly that text, which needs the turn closed with "\n\n" (fed here when
// the reply was cut by max_tokens) and the reply to start with the model's
// usual space.
func (s *Server) rememberReply(j *job, r *result) {
	gen := s.gen.Generated
	if !j.chat {
		key := append(append(make([]int32, 0, len(j.tokens)+len(gen)), j.tokens...), gen...)
		s.cache.store(key, s.state, s.gen.Logits())
		return
	}
	decoded := s.m.Tokenizer.Decode(gen)
	endsTurn := r.stats.StopReason == runtime.StopString && r.stats.Overrun == 0 &&
		bytes.Equal(decoded[min(len(r.text), len(decoded)):], []byte(runtime.EndOfTurn))
	if r.stats.StopReason == runtime.StopMaxTokens && bytes.Equal(decoded, r.text) {
		if _, err := s.gen.Feed(context.Background(), s.state, s.m.Tokenizer.Encode([]byte(runtime.EndOfTurn)), nil); err != nil {
			return
		}
		endsTurn = true
	}
	content := runtime.ReplyText(string(r.text))
	if !endsTurn || runtime.ReplySegment(content) != string(r.text)+runtime.EndOfTurn {
		return
	}
	reply := s.m.Tokenizer.Encode([]byte(runtime.ReplySegment(content)))
	key := append(append(make([]int32, 0, len(j.tokens)+len(reply)), j.tokens...), reply...)
	s.cache.store(key, s.state, s.gen.Logits())
}

// params turns the shared request fields into generation options, on top
// of the endpoint's defaults.
func (s *Server) params(p *samplingParams, def runtime.SamplerOptions, maxTokens int) (runtime.GenerateOptions, error) {
	opt := runtime.GenerateOptions{Sampler: def, MaxTokens: maxTokens}
	o := &opt.Sampler
	if p.N != nil && *p.N != 1 {
		return opt, fmt.Errorf("n = %d: only one choice per request is supported", *p.N)
	}
	if p.MaxTokens != nil {
		if *p.MaxTokens < 1 {
			return opt, fmt.Errorf("max_tokens = %d: want at least 1", *p.MaxTokens)
		}
		opt.MaxTokens = *p.MaxTokens
	}
	for _, f := range []struct {
		v   *float32
		dst *float32
	}{
		{p.Temperature, &o.Temperature}, {p.TopP, &o.TopP}, {p.PresencePenalty, &o.Presence},
		{p.FrequencyPenalty, &o.Frequency}, {p.PenaltyDecay, &o.Decay},
	} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.TopK != nil {
		o.TopK = *p.TopK
	}
	if err := o.Validate(); err != nil {
		if e := (*runtime.SamplerOptionError)(nil); errors.As(err, &e) {
			return opt, fmt.Errorf("%s = %s: want %s", samplerFields[e.Option], e.Value, e.Want)
		}
		return opt, err
	}
	for _, stop := range p.Stop {
		if stop != "" {
			opt.Stop = append(opt.Stop, []byte(stop))
		}
	}
	if len(p.LogitBias) > 0 {
		opt.LogitBias = map[int]float32{}
		for k, v := range p.LogitBias {
			id, err := strconv.Atoi(k)
			if err != nil || id < 0 || id >= s.m.Vocab {
				return opt, fmt.Errorf("logit_bias: %q is not a token id of this model", k)
			}
			if math.IsNaN(float64(v)) || v < -100 || v > 100 {
				return opt, fmt.Errorf("logit_bias[%s] = %v: want -100..100", k, v)
			}
			opt.LogitBias[id] = v
		}
	}
	return opt, nil
}

// samplerFields are the request fields of the sampler options, by the
// option's name in runtime.SamplerOptionError.
var samplerFields = map[string]string{
	"Temperature": "temperature", "TopP": "top_p", "TopK": "top_k",
	"Presence": "presence_penalty", "Frequency": "frequency_penalty", "Decay": "penalty_decay",
}

func (s *Server) handleCompletion(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if !decodeRequest(w, r, &req) {
		return
	}
	if !req.Prompt.set || req.Prompt.text == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "prompt: missing or empty")
		return
	}
	opt, err := s.params(&req.samplingParams, runtime.CompletionSampler, 16)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	opt.Weights = runtime.GenerateWeights
	j := &job{tokens: s.m.Tokenizer.Encode([]byte(req.Prompt.text)), opt: opt, seed: req.Seed}
	// Every chunk of a streamed response carries the same id and created.
	id, created := newID("cmpl-"), time.Now().Unix()
	chunk := func(text string, finish *string, u *usage) completionResponse {
		return completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.opt.Name,
			Choices: []completionChoice{{Text: text, FinishReason: finish}}, Usage: u}
	}
	s.serveJob(w, r, j, req.samplingParams, "/v1/completions", nil,
		func(text []byte) any { return chunk(string(text), nil, nil) },
		func(res *result, u usage) (final, usageChunk any) {
			if !req.Stream {
				return chunk(string(res.text), &res.finish, &u), nil
			}
			c := chunk("", &res.finish, nil)
			uc := chunk("", nil, &u)
			uc.Choices = []completionChoice{}
			return c, uc
		})
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if !decodeRequest(w, r, &req) {
		return
	}
	if req.MaxCompletionTokens != nil && req.MaxTokens == nil {
		req.MaxTokens = req.MaxCompletionTokens
	}
	tokens, err := s.chatTokens(req.Messages)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	opt, err := s.params(&req.samplingParams, runtime.DefaultSampler, s.opt.MaxTokens)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	opt.Stop = append([][]byte{[]byte(runtime.EndOfTurn)}, opt.Stop...)
	opt.BanEndOfText = true
	j := &job{chat: true, tokens: tokens, opt: opt, seed: req.Seed}
	id, created := newID("chatcmpl-"), time.Now().Unix()
	chunk := func(delta *chatDelta, msg *chatMessage, finish *string, u *usage) chatResponse {
		obj := "chat.completion"
		if req.Stream {
			obj = "chat.completion.chunk"
		}
		return chatResponse{ID: id, Object: obj, Created: created, Model: s.opt.Name,
			Choices: []chatChoice{{Delta: delta, Message: msg, FinishReason: finish}}, Usage: u}
	}
	started := false // the first piece loses the model's leading space
	empty := ""
	start := chunk(&chatDelta{Role: "assistant", Content: &empty}, nil, nil, nil)
	s.serveJob(w, r, j, req.samplingParams, "/v1/chat/completions", start,
		func(text []byte) any {
			t := string(text)
			if !started {
				t = runtime.ReplyText(t)
				started = true
			}
			return chunk(&chatDelta{Content: &t}, nil, nil, nil)
		},
		func(res *result, u usage) (final, usageChunk any) {
			if !req.Stream {
				return chunk(nil, &chatMessage{Role: "assistant", Content: contentText(runtime.ReplyText(string(res.text)))}, &res.finish, &u), nil
			}
			c := chunk(&chatDelta{Content: &empty}, nil, &res.finish, nil)
			uc := chunk(nil, nil, nil, &u)
			uc.Choices = []chatChoice{}
			return c, uc
		})
}

// chatTokens renders the messages in the G1 template and encodes them
// segment by segment (system, each user turn up to "Assistant:", each
// reply), so that a conversation's tokens are a prefix of the next turn's.
func (s *Server) chatTokens(msgs []chatMessage) ([]int32, error) {
	if len(msgs) == 0 {
		return nil, fmt.Errorf("messages: empty")
	}
	var tokens []int32
	for i, m := range msgs {
		var seg string
		switch m.Role {
		case "system", "developer":
			seg = runtime.SystemSegment(string(m.Content))
		case "user":
			if runtime.CleanChatText(string(m.Content)) == "" {
				return nil, fmt.Errorf("messages[%d]: empty user message", i)
			}
			if i+1 < len(msgs) && msgs[i+1].Role != "assistant" {
				seg = "User: " + runtime.CleanChatText(string(m.Content)) + runtime.EndOfTurn
			} else {
				seg = runtime.UserSegment(string(m.Content), false)
			}
		case "assistant":
			if i == 0 || msgs[i-1].Role != "user" {
				tokens = s.m.Tokenizer.AppendEncode(tokens, []byte("Assistant:"))
			}
			seg = runtime.ReplySegment(string(m.Content))
		default:
			return nil, fmt.Errorf("messages[%d]: role %q (want system, user or assistant)", i, m.Role)
		}
		tokens = s.m.Tokenizer.AppendEncode(tokens, []byte(seg))
	}
	if msgs[len(msgs)-1].Role != "user" {
		return nil, fmt.Errorf("messages: the last message must be the user's")
	}
	return tokens, nil
}

// serveJob queues, runs and answers a job, streamed or not. Streaming,
// start (if not nil) is the first chunk and piece makes the chunk for a
// piece of text; final makes the response (or, streaming, the last chunk
// and the usage chunk).
func (s *Server) serveJob(w http.ResponseWriter, r *http.Request, j *job, p samplingParams, route string,
	start any, piece func([]byte) any, final func(*result, usage) (any, any)) {
	s.mu.Lock()
	s.count.Requests++
	s.mu.Unlock()
	t0 := time.Now()
	release, err := s.acquire(r.Context())
	if err != nil {
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "server_busy",
				fmt.Sprintf("server busy: one request is being generated and %d are queued (the queue holds %d); retry later", s.opt.Queue, s.opt.Queue))
			s.logf("%s: rejected, queue full", route)
			return
		}
		s.finish(route, nil, err, t0)
		return
	}
	release = sync.OnceFunc(release) // called early below, and deferred for the error paths
	defer release()

	rc := http.NewResponseController(w)
	if p.Stream {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if start != nil {
			writeEvent(w, start)
		}
		rc.Flush()
		j.emit = func(text []byte) error {
			err := writeEvent(w, piece(text))
			if err == nil {
				err = rc.Flush()
			}
			if err != nil {
				return fmt.Errorf("%w: %v", errClientGone, err)
			}
			return nil
		}
	}
	res, err := s.generate(r.Context(), j)
	s.mu.Lock()
	s.cacheEntries, s.cacheBytes = len(s.cache.entries), s.cache.bytes()
	s.mu.Unlock()
	// The model is free before the answer is written: a client that sends
	// its next request as soon as it has read this one finds it free.
	release()
	s.finish(route, res, err, t0)
	if err != nil {
		if r.Context().Err() != nil || errors.Is(err, errClientGone) {
			return
		}
		if !p.Stream {
			writeError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		var e apiError
		e.Error.Message, e.Error.Type = err.Error(), "server_error"
		writeEvent(w, e)
		rc.Flush()
		return
	}
	u := usage{PromptTokens: len(j.tokens), CompletionTokens: res.stats.GeneratedTokens,
		TotalTokens:         len(j.tokens) + res.stats.GeneratedTokens,
		PromptTokensDetails: promptDetails{CachedTokens: res.cached}, PromptTokensProcessed: res.processed}
	resp, usageChunk := final(res, u)
	if !p.Stream {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	writeEvent(w, resp)
	if p.StreamOptions != nil && p.StreamOptions.IncludeUsage {
		writeEvent(w, usageChunk)
	}
	io.WriteString(w, "data: [DONE]\n\n")
	rc.Flush()
}

// finish counts a request and logs it.
func (s *Server) finish(route string, res *result, err error, t0 time.Time) {
	s.mu.Lock()
	switch {
	case err == nil:
		s.count.Completed++
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errClientGone):
		s.count.Cancelled++
	default:
		s.count.Failed++
	}
	if res != nil {
		s.count.PromptTokens += int64(res.cached + res.processed)
		s.count.PromptTokensReused += int64(res.cached)
		s.count.PromptTokensProcessed += int64(res.processed)
		s.count.GeneratedTokens += int64(res.stats.GeneratedTokens)
	}
	s.mu.Unlock()
	switch {
	case res == nil:
		s.logf("%s: %v while waiting", route, err)
	case err != nil:
		s.logf("%s: prompt %d tokens (%d reused, %d processed), %d generated, %v after %v",
			route, res.cached+res.processed, res.cached, res.processed, res.stats.GeneratedTokens, err, time.Since(t0).Round(time.Millisecond))
	default:
		s.logf("%s: prompt %d tokens (%d reused, %d processed), %d generated (%s) in %v",
			route, res.cached+res.processed, res.cached, res.processed, res.stats.GeneratedTokens, res.finish, time.Since(t0).Round(time.Millisecond))
	}
}

func (s *Server) logf(format string, a ...any) {
	if s.opt.Log != nil {
		s.opt.Log(fmt.Sprintf(format, a...))
	}
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   []any{map[string]any{"id": s.opt.Name, "object": "model", "created": s.created, "owned_by": "gosling"}},
	})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	pending, c, entries, cacheBytes := s.pending, s.count, s.cacheEntries, s.cacheBytes
	s.mu.Unlock()
	running := 0
	if pending > 0 {
		running = 1
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "model": s.opt.Name, "config": s.m.Config.String(),
		"running": running, "queued": pending - running, "queue_size": s.opt.Queue,
		"counters": c,
		"cache":    map[string]any{"entries": entries, "max_entries": s.opt.Cache, "bytes": cacheBytes},
	})
}

const maxRequestBytes = 4 << 20

func decodeRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, maxRequestBytes)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "request body: "+err.Error())
		return false
	}
	// Read the body to its end (only then does net/http watch the
	// connection and cancel the request's context when the client leaves);
	// nothing but white space may follow the JSON value.
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "request body: more than one JSON value")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	var e apiError
	e.Error.Message, e.Error.Type = msg, typ
	writeJSON(w, status, e)
}

func writeEvent(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "data: %s\n\n", b)
	return err
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
