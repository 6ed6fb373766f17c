package main

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// gosling serve listens, answers, and stops cleanly on Ctrl-C with a
// summary of what it served.
func TestServeCommand(t *testing.T) {
	model := smallModel(t, "11")
	sigs := make(chan os.Signal, 1)
	old := interruptSignals
	interruptSignals = func() (<-chan os.Signal, func()) { return sigs, func() {} }
	defer func() { interruptSignals = old }()

	var out, errs lockedBuffer
	code := make(chan int)
	go func() {
		code <- mainExit([]string{"serve", "-m", model, "--addr", "127.0.0.1:0", "--queue", "2"}, &out, &errs)
	}()
	addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
	waitFor(t, func() bool { return addr.MatchString(errs.String()) }, "the listening address")
	url := "http://" + addr.FindStringSubmatch(errs.String())[1]

	resp, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi"}],"max_tokens":3}`))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Choices []struct{ Message struct{ Role string } }
	}
	json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(r.Choices) != 1 || r.Choices[0].Message.Role != "assistant" {
		t.Errorf("chat completion: %d %+v", resp.StatusCode, r)
	}
	sigs <- os.Interrupt
	select {
	case c := <-code:
		if c != 0 || !strings.Contains(errs.String(), "1 requests (1 completed") {
			t.Errorf("exit %d\n%s", c, errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Ctrl-C did not stop the server")
	}
	wantFailure(t, []string{"serve", "-m", model, "--addr", "not an address"}, "not an address")
}
