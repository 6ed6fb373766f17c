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
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/toolcall"
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

	// Backend, if set, runs the model on a device (CUDA) instead of the
	// CPU. The server brings states to the host where the prompt cache
	// copies them. It must stay open while the Server is used.
	Backend runtime.Backend
	// MaxPromptTokens refuses (400) a prompt longer than this many tokens;
	// 0 means no limit. A body too long to fit within it is refused before
	// it is tokenized.
	MaxPromptTokens int
	// MaxBodyBytes refuses (413) a request body larger than this; 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RequestTimeout ends a request that has not finished this long after
	// it arrived, queue time included (504, or an error event when
	// streaming); 0 means none.
	RequestTimeout time.Duration
	// APIKey, if set, is the bearer token every /v1/ request must carry
	// (401 otherwise). /health stays open for probes.
	APIKey string
}

// DefaultMaxBodyBytes is the request-body limit when Options.MaxBodyBytes
// is 0: room for a long conversation, not for a flood.
const DefaultMaxBodyBytes = 4 << 20

// Server serves one model. Make it with New; use Handler.
type Server struct {
	m       *runtime.Model
	opt     Options
	gen     *runtime.Generator
	dev     runtime.Backend // opt.Backend: synced before the cache copies a state
	state   *runtime.State
	maxTok  int // the longest token's bytes: a prompt of n bytes has at least n/maxTok tokens
	cache   *promptCache
	slot    chan struct{} // holds one token while a request uses the model
	created int64

	mu           sync.Mutex
	pending      int // requests running or waiting
	count        Counters
	cacheEntries int // the cache as the last request left it
	cacheBytes   int64
	plans        map[[32]byte]*chatPlan // recent tool and format plans (planChat)

	active sync.WaitGroup // requests inside the handler, for Wait

	hold func(ctx context.Context) // tests: called with the model held, before any work
}

// Counters are the totals /health reports.
type Counters struct {
	Requests              int64 `json:"requests"`
	Completed             int64 `json:"completed"`
	Rejected              int64 `json:"rejected_busy"`
	Cancelled             int64 `json:"cancelled"`
	TimedOut              int64 `json:"timed_out"`
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
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBodyBytes
	}
	var step runtime.Stepper
	if opt.Backend != nil {
		step = opt.Backend
	}
	maxTok := 1
	for id := range m.Tokenizer.Size() {
		maxTok = max(maxTok, len(m.Tokenizer.Token(id)))
	}
	return &Server{
		m: m, opt: opt,
		gen:     m.NewGenerator(step, runtime.DefaultSampler),
		dev:     opt.Backend,
		maxTok:  maxTok,
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

// Wait returns when no request is inside the handler: after
// http.Server.Shutdown or Close, for counters that include every request.
func (s *Server) Wait() { s.active.Wait() }

// route is one path's handlers by method.
type route map[string]http.HandlerFunc

// Handler routes the API. A known path asked with another method is
// answered 405 with an Allow header; every error is in OpenAI's shape.
func (s *Server) Handler() http.Handler {
	routes := map[string]route{
		"/v1/completions":      {"POST": s.handleCompletion},
		"/v1/chat/completions": {"POST": s.handleChat},
		"/v1/models":           {"GET": s.handleModels, "HEAD": s.handleModels},
		"/health":              {"GET": s.handleHealth, "HEAD": s.handleHealth},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.active.Add(1)
		defer s.active.Done()
		rt, ok := routes[r.URL.Path]
		if !ok {
			writeError(w, http.StatusNotFound, "invalid_request_error", "", "", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "invalid_request_error", "", "invalid_api_key",
				"missing or wrong API key: send the header Authorization: Bearer KEY")
			return
		}
		h, ok := rt[r.Method]
		if !ok {
			allow := slices.Sorted(maps.Keys(rt))
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "", "method_not_allowed",
				fmt.Sprintf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		h(w, r)
	})
}

// authorized reports whether r carries the API key, if one is set. The
// comparison takes the same time wherever the two differ.
func (s *Server) authorized(r *http.Request) bool {
	if s.opt.APIKey == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	// Hashed first, so the comparison's time does not tell the key's length.
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(s.opt.APIKey))
	return ok && subtle.ConstantTimeCompare(a[:], b[:]) == 1
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
	chat    bool
	tokens  []int32 // the whole prompt
	opt     runtime.GenerateOptions
	sampler runtime.SamplerOptions // seeded by generate: from seed, or at random
	seed    *uint64
	emit    func(text []byte) error // streaming; nil collects only
}

type result struct {
	text      []byte
	stats     runtime.Stats
	prompt    int // prompt tokens asked for
	cached    int // prompt tokens taken from the cache
	processed int // prompt tokens read by the model (fewer than prompt - cached when cut short)
	finish    string
}

// generate runs a job with the model held.
func (s *Server) generate(ctx context.Context, j *job) (*result, error) {
	if s.hold != nil {
		s.hold(ctx)
	}
	r := &result{prompt: len(j.tokens)}
	var logits []float32
	if e := s.cache.lookup(j.tokens); e != nil {
		s.state.CopyFrom(e.state)
		logits = e.logits
		r.cached = len(e.tokens)
	} else {
		s.state.Reset()
	}
	s.forget()
	rest := j.tokens[r.cached:]
	if len(rest) > 0 {
		var err error
		start := s.state.Tokens
		logits, err = s.gen.Feed(ctx, s.state, rest, nil)
		// What the model read, not what was asked: a prompt abandoned
		// halfway counts the chunks done.
		r.processed = int(s.state.Tokens - start)
		if err != nil {
			return r, err
		}
		if err := s.store(j.tokens, logits); err != nil {
			return r, err
		}
	}
	sopt := j.sampler
	if j.seed != nil {
		sopt.Seed = *j.seed
	} else {
		sopt.Seed = mrand.Uint64()
	}
	s.gen.SetSampler(sopt)
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
	gen := s.gen.Generated()
	if !j.chat {
		key := append(append(make([]int32, 0, len(j.tokens)+len(gen)), j.tokens...), gen...)
		s.store(key, s.gen.Logits())
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
	s.store(key, s.gen.Logits())
}

// store keeps the server's state in the prompt cache under tokens, after
// bringing it from the device if it lives there.
func (s *Server) store(tokens []int32, logits []float32) error {
	if s.opt.Cache <= 0 {
		return nil
	}
	if s.dev != nil {
		if err := s.dev.Sync(s.state); err != nil {
			return err
		}
	}
	s.cache.store(tokens, s.state, logits)
	return nil
}

// forget tells the device, if any, that the state was replaced on the
// host (from the cache, or reset): a copy with the same token count would
// otherwise look current to it.
func (s *Server) forget() {
	if s.dev != nil {
		s.dev.Forget(s.state)
	}
}

// params turns the shared request fields into generation and sampler
// options, on top of the endpoint's defaults.
func (s *Server) params(p *samplingParams, def runtime.SamplerOptions, maxTokens int) (runtime.GenerateOptions, runtime.SamplerOptions, error) {
	opt := runtime.GenerateOptions{MaxTokens: maxTokens}
	sopt := def
	o := &sopt
	if p.N != nil && *p.N != 1 {
		return opt, sopt, fmt.Errorf("n = %d: only one choice per request is supported", *p.N)
	}
	if p.MaxTokens != nil {
		if *p.MaxTokens < 1 {
			return opt, sopt, fmt.Errorf("max_tokens = %d: want at least 1", *p.MaxTokens)
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
			return opt, sopt, fmt.Errorf("%s = %s: want %s", samplerFields[e.Option], e.Value, e.Want)
		}
		return opt, sopt, err
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
				return opt, sopt, fmt.Errorf("logit_bias: %q is not a token id of this model", k)
			}
			if math.IsNaN(float64(v)) || v < -100 || v > 100 {
				return opt, sopt, fmt.Errorf("logit_bias[%s] = %v: want -100..100", k, v)
			}
			opt.LogitBias[id] = v
		}
	}
	return opt, sopt, nil
}

// paramOf is the request field a params error names first
// ("max_tokens = 0: …", "logit_bias[7] = …").
func paramOf(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, " :["); i > 0 {
		return msg[:i]
	}
	return ""
}

// samplerFields are the request fields of the sampler options, by the
// option's name in runtime.SamplerOptionError.
var samplerFields = map[string]string{
	"Temperature": "temperature", "TopP": "top_p", "TopK": "top_k",
	"Presence": "presence_penalty", "Frequency": "frequency_penalty", "Decay": "penalty_decay",
}

func (s *Server) handleCompletion(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if !s.decodeRequest(w, r, &req) || !s.checkModel(w, req.Model) {
		return
	}
	if !req.Prompt.set || req.Prompt.text == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "prompt", "", "prompt: missing or empty")
		return
	}
	opt, sopt, err := s.params(&req.samplingParams, runtime.CompletionSampler, 16)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", paramOf(err), "", err.Error())
		return
	}
	opt.Weights = runtime.GenerateWeights
	if err := s.checkPromptBytes(len(req.Prompt.text)); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "prompt", "context_length_exceeded", err.Error())
		return
	}
	j := &job{tokens: s.m.Tokenizer.Encode([]byte(req.Prompt.text)), opt: opt, sampler: sopt, seed: req.Seed}
	if err := s.checkPromptTokens(len(j.tokens)); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "prompt", "context_length_exceeded", err.Error())
		return
	}
	// Every chunk of a streamed response carries the same id and created.
	id, created := newID("cmpl-"), time.Now().Unix()
	chunk := func(text string, finish *string, u *usage) completionResponse {
		return completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.opt.Name,
			Choices: []completionChoice{{Text: text, FinishReason: finish}}, Usage: u}
	}
	s.serveJob(w, r, j, req.samplingParams, "/v1/completions", nil,
		func(text []byte) []any { return []any{chunk(string(text), nil, nil)} },
		func(res *result, u usage) (final []any, usageChunk any) {
			if !req.Stream {
				return []any{chunk(string(res.text), &res.finish, &u)}, nil
			}
			c := chunk("", &res.finish, nil)
			uc := chunk("", nil, &u)
			uc.Choices = []completionChoice{}
			return []any{c}, uc
		})
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if !s.decodeRequest(w, r, &req) || !s.checkModel(w, req.Model) {
		return
	}
	if req.MaxCompletionTokens != nil && req.MaxTokens == nil {
		req.MaxTokens = req.MaxCompletionTokens
	}
	opt, sopt, err := s.params(&req.samplingParams, runtime.DefaultSampler, s.opt.MaxTokens)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", paramOf(err), "", err.Error())
		return
	}
	plan, err := s.planChat(&req)
	if err != nil {
		re := err.(*requestError)
		writeError(w, http.StatusBadRequest, "invalid_request_error", re.param, "", re.msg)
		return
	}
	tokens, err := s.chatTokens(req.Messages, plan)
	if err != nil {
		code := ""
		if errors.Is(err, errPromptTooLong) {
			code = "context_length_exceeded"
		}
		writeError(w, http.StatusBadRequest, "invalid_request_error", "messages", code, err.Error())
		return
	}
	userStops := len(opt.Stop)
	opt.Stop = append([][]byte{[]byte(runtime.EndOfTurn)}, opt.Stop...)
	opt.BanEndOfText = true
	opt = plan.options(opt, userStops)
	if plan.call.Prefill != "" {
		tokens = s.m.Tokenizer.AppendEncode(tokens, []byte(plan.call.Prefill))
	}
	j := &job{chat: true, tokens: tokens, opt: opt, sampler: sopt, seed: req.Seed}
	id, created := newID("chatcmpl-"), time.Now().Unix()
	chunk := func(delta *chatDelta, msg *replyMessage, finish *string, u *usage) chatResponse {
		obj := "chat.completion"
		if req.Stream {
			obj = "chat.completion.chunk"
		}
		return chatResponse{ID: id, Object: obj, Created: created, Model: s.opt.Name,
			Choices: []chatChoice{{Delta: delta, Message: msg, FinishReason: finish}}, Usage: u}
	}
	started := false // the first piece loses the model's leading space
	content := func(t string) any {
		if !started {
			t = runtime.ReplyText(t)
			started = true
		}
		return chunk(&chatDelta{Content: &t}, nil, nil, nil)
	}
	// With tools, the stream splits the reply into content and a call.
	stream := plan.tmpl.NewStream(plan.call.Opened())
	callID, zero := newID("call_"), 0
	events := func(ev []toolcall.Event) []any {
		var out []any
		for _, e := range ev {
			switch {
			case e.Content != "":
				out = append(out, content(e.Content))
			case e.Name != "":
				out = append(out, chunk(&chatDelta{ToolCalls: []toolCall{{Index: &zero, ID: callID, Type: "function",
					Function: toolFunction{Name: e.Name}}}}, nil, nil, nil))
			case e.Arguments != "":
				out = append(out, chunk(&chatDelta{ToolCalls: []toolCall{{Index: &zero, Function: toolFunction{Arguments: e.Arguments}}}}, nil, nil, nil))
			}
		}
		return out
	}
	empty := ""
	start := chunk(&chatDelta{Role: "assistant", Content: &empty}, nil, nil, nil)
	s.serveJob(w, r, j, req.samplingParams, "/v1/chat/completions", start,
		func(text []byte) []any {
			if plan.calling {
				return events(stream.Write(text))
			}
			return []any{content(string(text))}
		},
		func(res *result, u usage) (final []any, usageChunk any) {
			text, calls, finish := plan.reply(res)
			if !req.Stream {
				for i := range calls {
					calls[i].ID = callID
				}
				return []any{chunk(nil, &replyMessage{Role: "assistant", Content: text, ToolCalls: calls}, &finish, &u)}, nil
			}
			if plan.calling {
				final = events(stream.Close())
			}
			final = append(final, chunk(&chatDelta{}, nil, &finish, nil))
			uc := chunk(nil, nil, nil, &u)
			uc.Choices = []chatChoice{}
			return final, uc
		})
}

// chatTokens renders the messages in the G1 template and encodes them
// segment by segment (system, each user turn up to "Assistant:", each
// reply), so that a conversation's tokens are a prefix of the next turn's.
func (s *Server) chatTokens(msgs []chatMessage, plan *chatPlan) ([]int32, error) {
	if len(msgs) == 0 {
		return nil, fmt.Errorf("messages: empty")
	}
	// The segments are rendered first, so that an absurdly long
	// conversation is refused before any of it is tokenized.
	type segment struct {
		text          string
		withAssistant bool // an assistant turn with no user turn before it
	}
	segs := make([]segment, 0, len(msgs)+1)
	size := 0
	isSystem := func(role string) bool { return role == "system" || role == "developer" }
	if len(plan.tools) > 0 && !isSystem(msgs[0].Role) {
		// The tools need a system turn; this one comes first.
		text, err := plan.system("")
		if err != nil {
			return nil, err
		}
		segs = append(segs, segment{text: runtime.SystemSegment(text)})
	}
	for i, m := range msgs {
		var seg segment
		switch m.Role {
		case "system", "developer":
			text := string(m.Content)
			if i == 0 {
				var err error
				if text, err = plan.system(text); err != nil {
					return nil, err
				}
			}
			seg.text = runtime.SystemSegment(text)
		case "user", "tool":
			text := string(m.Content)
			if m.Role == "tool" {
				text = plan.tmpl.Output([]byte(text))
			}
			if runtime.CleanChatText(text) == "" {
				return nil, fmt.Errorf("messages[%d]: empty user message", i)
			}
			if i+1 < len(msgs) && msgs[i+1].Role != "assistant" {
				seg.text = "User: " + runtime.CleanChatText(text) + runtime.EndOfTurn
			} else {
				seg.text = runtime.UserSegment(text, false)
			}
		case "assistant":
			seg.withAssistant = i == 0 || (msgs[i-1].Role != "user" && msgs[i-1].Role != "tool")
			text, err := plan.assistantText(i, m)
			if err != nil {
				return nil, err
			}
			seg.text = runtime.ReplySegment(text)
		default:
			return nil, fmt.Errorf("messages[%d]: role %q (want system, user, assistant or tool)", i, m.Role)
		}
		size += len(seg.text)
		segs = append(segs, seg)
	}
	if last := msgs[len(msgs)-1].Role; last != "user" && last != "tool" {
		return nil, fmt.Errorf("messages: the last message must be the user's or a tool's")
	}
	if err := s.checkPromptBytes(size); err != nil {
		return nil, err
	}
	var tokens []int32
	for _, seg := range segs {
		if seg.withAssistant {
			tokens = s.m.Tokenizer.AppendEncode(tokens, []byte("Assistant:"))
		}
		tokens = s.m.Tokenizer.AppendEncode(tokens, []byte(seg.text))
	}
	if err := s.checkPromptTokens(len(tokens)); err != nil {
		return nil, err
	}
	return tokens, nil
}

var errPromptTooLong = errors.New("prompt too long")

// checkPromptBytes refuses, before tokenizing, a prompt of n bytes that
// cannot fit in MaxPromptTokens: no token is longer than maxTok bytes.
func (s *Server) checkPromptBytes(n int) error {
	if s.opt.MaxPromptTokens > 0 && n > s.opt.MaxPromptTokens*s.maxTok {
		return fmt.Errorf("%w: %d bytes is more than %d tokens can hold (the server's limit)", errPromptTooLong, n, s.opt.MaxPromptTokens)
	}
	return nil
}

func (s *Server) checkPromptTokens(n int) error {
	if s.opt.MaxPromptTokens > 0 && n > s.opt.MaxPromptTokens {
		return fmt.Errorf("%w: %d tokens, the server's limit is %d", errPromptTooLong, n, s.opt.MaxPromptTokens)
	}
	return nil
}

// checkModel answers 404 to a request that names a model other than the
// one served. An empty or absent "model" means this one.
func (s *Server) checkModel(w http.ResponseWriter, model string) bool {
	if model == "" || model == s.opt.Name {
		return true
	}
	writeError(w, http.StatusNotFound, "invalid_request_error", "model", "model_not_found",
		fmt.Sprintf("the model %q does not exist: this server serves %q", model, s.opt.Name))
	return false
}

// serveJob queues, runs and answers a job, streamed or not. Streaming,
// start (if not nil) is the first chunk and piece makes the chunks for a
// piece of text; final makes the response (or, streaming, the last chunks
// and the usage chunk).
func (s *Server) serveJob(w http.ResponseWriter, r *http.Request, j *job, p samplingParams, route string,
	start any, piece func([]byte) []any, final func(*result, usage) ([]any, any)) {
	s.mu.Lock()
	s.count.Requests++
	s.mu.Unlock()
	t0 := time.Now()
	ctx := r.Context()
	if s.opt.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opt.RequestTimeout)
		defer cancel()
	}
	// timedOut tells the deadline from a client that left.
	timedOut := func() bool { return ctx.Err() != nil && r.Context().Err() == nil }
	release, err := s.acquire(ctx)
	if err != nil {
		if errors.Is(err, errBusy) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "server_busy", "", "server_busy",
				fmt.Sprintf("server busy: one request is being generated and %d are queued (the queue holds %d); retry later", s.opt.Queue, s.opt.Queue))
			s.logf("%s: rejected, queue full", route)
			return
		}
		s.finish(route, nil, err, timedOut(), t0)
		if timedOut() {
			writeError(w, http.StatusGatewayTimeout, "timeout", "", "timeout",
				fmt.Sprintf("request timeout: the model was not free within %v", s.opt.RequestTimeout))
		}
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
			var err error
			for _, c := range piece(text) {
				if err = writeEvent(w, c); err != nil {
					break
				}
			}
			if err == nil {
				err = rc.Flush()
			}
			if err != nil {
				return fmt.Errorf("%w: %v", errClientGone, err)
			}
			return nil
		}
	}
	res, err := s.generate(ctx, j)
	s.mu.Lock()
	s.cacheEntries, s.cacheBytes = len(s.cache.entries), s.cache.bytes()
	s.mu.Unlock()
	// The model is free before the answer is written: a client that sends
	// its next request as soon as it has read this one finds it free.
	release()
	late := timedOut()
	s.finish(route, res, err, late, t0)
	if err != nil {
		if (ctx.Err() != nil && !late) || errors.Is(err, errClientGone) {
			return
		}
		status, typ, msg := http.StatusInternalServerError, "server_error", "the model failed: "+err.Error()
		if late {
			status, typ, msg = http.StatusGatewayTimeout, "timeout", fmt.Sprintf("request timeout: not finished within %v", s.opt.RequestTimeout)
		}
		if !p.Stream {
			writeError(w, status, typ, "", typ, msg)
			return
		}
		writeEvent(w, newAPIError(typ, "", typ, msg))
		rc.Flush()
		return
	}
	u := usage{PromptTokens: len(j.tokens), CompletionTokens: res.stats.GeneratedTokens,
		TotalTokens:         len(j.tokens) + res.stats.GeneratedTokens,
		PromptTokensDetails: promptDetails{CachedTokens: res.cached}, PromptTokensProcessed: res.processed}
	resp, usageChunk := final(res, u)
	if !p.Stream {
		writeJSON(w, http.StatusOK, resp[0])
		return
	}
	for _, c := range resp {
		writeEvent(w, c)
	}
	if p.StreamOptions != nil && p.StreamOptions.IncludeUsage {
		writeEvent(w, usageChunk)
	}
	io.WriteString(w, "data: [DONE]\n\n")
	rc.Flush()
}

// finish counts a request and logs it.
func (s *Server) finish(route string, res *result, err error, timedOut bool, t0 time.Time) {
	s.mu.Lock()
	switch {
	case err == nil:
		s.count.Completed++
	case timedOut:
		s.count.TimedOut++
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errClientGone):
		s.count.Cancelled++
	default:
		s.count.Failed++
	}
	if res != nil {
		s.count.PromptTokens += int64(res.prompt)
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
			route, res.prompt, res.cached, res.processed, res.stats.GeneratedTokens, err, time.Since(t0).Round(time.Millisecond))
	default:
		s.logf("%s: prompt %d tokens (%d reused, %d processed), %d generated (%s) in %v",
			route, res.prompt, res.cached, res.processed, res.stats.GeneratedTokens, res.finish, time.Since(t0).Round(time.Millisecond))
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

// bodyReadTimeout bounds the time a client may take to send its body (the
// header's is the http.Server's ReadHeaderTimeout).
const bodyReadTimeout = 30 * time.Second

// decodeRequest reads the JSON body into v, answering a bad one in
// OpenAI's error shape with the field at fault and no Go type names.
func (s *Server) decodeRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	defer rc.SetReadDeadline(time.Time{})
	if r.ContentLength > s.opt.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "", "request_too_large",
			fmt.Sprintf("request body: %d bytes, more than the server's limit of %d", r.ContentLength, s.opt.MaxBodyBytes))
		return false
	}
	body := http.MaxBytesReader(w, r.Body, s.opt.MaxBodyBytes)
	dec := json.NewDecoder(body)
	err := dec.Decode(v)
	// Read the body to its end (only then does net/http watch the
	// connection and cancel the request's context when the client leaves);
	// nothing but white space may follow the JSON value.
	if err == nil {
		if err = dec.Decode(&struct{}{}); err == io.EOF {
			return true
		} else if err == nil {
			err = errTrailing
		}
	}
	status, param, msg := http.StatusBadRequest, "", "request body: "
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		netErr  net.Error
		fieldEr *fieldError
	)
	switch {
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
		msg += fmt.Sprintf("more than the server's limit of %d bytes", tooBig.Limit)
	case errors.As(err, &typ):
		param = jsonField(typ.Field)
		msg = fmt.Sprintf("%s: want %s", param, jsonKind(typ.Type))
		if param == "" {
			msg = "request body: want a JSON object"
		}
	case errors.As(err, &fieldEr):
		param, msg = fieldEr.field, fieldEr.Error()
	case errors.As(err, &syntax):
		msg += fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case err == io.EOF:
		msg += "empty; want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg += "ends inside the JSON value"
	case errors.Is(err, errTrailing):
		msg += "more than one JSON value"
	case errors.As(err, &netErr) && netErr.Timeout():
		status = http.StatusRequestTimeout
		msg += fmt.Sprintf("not received within %v", bodyReadTimeout)
	default:
		msg += "invalid JSON"
	}
	code := ""
	if status == http.StatusRequestEntityTooLarge {
		code = "request_too_large"
	}
	writeError(w, status, "invalid_request_error", param, code, msg)
	return false
}

var errTrailing = errors.New("more than one JSON value")

// jsonField turns encoding/json's path of a field ("samplingParams.max_tokens",
// "messages.content") into the request's ("max_tokens", "messages.content").
func jsonField(path string) string {
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && p != "samplingParams" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// jsonKind names the JSON a Go type takes.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number in range"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func newAPIError(typ, param, code, msg string) apiError {
	var e apiError
	e.Error.Message, e.Error.Type = msg, typ
	if param != "" {
		e.Error.Param = &param
	}
	if code != "" {
		e.Error.Code = &code
	}
	return e
}

// writeError answers in OpenAI's error shape: message, type, and param and
// code (null when empty).
func writeError(w http.ResponseWriter, status int, typ, param, code, msg string) {
	writeJSON(w, status, newAPIError(typ, param, code, msg))
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
