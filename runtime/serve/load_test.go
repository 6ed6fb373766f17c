package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/runtime"
)

// loadRequests are greedy requests whose answers do not depend on what
// ran before them: under load each must answer as it does alone.
func loadRequests() []map[string]any {
	bias := map[string]float32{"0": -100}
	msgs := func(m ...string) []map[string]string {
		var out []map[string]string
		for i, c := range m {
			role := "user"
			if i%2 == 1 {
				role = "assistant"
			}
			out = append(out, map[string]string{"role": role, "content": c})
		}
		return out
	}
	return []map[string]any{
		{"prompt": "Once upon a time", "max_tokens": 12, "temperature": 0, "logit_bias": bias},
		{"prompt": "Once upon a time there was", "max_tokens": 10, "temperature": 0, "logit_bias": bias, "stream": true},
		{"prompt": "The capital of France", "max_tokens": 8, "temperature": 0, "logit_bias": bias},
		{"messages": msgs("Hi"), "max_tokens": 10, "temperature": 0},
		{"messages": msgs("Hi", "Hello", "How are you?"), "max_tokens": 10, "temperature": 0, "stream": true},
		{"messages": msgs("Tell me a story."), "max_tokens": 12, "temperature": 0, "stream": true},
	}
}

func requestPath(body map[string]any) string {
	if _, ok := body["messages"]; ok {
		return "/v1/chat/completions"
	}
	return "/v1/completions"
}

// ask sends a request and returns its text (the streamed pieces joined),
// or the status of a refusal.
func ask(ctx context.Context, client *http.Client, url string, body map[string]any) (string, int, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", url+requestPath(body), bytes.NewReader(b))
	if err != nil {
		return "", 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		io.Copy(io.Discard, resp.Body)
		return "", resp.StatusCode, nil
	}
	if stream, _ := body["stream"].(bool); !stream {
		var r testResponse
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return "", 200, err
		}
		return r.text(), 200, nil
	}
	var sb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	done := false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			break
		}
		var r testResponse
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return "", 200, fmt.Errorf("event %q: %v", data, err)
		}
		if r.Error != nil {
			return "", 200, fmt.Errorf("error event %q", data)
		}
		for _, c := range r.Choices {
			sb.WriteString(c.Text)
			if c.Delta != nil && c.Delta.Content != nil {
				sb.WriteString(*c.Delta.Content)
			}
		}
	}
	if !done {
		return "", 200, fmt.Errorf("stream ended without [DONE]: %v", sc.Err())
	}
	return sb.String(), 200, nil
}

// A load test on loopback: many concurrent clients, some leaving
// mid-stream, some sending garbage or half a request. Every request that
// runs to its end answers exactly as it does alone (no state leaks from
// one request into another, through the prompt cache or otherwise),
// every goroutine ends, and the heap stays bounded. It stops by itself:
// a bounded number of requests under a deadline.
func TestLoad(t *testing.T) {
	clients, rounds := 16, 3
	if testing.Short() {
		clients, rounds = 8, 2
	}
	m, err := runtime.Load(modelPath, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	reqs := loadRequests()

	// Each request alone, on a server of its own with no cache.
	alone := make([]string, len(reqs))
	{
		s := New(m, Options{Queue: 0, Cache: 0})
		hs := httptest.NewServer(s.Handler())
		for i, r := range reqs {
			text, code, err := ask(context.Background(), hs.Client(), hs.URL, r)
			if err != nil || code != 200 || text == "" {
				t.Fatalf("request %d alone: %d %q %v", i, code, text, err)
			}
			alone[i] = text
		}
		hs.Close()
	}

	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc
	goroutines0 := goruntime.NumGoroutine()

	s := New(m, Options{Queue: clients, Cache: 4, MaxPromptTokens: 512, MaxBodyBytes: 64 << 10, RequestTimeout: 30 * time.Second})
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Config.ReadHeaderTimeout = 2 * time.Second
	hs.Start()
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: transport}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Sample the heap while the load runs.
	var peak atomic.Uint64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-tick.C:
				var ms goruntime.MemStats
				goruntime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()

	var checked, left, garbage atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients*rounds)
	addr := strings.TrimPrefix(hs.URL, "http://")
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 1))
			for round := range rounds {
				if ctx.Err() != nil {
					return
				}
				switch kind := (c + round) % 4; kind {
				case 0, 1: // a request run to its end, compared with its answer alone
					i := rng.IntN(len(reqs))
					for {
						text, code, err := ask(ctx, client, hs.URL, reqs[i])
						if code == http.StatusServiceUnavailable {
							time.Sleep(time.Millisecond)
							continue
						}
						if err != nil || code != 200 {
							errs <- fmt.Errorf("client %d request %d: %d %v", c, i, code, err)
						} else if text != alone[i] {
							errs <- fmt.Errorf("client %d request %d under load: %q, alone: %q", c, i, text, alone[i])
						}
						checked.Add(1)
						break
					}
				case 2: // a stream left after its first events
					rctx, leave := context.WithCancel(ctx)
					b, _ := json.Marshal(map[string]any{"prompt": "Go on", "stream": true, "max_tokens": 100, "logit_bias": map[string]float32{"0": -100}})
					req, _ := http.NewRequestWithContext(rctx, "POST", hs.URL+"/v1/completions", bytes.NewReader(b))
					if resp, err := client.Do(req); err == nil {
						sc := bufio.NewScanner(resp.Body)
						for n := 0; n < 3 && sc.Scan(); n++ {
						}
						leave()
						resp.Body.Close()
					}
					leave()
					left.Add(1)
				case 3: // garbage: random bytes, a half request, a bad body, a huge one
					garbage.Add(1)
					switch rng.IntN(4) {
					case 0:
						if conn, err := net.Dial("tcp", addr); err == nil {
							junk := make([]byte, 1+rng.IntN(2000))
							for i := range junk {
								junk[i] = byte(rng.Uint32())
							}
							conn.Write(junk)
							conn.SetReadDeadline(time.Now().Add(time.Second))
							io.Copy(io.Discard, conn)
							conn.Close()
						}
					case 1:
						if conn, err := net.Dial("tcp", addr); err == nil {
							fmt.Fprintf(conn, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"prompt\":")
							conn.Close()
						}
					case 2:
						resp, err := client.Post(hs.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"messages":[{"role":`))
						if err == nil {
							if resp.StatusCode != 400 {
								errs <- fmt.Errorf("client %d: a cut JSON body got %d", c, resp.StatusCode)
							}
							resp.Body.Close()
						}
					case 3:
						resp, err := client.Post(hs.URL+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"`+strings.Repeat("y", 100<<10)+`"}`))
						if err == nil {
							if resp.StatusCode != 413 {
								errs <- fmt.Errorf("client %d: a 100 KB body over a 64 KB limit got %d", c, resp.StatusCode)
							}
							resp.Body.Close()
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(sampling)
	<-sampled
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the load did not finish within its deadline")
	}

	hs.Close()
	transport.CloseIdleConnections()
	s.Wait()
	// Goroutines end shortly after their connections close.
	deadline := time.Now().Add(5 * time.Second)
	for goruntime.NumGoroutine() > goroutines0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > goroutines0 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before the load, %d after:\n%s", goroutines0, n, buf[:goruntime.Stack(buf, true)])
	}
	growth := int64(peak.Load()) - int64(heap0)
	c := s.Counters()
	t.Logf("%d clients × %d rounds: %d requests checked against their answer alone, %d left mid-stream, %d garbage; heap peak +%.1f MiB; counters %+v",
		clients, rounds, checked.Load(), left.Load(), garbage.Load(), float64(growth)/(1<<20), c)
	if growth > 64<<20 {
		t.Errorf("the heap grew by %d MiB under load", growth>>20)
	}
	if c.Failed != 0 || c.Completed < checked.Load() {
		t.Errorf("counters %+v after %d checked requests", c, checked.Load())
	}
}
