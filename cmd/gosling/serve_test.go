package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/tools/testenv"
)

// startServe runs serve in this process with a fake signal channel and
// returns its URL, the channel, its stderr and its exit code's channel.
func startServe(t *testing.T, args ...string) (url string, sigs chan os.Signal, errs *lockedBuffer, code chan int) {
	t.Helper()
	sigs = make(chan os.Signal, 2)
	old := stopSignals
	stopSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	t.Cleanup(func() { stopSignals = old })
	var out lockedBuffer
	errs = &lockedBuffer{}
	code = make(chan int, 1)
	go func() { code <- mainExit(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), &out, errs) }()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
	waitFor(t, func() bool { return addr.MatchString(errs.String()) }, "the listening address")
	return "http://" + addr.FindStringSubmatch(errs.String())[1], sigs, errs, code
}

func waitExit(t *testing.T, code chan int, errs *lockedBuffer) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not stop\n%s", errs.String())
		return -1
	}
}

// gosling serve listens, answers, and stops cleanly on Ctrl-C with a
// summary of what it served.
func TestServeCommand(t *testing.T) {
	model := smallModel(t, "11")
	url, sigs, errs, code := startServe(t, "-m", model, "--queue", "2")
	resp, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"max_tokens":3}`))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Model   string
		Choices []struct{ Message struct{ Role string } }
	}
	json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(r.Choices) != 1 || r.Choices[0].Message.Role != "assistant" || r.Model != "small-11" {
		t.Errorf("chat completion: %d %+v", resp.StatusCode, r)
	}
	sigs <- os.Interrupt
	if c := waitExit(t, code, errs); c != 0 || !strings.Contains(errs.String(), "1 requests (1 completed") {
		t.Errorf("exit %d\n%s", c, errs.String())
	}
	wantFailure(t, []string{"serve", "-m", model, "--addr", "not an address"}, "not an address")
	wantFailure(t, []string{"serve", "-m", model, "--max-prompt-tokens", "-1"}, "--max-prompt-tokens -1: want ≥ 0")
	if _, ok := devices["cuda"]; !ok {
		// serve takes --device as the other commands do.
		wantFailure(t, []string{"serve", "-m", model, "--device", "cuda"}, "built without CUDA")
	}
}

// The built-in demo model has a real id, in the banner and the API.
func TestServeDemoModelID(t *testing.T) {
	if ModelID("") != "gosling-demo" || ModelID("/models/g1-0.1b.q8.gguf") != "g1-0.1b.q8" || ModelID("dir/.gguf") != ".gguf" {
		t.Errorf("ModelID: %q %q %q", ModelID(""), ModelID("/models/g1-0.1b.q8.gguf"), ModelID("dir/.gguf"))
	}
	if demoModel == nil {
		t.Skip("built without the demo model")
	}
	url, sigs, errs, code := startServe(t)
	if !strings.Contains(errs.String(), "gosling serve: gosling-demo (") {
		t.Errorf("banner: %s", errs.String())
	}
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var models struct{ Data []struct{ ID string } }
	json.NewDecoder(resp.Body).Decode(&models)
	resp.Body.Close()
	if len(models.Data) != 1 || models.Data[0].ID != "gosling-demo" {
		t.Errorf("/v1/models: %+v", models)
	}
	sigs <- os.Interrupt
	waitExit(t, code, errs)
}

// On SIGTERM a stream already running finishes (within --shutdown-timeout),
// no new connection is accepted, and serve exits 0 with the counters.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	model := smallModel(t, "11")
	// The timeout is only an upper bound (the test ends when the stream
	// does): generous, because under qemu on a loaded machine 400 tokens
	// of the small model took over 20 s and the drain was cut.
	url, sigs, errs, code := startServe(t, "-m", model, "--shutdown-timeout", "10m")
	resp, err := http.Post(url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"Once","max_tokens":150,"stream":true,"logit_bias":{"0":-100}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		t.Fatal("no first event")
	}
	sigs <- syscall.SIGTERM
	waitFor(t, func() bool { return strings.Contains(errs.String(), "not accepting") }, "the shutdown message")
	last := ""
	for sc.Scan() {
		if sc.Text() != "" {
			last = sc.Text()
		}
	}
	if last != "data: [DONE]" {
		t.Errorf("the running stream was cut: last line %q", last)
	}
	if c := waitExit(t, code, errs); c != 0 || !strings.Contains(errs.String(), "1 requests (1 completed") {
		t.Errorf("exit %d\n%s", c, errs.String())
	}
	if _, err := http.Get(url + "/health"); err == nil {
		t.Error("still accepting after the shutdown")
	}
}

// A stream that outlasts --shutdown-timeout is cut, and serve still exits 0.
func TestServeShutdownTimeout(t *testing.T) {
	model := smallModel(t, "11")
	url, sigs, errs, code := startServe(t, "-m", model, "--shutdown-timeout", "300ms", "--max-tokens", "0")
	resp, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages":[{"role":"user","content":"Talk forever."}],"stream":true,"temperature":1,"top_p":1,"logit_bias":{"261":-100,"11":-100}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		t.Fatal("no first event")
	}
	t0 := time.Now()
	sigs <- syscall.SIGTERM
	if c := waitExit(t, code, errs); c != 0 || !strings.Contains(errs.String(), "cut off") || !strings.Contains(errs.String(), "1 cancelled") {
		t.Errorf("exit %d\n%s", c, errs.String())
	}
	t.Logf("stopped %v after SIGTERM with --shutdown-timeout 300ms", time.Since(t0).Round(time.Millisecond))
}

// The real signal, in a child process: SIGTERM makes serve exit 0 (not 143).
func TestServeSIGTERMChild(t *testing.T) {
	if args := os.Getenv("GOSLING_SERVE_CHILD"); args != "" {
		os.Exit(mainExit(strings.Fields(args), os.Stdout, os.Stderr))
	}
	if goruntime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	testenv.SkipProcessesUnderEmulation(t)
	model := smallModel(t, "11")
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeSIGTERMChild$")
	cmd.Env = append(os.Environ(), "GOSLING_SERVE_CHILD=serve -m "+model+" --addr 127.0.0.1:0")
	var errs lockedBuffer
	cmd.Stderr = &errs
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("cannot start the test binary again (cross-built, run under qemu-user): %v", err)
		}
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(errs.String(), "http://127.0.0.1:") }, "the banner")
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(errs.String(), "0 requests") {
			t.Errorf("after SIGTERM: %v\n%s", err, errs.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("SIGTERM did not stop serve\n%s", errs.String())
	}
}
