// Command soak runs `gosling serve` under a bounded loop of requests on
// loopback and samples the server process's memory, to show that a
// server left running for months does not creep.
//
//	go build -o /tmp/gosling ./cmd/gosling
//	go run ./tools/soak -gosling /tmp/gosling -m cmd/gosling/demo.gguf -requests 1000 -every 50 -out serve.csv
//
// The requests cycle through what clients do: a new chat, the next turn of
// that chat (a prompt-cache hit), a completion, a stream the client drops
// after two events, a malformed body (400) and a /health probe. Memory is
// read from /proc/PID/status (VmRSS, RssAnon) every -every requests. The
// exit status is 1 if anonymous memory grew by more than -slack after the
// first -warm requests (the prompt cache fills during those).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type sample struct {
	requests                int
	vmRSS, rssAnon, rssFile uint64 // kB
	elapsed                 time.Duration
}

func run() error {
	bin := flag.String("gosling", "gosling", "the gosling binary")
	model := flag.String("m", "", "model file (GGUF)")
	requests := flag.Int("requests", 1000, "requests to send")
	every := flag.Int("every", 50, "sample memory every this many requests")
	warm := flag.Int("warm", 200, "requests before the flatness check starts")
	slack := flag.Uint64("slack", 8<<10, "allowed growth of RssAnon after the warm-up, kB")
	maxTokens := flag.Int("max-tokens", 32, "tokens per reply")
	threads := flag.Int("threads", 2, "server threads")
	cache := flag.Int("cache", 16, "server prompt-cache entries")
	out := flag.String("out", "", "write the series here (CSV)")
	flag.Parse()
	if *model == "" {
		return errors.New("-m MODEL is required")
	}

	cmd := exec.Command(*bin, "serve", "-m", *model, "--addr", "127.0.0.1:0", "-q",
		"--threads", strconv.Itoa(*threads), "--cache", strconv.Itoa(*cache), "--queue", "4")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	base, err := serverAddress(stderr)
	if err != nil {
		return err
	}
	go io.Copy(os.Stderr, stderr) // later lines (errors, the shutdown summary)
	fmt.Fprintf(os.Stderr, "soak: server pid %d at %s\n", cmd.Process.Pid, base)

	c := &client{base: base, http: &http.Client{Timeout: 5 * time.Minute}, maxTokens: *maxTokens}
	// The series goes to -out as it is taken, so that a run cut short
	// still leaves what it measured.
	var csv io.Writer = io.Discard
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		csv = f
	}
	fmt.Fprintln(csv, csvHeader)
	t0 := time.Now()
	var series []sample
	take := func(n int) error {
		s, err := readStatus(cmd.Process.Pid)
		if err != nil {
			return err
		}
		s.requests, s.elapsed = n, time.Since(t0)
		series = append(series, s)
		fmt.Fprintln(csv, s.csv())
		fmt.Fprintf(os.Stderr, "soak: %5d requests  VmRSS %7d kB  RssAnon %7d kB  (%s)\n", n, s.vmRSS, s.rssAnon, s.elapsed.Round(time.Second))
		return nil
	}
	if err := take(0); err != nil {
		return err
	}
	for i := 1; i <= *requests; i++ {
		if err := c.step(i); err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if i%*every == 0 || i == *requests {
			if err := take(i); err != nil {
				return err
			}
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("server exit: %w", err)
		}
	case <-time.After(10 * time.Second):
		return errors.New("server did not stop within 10 s of SIGINT")
	}
	return report(series, *warm, *slack)
}

const csvHeader = "requests,seconds,vmrss_kb,rssanon_kb,rssfile_kb"

func (s sample) csv() string {
	return fmt.Sprintf("%d,%.1f,%d,%d,%d", s.requests, s.elapsed.Seconds(), s.vmRSS, s.rssAnon, s.rssFile)
}

// serverAddress reads the server's banner for the address it listens on.
func serverAddress(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, " on http://"); ok {
			addr, _, _ := strings.Cut(rest, " ")
			return "http://" + addr, nil
		}
		fmt.Fprintln(os.Stderr, line)
	}
	return "", errors.New("server exited before listening")
}

func readStatus(pid int) (sample, error) {
	var s sample
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			s.vmRSS = n
		case "RssAnon":
			s.rssAnon = n
		case "RssFile":
			s.rssFile = n
		}
	}
	return s, nil
}

type client struct {
	base      string
	http      *http.Client
	maxTokens int
	// the conversation the next "turn" request continues
	history []map[string]string
}

var topics = []string{"the sea", "a small robot", "bread", "the moon", "trains", "a garden", "winter", "music"}

// step sends request i of the cycle.
func (c *client) step(i int) error {
	topic := topics[i%len(topics)]
	switch i % 6 {
	case 0: // a new chat
		c.history = []map[string]string{{"role": "user", "content": fmt.Sprintf("Tell me about %s. (%d)", topic, i)}}
		reply, err := c.chat(c.history, false)
		if err != nil {
			return err
		}
		c.history = append(c.history, map[string]string{"role": "assistant", "content": reply})
	case 1: // the next turn of that chat, streamed: the cache holds its prefix
		if c.history == nil {
			c.history = []map[string]string{{"role": "user", "content": "Hello."}}
		}
		turn := append(c.history, map[string]string{"role": "user", "content": "And then?"})
		if _, err := c.chat(turn, true); err != nil {
			return err
		}
	case 2:
		body := map[string]any{"prompt": fmt.Sprintf("The story of %s begins", topic), "max_tokens": c.maxTokens, "seed": i}
		if _, err := c.post("/v1/completions", body, http.StatusOK); err != nil {
			return err
		}
	case 3: // a stream the client drops after two events
		return c.dropStream(topic)
	case 4:
		if _, err := c.postRaw("/v1/chat/completions", []byte(`{"messages": [`), http.StatusBadRequest); err != nil {
			return err
		}
	case 5:
		resp, err := c.http.Get(c.base + "/health")
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/health: %s", resp.Status)
		}
	}
	return nil
}

func (c *client) chat(msgs []map[string]string, stream bool) (string, error) {
	body := map[string]any{"messages": msgs, "max_tokens": c.maxTokens, "stream": stream}
	b, err := c.post("/v1/chat/completions", body, http.StatusOK)
	if err != nil || stream {
		return "", err
	}
	var r struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.Choices) != 1 {
		return "", fmt.Errorf("chat reply %q: %v", b, err)
	}
	return r.Choices[0].Message.Content, nil
}

func (c *client) post(path string, body any, want int) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return c.postRaw(path, b, want)
}

func (c *client) postRaw(path string, body []byte, want int) ([]byte, error) {
	resp, err := c.http.Post(c.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s: %s, want %d: %s", path, resp.Status, want, b)
	}
	return b, nil
}

func (c *client) dropStream(topic string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": "Write a long poem about " + topic}},
		"max_tokens": 10 * c.maxTokens, "stream": true})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/chat/completions", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stream: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	events := 0
	for events < 2 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			events++
		}
	}
	cancel() // the server must stop generating and give the model back
	return nil
}

func report(series []sample, warm int, slack uint64) error {
	fmt.Println(csvHeader)
	for _, s := range series {
		fmt.Println(s.csv())
	}
	var base *sample
	maxRSS, maxAnon := series[0], series[0]
	for i := range series {
		s := series[i]
		if base == nil && s.requests >= warm {
			base = &series[i]
		}
		if s.vmRSS > maxRSS.vmRSS {
			maxRSS = s
		}
		if base != nil && s.rssAnon > maxAnon.rssAnon {
			maxAnon = s
		}
	}
	first, last := series[0], series[len(series)-1]
	fmt.Printf("VmRSS start %d kB, end %d kB, max %d kB (after %d requests)\n", first.vmRSS, last.vmRSS, maxRSS.vmRSS, maxRSS.requests)
	if base == nil {
		return nil
	}
	fmt.Printf("RssAnon after %d requests %d kB, end %d kB, max after the warm-up %d kB (after %d requests)\n",
		base.requests, base.rssAnon, last.rssAnon, maxAnon.rssAnon, maxAnon.requests)
	if maxAnon.rssAnon > base.rssAnon+slack {
		return fmt.Errorf("anonymous memory grew from %d kB to %d kB after the warm-up", base.rssAnon, maxAnon.rssAnon)
	}
	return nil
}
