package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/quant"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/convert"
	"github.com/gosling-edge/gosling/tools/synth"
)

var modelPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gosling-serve-test-")
	if err != nil {
		panic(err)
	}
	// A small random model; its vocabulary (the first 999 World tokens)
	// holds "\n\n" and " A" (id 300).
	in, err := synth.Input(synth.Shape{Layers: 2, Embd: 128, Vocab: 1000, FFN: 256, RankW: 32, RankA: 32, RankV: 32, RankG: 64}, 7)
	if err != nil {
		panic(err)
	}
	policy, _ := convert.DefaultPolicy(quant.TypeF16)
	modelPath = filepath.Join(dir, "small.gguf")
	if _, err := convert.Write(in, modelPath, convert.Options{Policy: policy}); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newServer(t *testing.T, opt Options) (*Server, string) {
	t.Helper()
	m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := New(m, opt)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		m.Close()
	})
	return s, hs.URL
}

func post(t *testing.T, url, path string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

type testUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	PromptTokensProcessed int `json:"prompt_tokens_processed"`
}

type testResponse struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Text    string `json:"text"`
		Message *struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *testUsage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"error"`
}

func decode(t *testing.T, b []byte) testResponse {
	t.Helper()
	var r testResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response %q: %v", b, err)
	}
	return r
}

func TestModelsAndHealth(t *testing.T) {
	_, url := newServer(t, Options{Name: "demo"})
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var models struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	json.NewDecoder(resp.Body).Decode(&models)
	resp.Body.Close()
	if models.Object != "list" || len(models.Data) != 1 || models.Data[0].ID != "demo" || models.Data[0].Object != "model" {
		t.Errorf("/v1/models: %+v", models)
	}
	resp, err = http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	var health map[string]any
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if health["status"] != "ok" || resp.StatusCode != 200 {
		t.Errorf("/health: %d %v", resp.StatusCode, health)
	}
	if code, body := post(t, url, "/v1/nothing", map[string]any{}); code != 404 || decode(t, body).Error == nil {
		t.Errorf("unknown route: %d %s", code, body)
	}
}

func TestCompletion(t *testing.T) {
	_, url := newServer(t, Options{Name: "demo", Cache: 4})
	code, body := post(t, url, "/v1/completions", map[string]any{"model": "demo", "prompt": "Once upon a time", "max_tokens": 7, "seed": 3})
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	r := decode(t, body)
	if r.Object != "text_completion" || r.Model != "demo" || !strings.HasPrefix(r.ID, "cmpl-") || len(r.Choices) != 1 {
		t.Fatalf("response %s", body)
	}
	if r.Choices[0].FinishReason == nil || *r.Choices[0].FinishReason != "length" || r.Choices[0].Text == "" {
		t.Errorf("choice %s", body)
	}
	if u := r.Usage; u == nil || u.CompletionTokens != 7 || u.PromptTokens == 0 || u.TotalTokens != u.PromptTokens+7 ||
		u.PromptTokensDetails.CachedTokens != 0 || u.PromptTokensProcessed != u.PromptTokens {
		t.Errorf("usage %+v", r.Usage)
	}
	// The same request again: the prompt comes from the cache, and the same
	// seed gives the same text.
	_, body2 := post(t, url, "/v1/completions", map[string]any{"prompt": "Once upon a time", "max_tokens": 7, "seed": 3})
	r2 := decode(t, body2)
	if r2.Choices[0].Text != r.Choices[0].Text {
		t.Errorf("same seed: %q then %q", r.Choices[0].Text, r2.Choices[0].Text)
	}
	if u := r2.Usage; u.PromptTokensDetails.CachedTokens != u.PromptTokens || u.PromptTokensProcessed != 0 {
		t.Errorf("repeated prompt: usage %+v, want all of it cached", u)
	}
	for _, bad := range []map[string]any{
		{"prompt": ""}, {"prompt": "x", "max_tokens": 0}, {"prompt": "x", "n": 2}, {"prompt": "x", "top_p": 1.5},
		{"prompt": "x", "logit_bias": map[string]float32{"99999": 1}}, {"prompt": []string{"a", "b"}},
	} {
		if code, body := post(t, url, "/v1/completions", bad); code != 400 || decode(t, body).Error == nil {
			t.Errorf("%v: %d %s", bad, code, body)
		}
	}
	// A sampler option out of range is named as the request names it.
	for field, v := range map[string]any{"temperature": -1, "top_p": 1.5, "top_k": -1, "presence_penalty": 101, "frequency_penalty": -101, "penalty_decay": 2} {
		code, body := post(t, url, "/v1/completions", map[string]any{"prompt": "x", field: v})
		if e := decode(t, body).Error; code != 400 || e == nil || !strings.HasPrefix(e.Message, fmt.Sprintf("%s = %v: want ", field, v)) {
			t.Errorf("%s = %v: %d %s", field, v, code, body)
		}
	}
}

// readEvents reads a server-sent event stream to its end.
func readEvents(t *testing.T, r io.Reader) (chunks []testResponse, done bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not an event line: %q", line)
		}
		if data == "[DONE]" {
			return chunks, true
		}
		chunks = append(chunks, decode(t, []byte(data)))
	}
	return chunks, false
}

func TestChatStreamed(t *testing.T) {
	_, url := newServer(t, Options{Name: "demo", Cache: 4, MaxTokens: 50})
	req := map[string]any{
		"messages":       []map[string]any{{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}},
		"max_tokens":     9,
		"seed":           5,
		"stream":         true,
		"stream_options": map[string]any{"include_usage": true},
	}
	b, _ := json.Marshal(req)
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	chunks, done := readEvents(t, resp.Body)
	if !done || len(chunks) < 3 {
		t.Fatalf("%d chunks, [DONE] %v", len(chunks), done)
	}
	if d := chunks[0].Choices[0].Delta; d == nil || d.Role != "assistant" {
		t.Errorf("first chunk %+v", chunks[0])
	}
	var text strings.Builder
	finish := ""
	for _, c := range chunks[:len(chunks)-1] {
		if c.Object != "chat.completion.chunk" || !strings.HasPrefix(c.ID, "chatcmpl-") {
			t.Errorf("chunk %+v", c)
		}
		if c.ID != chunks[0].ID || c.Created != chunks[0].Created || c.Created == 0 {
			t.Errorf("chunk id %q created %d, the first chunk's %q %d: want the same", c.ID, c.Created, chunks[0].ID, chunks[0].Created)
		}
		if d := c.Choices[0].Delta; d != nil && d.Content != nil {
			text.WriteString(*d.Content)
		}
		if f := c.Choices[0].FinishReason; f != nil {
			finish = *f
		}
	}
	last := chunks[len(chunks)-1]
	if last.Usage == nil || len(last.Choices) != 0 || last.Usage.CompletionTokens == 0 || finish == "" {
		t.Errorf("usage chunk %+v, finish %q", last, finish)
	}

	// The same request without streaming gives the same reply.
	req["stream"] = false
	code, body := post(t, url, "/v1/chat/completions", req)
	r := decode(t, body)
	if code != 200 || r.Object != "chat.completion" || r.Choices[0].Message == nil || r.Choices[0].Message.Role != "assistant" {
		t.Fatalf("%d %s", code, body)
	}
	if got := r.Choices[0].Message.Content; got != text.String() {
		t.Errorf("streamed %q, not streamed %q", text.String(), got)
	}
	if *r.Choices[0].FinishReason != finish || r.Usage.CompletionTokens != last.Usage.CompletionTokens {
		t.Errorf("finish %q vs %q, tokens %d vs %d", *r.Choices[0].FinishReason, finish, r.Usage.CompletionTokens, last.Usage.CompletionTokens)
	}
}

// The second turn of a chat reads only its new tokens: the state after
// the first reply is in the cache under the conversation so far.
func TestSecondTurnReusesState(t *testing.T) {
	s, url := newServer(t, Options{Cache: 8, MaxTokens: 50})
	msgs := []map[string]any{{"role": "system", "content": "You answer in one line."}, {"role": "user", "content": "Name a letter."}}
	// logit_bias makes the reply " A A A…" (token 300 is " A"), a reply
	// that starts with the model's usual space, whatever the random model.
	req := map[string]any{"messages": msgs, "max_tokens": 6, "seed": 1, "logit_bias": map[string]float32{"300": 100}}
	code, body := post(t, url, "/v1/chat/completions", req)
	r1 := decode(t, body)
	if code != 200 {
		t.Fatalf("turn 1: %d %s", code, body)
	}
	reply := r1.Choices[0].Message.Content
	if reply != "A A A A A A" || r1.Usage.PromptTokensDetails.CachedTokens != 0 {
		t.Fatalf("turn 1: reply %q, usage %+v", reply, r1.Usage)
	}

	msgs = append(msgs, map[string]any{"role": "assistant", "content": reply}, map[string]any{"role": "user", "content": "Another one."})
	req = map[string]any{"messages": msgs, "max_tokens": 3, "seed": 2}
	code, body = post(t, url, "/v1/chat/completions", req)
	r2 := decode(t, body)
	if code != 200 {
		t.Fatalf("turn 2: %d %s", code, body)
	}
	newTokens := len(s.m.Tokenizer.Encode([]byte(runtime.UserSegment("Another one.", false))))
	u := r2.Usage
	t.Logf("turn 1: prompt %d tokens; turn 2: prompt %d tokens, %d reused, %d processed (the new turn is %d tokens)",
		r1.Usage.PromptTokens, u.PromptTokens, u.PromptTokensDetails.CachedTokens, u.PromptTokensProcessed, newTokens)
	if u.PromptTokensProcessed != newTokens || u.PromptTokensDetails.CachedTokens != u.PromptTokens-newTokens {
		t.Errorf("turn 2 processed %d tokens, want only the new turn's %d (usage %+v)", u.PromptTokensProcessed, newTokens, u)
	}
	c := s.Counters()
	if c.PromptTokensReused != int64(u.PromptTokensDetails.CachedTokens) {
		t.Errorf("counters %+v", c)
	}

	// The reused state is the state an uninterrupted conversation reaches:
	// a fresh server given the whole history gives the same reply.
	_, url2 := newServer(t, Options{Cache: 8, MaxTokens: 50})
	_, body = post(t, url2, "/v1/chat/completions", req)
	fresh := decode(t, body)
	if fresh.Usage.PromptTokensDetails.CachedTokens != 0 {
		t.Fatalf("fresh server reused %d tokens", fresh.Usage.PromptTokensDetails.CachedTokens)
	}
	if got, want := r2.Choices[0].Message.Content, fresh.Choices[0].Message.Content; got != want {
		t.Errorf("turn 2 reply %q from the reused state; a fresh server given the whole history replies %q", got, want)
	}
}

// A prompt served whole from the cache whose reply ends at once (end of
// text drawn first) leaves the cached logits as they were: the next
// request with that prompt continues as on a fresh server, not from the
// logits of the request before.
func TestCachedPromptEndingAtOnceKeepsLogits(t *testing.T) {
	_, url := newServer(t, Options{Cache: 8})
	prompt := "Once upon a time"
	for _, req := range []map[string]any{
		{"prompt": prompt, "max_tokens": 3, "seed": 1},                    // caches the prompt's state
		{"prompt": "Something else entirely", "max_tokens": 3, "seed": 1}, // the generator's last logits are another prompt's
		{"prompt": prompt, "max_tokens": 3, "logit_bias": map[string]float32{"0": 100}},
	} {
		code, body := post(t, url, "/v1/completions", req)
		if code != 200 {
			t.Fatalf("%v: %d %s", req, code, body)
		}
		if r := decode(t, body); req["logit_bias"] != nil &&
			(r.Usage.CompletionTokens != 0 || r.Usage.PromptTokensProcessed != 0 || *r.Choices[0].FinishReason != "stop") {
			t.Fatalf("%v: want end of text at once from a cached prompt; got %s", req, body)
		}
	}
	greedy := map[string]any{"prompt": prompt, "max_tokens": 6, "temperature": 0}
	_, body := post(t, url, "/v1/completions", greedy)
	cached := decode(t, body)
	if cached.Usage.PromptTokensDetails.CachedTokens != cached.Usage.PromptTokens {
		t.Fatalf("the prompt did not come from the cache: usage %+v", cached.Usage)
	}
	_, url2 := newServer(t, Options{Cache: 8})
	_, body = post(t, url2, "/v1/completions", greedy)
	fresh := decode(t, body)
	if cached.Choices[0].Text != fresh.Choices[0].Text {
		t.Errorf("greedy continuation from the cache %q, from a fresh server %q", cached.Choices[0].Text, fresh.Choices[0].Text)
	}
}

// With the model busy and the queue full, requests are answered 503 at
// once with a JSON message; the queued ones are served when the model is
// free. Nothing crashes.
func TestQueueFull(t *testing.T) {
	s, url := newServer(t, Options{Queue: 4, Cache: 2})
	release := make(chan struct{})
	var once sync.Once
	s.hold = func(context.Context) { once.Do(func() { <-release }) } // the first request holds the model
	type answer struct {
		code int
		body []byte
	}
	answers := make(chan answer, 20)
	var wg sync.WaitGroup
	send := func() {
		defer wg.Done()
		code, body := post(t, url, "/v1/completions", map[string]any{"prompt": "Hello", "max_tokens": 3})
		answers <- answer{code, body}
	}
	wg.Add(1)
	go send()
	waitFor(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.pending == 1 })
	for range 19 {
		wg.Add(1)
		go send()
	}
	// 4 wait in the queue, 15 are refused at once.
	waitFor(t, func() bool { return len(answers) == 15 })
	for range 15 {
		if a := <-answers; a.code != http.StatusServiceUnavailable || !strings.Contains(decode(t, a.body).Error.Message, "busy") {
			t.Errorf("refused request: %d %s", a.code, a.body)
		}
	}
	close(release)
	wg.Wait()
	for range 5 {
		if a := <-answers; a.code != 200 {
			t.Errorf("queued request: %d %s", a.code, a.body)
		}
	}
	if c := s.Counters(); c.Requests != 20 || c.Rejected != 15 || c.Completed != 5 {
		t.Errorf("counters %+v", c)
	}
}

// 20 concurrent requests against a queue of 4, with real generation
// times: every request is answered 200 or 503, at least one of each.
func TestConcurrentRequests(t *testing.T) {
	s, url := newServer(t, Options{Queue: 4, Cache: 4, MaxTokens: 100})
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, body := "/v1/completions", map[string]any{"prompt": fmt.Sprintf("Request %d", i), "max_tokens": 60}
			if i%2 == 1 {
				path, body = "/v1/chat/completions", map[string]any{"messages": []map[string]any{{"role": "user", "content": "Hi"}}, "max_tokens": 60, "stream": true}
			}
			codes[i], _ = post(t, url, path, body)
		}()
	}
	wg.Wait()
	n := map[int]int{}
	for _, c := range codes {
		n[c]++
	}
	t.Logf("status codes of 20 concurrent requests with a queue of 4: %v", n)
	if n[200]+n[503] != 20 || n[200] < 5 || n[503] == 0 {
		t.Errorf("status codes %v", n)
	}
	if c := s.Counters(); c.Completed != int64(n[200]) || c.Rejected != int64(n[503]) || c.Failed != 0 {
		t.Errorf("counters %+v", c)
	}
}

// A client that disconnects mid-stream stops its generation and frees the
// model for the next request.
func TestDisconnectFreesTheModel(t *testing.T) {
	s, url := newServer(t, Options{Queue: 0, MaxTokens: 0})
	ctx, cancel := context.WithCancel(context.Background())
	b, _ := json.Marshal(map[string]any{"messages": []map[string]any{{"role": "user", "content": "Talk forever."}},
		"stream": true, "max_tokens": 1000000, "temperature": 1, "top_p": 1, "logit_bias": map[string]float32{"261": -100, "11": -100}})
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/v1/chat/completions", bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	events := 0
	for events < 5 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			events++
		}
	}
	if events < 5 {
		t.Fatalf("only %d events before the stream ended", events)
	}
	// The model is busy: with no queue, another request is refused.
	if code, _ := post(t, url, "/v1/completions", map[string]any{"prompt": "x", "max_tokens": 1}); code != 503 {
		t.Errorf("while streaming: %d, want 503", code)
	}
	cancel()
	resp.Body.Close()
	waitFor(t, func() bool { return s.Counters().Cancelled == 1 })
	if code, body := post(t, url, "/v1/completions", map[string]any{"prompt": "x", "max_tokens": 1}); code != 200 {
		t.Errorf("after the disconnect: %d %s", code, body)
	}
	if c := s.Counters(); c.Completed != 1 || c.Cancelled != 1 {
		t.Errorf("counters %+v", c)
	}
}

func TestChatMessagesErrors(t *testing.T) {
	_, url := newServer(t, Options{})
	for _, msgs := range [][]map[string]any{
		nil,
		{{"role": "user", "content": "  \n "}},
		{{"role": "function", "content": "x"}},
		{{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}},
		{{"role": "user", "content": []map[string]any{{"type": "image_url", "image_url": "x"}}}},
	} {
		if code, body := post(t, url, "/v1/chat/completions", map[string]any{"messages": msgs}); code != 400 || decode(t, body).Error == nil {
			t.Errorf("%v: %d %s", msgs, code, body)
		}
	}
	// Content as an array of text parts is accepted.
	if code, body := post(t, url, "/v1/chat/completions", map[string]any{"max_tokens": 2,
		"messages": []map[string]any{{"role": "user", "content": []map[string]any{{"type": "text", "text": "Hi"}}}}}); code != 200 {
		t.Errorf("text parts: %d %s", code, body)
	}
	for _, bad := range []string{"{not json", `{"messages":[{"role":"user","content":"a"}]} {}`} {
		resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("body %q: %d", bad, resp.StatusCode)
		}
	}
}

func TestPromptCacheLRU(t *testing.T) {
	m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := newPromptCache(2)
	s := m.NewState()
	logits := make([]float32, m.Vocab)
	c.store([]int32{1, 2}, s, logits)
	c.store([]int32{1, 2, 3, 4}, s, logits)
	if e := c.lookup([]int32{1, 2, 3, 4, 5}); e == nil || len(e.tokens) != 4 {
		t.Fatalf("longest prefix: %v", e)
	}
	if e := c.lookup([]int32{1, 2, 3}); e == nil || len(e.tokens) != 2 {
		t.Fatalf("shorter prefix: %v", e)
	}
	if e := c.lookup([]int32{2}); e != nil {
		t.Fatal("no prefix matched, got one")
	}
	c.store([]int32{9}, s, logits) // evicts {1,2,3,4}, used least recently
	if e := c.lookup([]int32{1, 2, 3, 4}); e == nil || len(e.tokens) != 2 || len(c.entries) != 2 {
		t.Errorf("after eviction: %v, %d entries", e, len(c.entries))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
