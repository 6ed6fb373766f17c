package serve

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/runtime/internal/shadow"
)

// A server on a Backend that keeps the state off the host answers as one
// on the CPU, prompt cache included: the cache stores the device's state
// (synced), and a cached state restored with the same token count as the
// device's copy replaces that copy (forgotten).
func TestCacheOnBackendMatchesCPU(t *testing.T) {
	m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dev := shadow.New(m)
	cpu, gpu := New(m, Options{Cache: 8}), New(m, Options{Cache: 8, Backend: dev})
	c := "The quick brown fox jumps over the lazy dog and runs away"
	a := "Hello"
	nc, na := len(m.Tokenizer.Encode([]byte(c))), len(m.Tokenizer.Encode([]byte(a)))
	if nc <= na {
		t.Fatalf("prompt lengths %d, %d", nc, na)
	}
	greedy := map[string]any{"temperature": 0, "logit_bias": map[string]float32{"0": -100}}
	with := func(kv ...any) map[string]any {
		r := map[string]any{}
		for k, v := range greedy {
			r[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			r[kv[i].(string)] = kv[i+1]
		}
		return r
	}
	steps := []map[string]any{
		with("prompt", c, "max_tokens", 1), // cached after C, and after C + 1 token
		// A then generates until the state has as many tokens as C's entry.
		with("prompt", a, "max_tokens", nc-na),
		with("prompt", c, "max_tokens", 5), // from the cache, same count as the device's copy
		with("prompt", c+" and", "max_tokens", 5),
		with("messages", []map[string]string{{"role": "user", "content": "Hi"}}, "max_tokens", 4),
		with("messages", []map[string]string{{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "More"}}, "max_tokens", 4),
	}
	for i, body := range steps {
		path := "/v1/completions"
		if _, ok := body["messages"]; ok {
			path = "/v1/chat/completions"
		}
		var out [2]testResponse
		for k, s := range []*Server{cpu, gpu} {
			b, _ := json.Marshal(body)
			rec := serveOnce(s, path, b)
			if rec.Code != 200 {
				t.Fatalf("step %d: %d %s", i, rec.Code, rec.Body.Bytes())
			}
			out[k] = decode(t, rec.Body.Bytes())
		}
		if got, want := out[1].text(), out[0].text(); got != want || *out[1].Usage != *out[0].Usage {
			t.Errorf("step %d: device %q %+v, cpu %q %+v", i, got, *out[1].Usage, want, *out[0].Usage)
		}
		if i == 2 && out[0].Usage.PromptTokensDetails.CachedTokens != nc {
			t.Errorf("step 2 did not come from the cache: %+v", *out[0].Usage)
		}
	}
	if dev.Syncs == 0 {
		t.Error("the cache never synced the device's state")
	}
}

// serveOnce runs one POST through s's handler.
func serveOnce(s *Server, path string, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", path, bytes.NewReader(body)))
	return rec
}

// text is a non-streamed response's text or message content.
func (r testResponse) text() string {
	if len(r.Choices) != 1 {
		return ""
	}
	if r.Choices[0].Message != nil {
		return r.Choices[0].Message.Content
	}
	return r.Choices[0].Text
}
