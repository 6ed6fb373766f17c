package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/runtime"
)

// Run with: go test ./runtime/serve/ -run '^$' -fuzz '^FuzzRequest$'.
//
// Request bodies come from the network. Whatever the bytes, a request gets
// a 200 with a well-formed reply (JSON, or server-sent events ending in
// [DONE]) or a 400 with a JSON error that says what is wrong; never a panic,
// a 500, or a model left held (requests here run one after another, so a
// 503 means an earlier one did not give the model back).

var (
	fuzzOnce   sync.Once
	fuzzServer *Server
	fuzzErr    error
)

// fuzzMaxTokens bounds what one fuzzed request may generate, so that the
// fuzzer spends its time on parsing rather than on the model.
const fuzzMaxTokens = 4

func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"prompt":"Hello","max_tokens":3}`,
		`{"prompt":["a","b"],"max_tokens":2,"stream":true,"stream_options":{"include_usage":true},"stop":"\n"}`,
		`{"prompt":"x","temperature":0,"top_p":0.5,"top_k":3,"seed":1,"logit_bias":{"5":-100},"stop":["a","b"]}`,
		`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"max_tokens":2}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]},{"role":"assistant","content":"Hello"},{"role":"user","content":"More"}],"stream":true,"max_completion_tokens":2}`,
		`{"messages":[],"n":2}`, `{"prompt":""}`, `[1,2]`, `{"prompt":"a","max_tokens":0}`, `{"prompt":"a","temperature":"hot"}`,
	} {
		f.Add(strings.HasPrefix(s, `{"messages"`), []byte(s))
	}
	f.Fuzz(func(t *testing.T, chat bool, body []byte) {
		if len(body) > 4096 {
			return // long prompts only cost model time
		}
		fuzzOnce.Do(func() {
			m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
			if err != nil {
				fuzzErr = err
				return
			}
			fuzzServer = New(m, Options{Queue: 0, Cache: 4, MaxTokens: fuzzMaxTokens})
		})
		if fuzzErr != nil {
			t.Fatal(fuzzErr)
		}
		body = capMaxTokens(body)
		route := "/v1/completions"
		if chat {
			route = "/v1/chat/completions"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, route, bytes.NewReader(body))
		rec := httptest.NewRecorder()
		fuzzServer.Handler().ServeHTTP(rec, req)
		if ctx.Err() != nil {
			t.Fatalf("request did not finish in 10 s: %q", body)
		}
		checkResponse(t, rec, body)
	})
}

// capMaxTokens lowers max_tokens and max_completion_tokens of a JSON object
// to fuzzMaxTokens (and sets it when absent on a completion, whose default
// is 16); other bodies pass unchanged.
func capMaxTokens(body []byte) []byte {
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return body
	}
	changed := false
	for _, k := range []string{"max_tokens", "max_completion_tokens"} {
		if v, ok := obj[k].(float64); ok && v > fuzzMaxTokens {
			obj[k] = fuzzMaxTokens
			changed = true
		}
	}
	if _, ok := obj["max_tokens"]; !ok {
		obj["max_tokens"] = fuzzMaxTokens
		changed = true
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

func checkResponse(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	out := rec.Body.Bytes()
	switch rec.Code {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusNotFound:
		var e apiError
		if err := json.Unmarshal(out, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" {
			t.Fatalf("%d without a JSON error (%v): %q\nrequest %q", rec.Code, err, out, body)
		}
		for _, leak := range []string{"Go struct", "json:", "unmarshal"} {
			if strings.Contains(e.Error.Message, leak) {
				t.Fatalf("error shows Go internals: %q\nrequest %q", e.Error.Message, body)
			}
		}
		if rec.Code == http.StatusNotFound && (e.Error.Code == nil || *e.Error.Code != "model_not_found") {
			t.Fatalf("404 other than model_not_found: %q\nrequest %q", out, body)
		}
		return
	default:
		t.Fatalf("status %d for %q: %s", rec.Code, body, out)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		var reply struct {
			Choices []json.RawMessage `json:"choices"`
			Usage   *usage            `json:"usage"`
		}
		if err := json.Unmarshal(out, &reply); err != nil || len(reply.Choices) != 1 || reply.Usage == nil {
			t.Fatalf("200 reply is not one choice with usage (%v): %q\nrequest %q", err, out, body)
		}
		if reply.Usage.CompletionTokens > fuzzMaxTokens {
			t.Fatalf("%d tokens generated, the request allowed %d", reply.Usage.CompletionTokens, fuzzMaxTokens)
		}
		return
	}
	events := strings.Split(string(out), "\n\n")
	if len(events) < 2 || events[len(events)-1] != "" || events[len(events)-2] != "data: [DONE]" {
		t.Fatalf("event stream does not end with [DONE]: %q\nrequest %q", out, body)
	}
	for _, ev := range events[:len(events)-2] {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || !json.Valid([]byte(data)) {
			t.Fatalf("malformed event %q\nrequest %q", ev, body)
		}
		if strings.Contains(data, `"server_error"`) {
			t.Fatalf("server error in the stream: %s\nrequest %q", data, body)
		}
	}
}
