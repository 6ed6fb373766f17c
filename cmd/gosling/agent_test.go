package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/board"
	"github.com/gosling-edge/gosling/firmware/config"
	"github.com/gosling-edge/gosling/firmware/serial/serialtest"
	"github.com/gosling-edge/gosling/runtime"
	"github.com/gosling-edge/gosling/tools/testenv"
)

func TestAgentPrintService(t *testing.T) {
	out := mustRun(t, "agent", "--print-service", "--user", "bot")
	for _, want := range []string{"ExecStart=/usr/local/bin/gosling agent --config /etc/gosling/agent.toml\n",
		"Restart=on-failure\n", "User=bot\n", "SupplementaryGroups=gpio dialout\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("unit lacks %q:\n%s", want, out)
		}
	}
}

func TestAgentPrintConfig(t *testing.T) {
	out := mustRun(t, "agent", "--print-config", "--board", "jetson-orin")
	c, err := config.Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := board.ByID("jetson-orin")
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	if c.Serial.Device != "/dev/ttyTHS0" || len(c.GPIO.Buttons) != 2 {
		t.Errorf("example for the Jetson: %+v", c)
	}
	// The board asked for is the board written; without --board, "auto".
	if c.Board != "jetson-orin" {
		t.Errorf("board = %q, want jetson-orin", c.Board)
	}
	c, err = config.Parse([]byte(mustRun(t, "agent", "--print-config")))
	if err != nil || c.Board != "auto" {
		t.Errorf("without --board: board = %q (%v)", c.Board, err)
	}
}

func TestAgentDetectsBoard(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model")
	os.WriteFile(model, []byte("Raspberry Pi 5 Model B Rev 1.0\x00"), 0o644)
	out := mustRun(t, "agent", "--check", "--device-tree-model", model)
	if !strings.Contains(out, "Raspberry Pi 5") || !strings.Contains(out, "/dev/serial0 at 115200 baud") {
		t.Errorf("check: %q", out)
	}
	// Elsewhere: the generic profile, a USB adapter.
	out = mustRun(t, "agent", "--check", "--device-tree-model", model+".absent", "--baud", "9600")
	if !strings.Contains(out, "unknown board") || !strings.Contains(out, "/dev/ttyUSB0 at 9600 baud") {
		t.Errorf("check: %q", out)
	}
}

func TestAgentConfigErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.toml")
	os.WriteFile(path, []byte(`
[serial]
baud = 1234
[queue]
busy = "sometimes"
[[gpio.button]]
pin = "GPIO5"
colour = "red"
`), 0o644)
	wantFailure(t, []string{"agent", "--check", "--config", path},
		path, "gpio.button.colour: unknown key")
	os.WriteFile(path, []byte("[serial]\nbaud = 1234\n[queue]\nbusy = \"sometimes\"\n[[gpio.button]]\npin = \"GPIO5\"\n"), 0o644)
	wantFailure(t, []string{"agent", "--check", "--config", path},
		"serial.baud: 1234", "queue.busy", "gpio.button[0].prompt: missing")
	// Flags are checked the same way, and override the file.
	wantFailure(t, []string{"agent", "--check", "--config", path, "--baud", "9600", "--top-p", "3"}, "sampling.top_p")
}

func tinyAgentModel(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	mustRun(t, "synth", "-o", path, "-q", "--layers", "1", "--embd", "64", "--vocab-size", "300", "--ffn", "128",
		"--rank-w", "32", "--rank-a", "32", "--rank-v", "32", "--rank-g", "32", "--type", "f32")
	return path
}

func TestAgentMissingPin(t *testing.T) {
	model := tinyAgentModel(t)
	path := filepath.Join(t.TempDir(), "agent.toml")
	os.WriteFile(path, []byte("board = \"generic\"\n[serial]\nenabled = false\n[output]\nstdout = true\n"+
		"[[gpio.button]]\npin = \"NO-SUCH-PIN\"\nprompt = \"hi\"\n"), 0o644)
	code, _, errs := gosling(t, "agent", "--config", path, "-m", model)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if last := lines[len(lines)-1]; code != 1 || !strings.Contains(last, "gpio.button[0].pin NO-SUCH-PIN: no GPIO pin named") {
		t.Errorf("exit %d, last line %q", code, last)
	}
}

// farEnd collects what the agent writes to the pseudo-terminal.
type farEnd struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// collect appends what r gives to f until a read fails (the pseudo-
// terminal is closed).
func (f *farEnd) collect(r io.Reader) {
	b := make([]byte, 4096)
	for {
		n, err := r.Read(b)
		f.mu.Lock()
		f.buf.Write(b[:n])
		f.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (f *farEnd) has(s string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Contains(f.buf.String(), s)
}

func (f *farEnd) waitFor(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		f.mu.Lock()
		ok := strings.Contains(f.buf.String(), s)
		tail := f.buf.String()[max(0, f.buf.Len()-200):]
		f.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q from the agent within a minute; last output %q", s, tail)
		}
	}
}

// TestAgentSerialAndSIGTERM runs `gosling agent` with flags only on a
// pseudo-terminal, asks it a question, and stops it with a real SIGTERM:
// it exits 0 and leaves a state file the model loads.
func TestAgentSerialAndSIGTERM(t *testing.T) {
	model := tinyAgentModel(t)
	pty := serialtest.New(t)
	state := filepath.Join(t.TempDir(), "agent.state")
	var far farEnd
	go far.collect(pty.Master)
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result)
	go func() {
		var out, errb bytes.Buffer
		code := mainExit([]string{"agent", "--serial", pty.SlavePath, "--baud", "115200", "-m", model,
			"--max-tokens", "8", "--temp", "0", "--state-out", state, "--board", "generic", "--stdout"}, &out, &errb)
		done <- result{code, out.String(), errb.String()}
	}()
	far.waitFor(t, "type a prompt, or /help\r\n> ")
	pty.Master.Write([]byte("hello\r\n"))
	for i := 0; !far.has("answered: 1"); i++ {
		if i == 3000 {
			t.Fatal("the prompt was not answered within a minute")
		}
		pty.Master.Write([]byte("/status\r\n"))
		time.Sleep(20 * time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the agent did not stop within a minute of SIGTERM")
	}
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "[serial] hello\n") || !strings.Contains(r.stderr, "state saved to "+state) ||
		!strings.Contains(r.stderr, "stopped: idle; queued: 0; answered: 1, cut by shutdown: 0,") {
		t.Errorf("stdout %q\nstderr %q", r.stdout, r.stderr)
	}
	m, err := runtime.Load(model, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, _, err := runtime.LoadState(state, m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Tokens == 0 {
		t.Error("the saved state is empty")
	}
}

// TestAgentCheckOpens: --check opens the model and looks at the serial
// device (without taking it) instead of trusting the names; a bad --baud is
// a usage error (exit 2); a serial path that is no tty fails before the
// agent logs that it is ready.
func TestAgentCheckOpens(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.gguf")
	wantFailure(t, []string{"agent", "--check", "-m", missing}, "model.path", "absent.gguf")
	wantFailure(t, []string{"agent", "--check", "--serial", "/etc/hostname"}, "serial.device", "not a serial port")
	wantFailure(t, []string{"agent", "--check", "--serial", filepath.Join(t.TempDir(), "nodir", "ttyUSB0")},
		"directory", "does not exist")
	pty := serialtest.New(t)
	out := mustRun(t, "agent", "--check", "--serial", pty.SlavePath, "-m", tinyAgentModel(t))
	if !strings.Contains(out, "model tiny.gguf") || !strings.Contains(out, pty.SlavePath+" at 115200 baud (present)") {
		t.Errorf("check: %q", out)
	}
	if code, _, errs := gosling(t, "agent", "--check", "--baud", "7"); code != 2 || !strings.Contains(errs, "--baud 7") {
		t.Errorf("--baud 7: exit %d, %q", code, errs)
	}
	code, _, errs := gosling(t, "agent", "--serial", "/etc/hostname", "--board", "generic")
	if code != 1 || strings.Contains(errs, "ready") || !strings.Contains(errs, "not a serial port") {
		t.Errorf("--serial /etc/hostname: exit %d, %q", code, errs)
	}
}

// TestAgentToolsDryRun runs `gosling agent` with a config that gives the
// model a command tool (touch one of two files) and forces the first reply
// to call it. With --dry-run the call is logged and answered, and no file
// appears; without it, the same prompt creates the file the call names.
// The serial port shows the call either way.
func TestAgentToolsDryRun(t *testing.T) {
	model := tinyAgentModel(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "agent.toml")
	os.WriteFile(cfgPath, []byte(`board = "generic"
[chat]
max_tokens = 96
max_tool_calls = 1
tool_choice = "touch"
[sampling]
temperature = 0
[[tool]]
name = "touch"
kind = "command"
description = "Create a marker file."
argv = ["/usr/bin/touch", "`+dir+`/{which}"]
[[tool.param]]
name = "which"
enum = ["first", "second"]
`), 0o644)
	if out := mustRun(t, "agent", "--check", "--config", cfgPath, "-m", model); !strings.Contains(out, "; 1 tools") {
		t.Errorf("check: %q", out)
	}
	for _, dry := range []bool{true, false} {
		if !dry && testenv.Emulated() {
			t.Log("the acting run starts touch, a process: skipped under qemu-user (see tools/testenv)")
			continue
		}
		pty := serialtest.New(t)
		var far farEnd
		go far.collect(pty.Master)
		args := []string{"agent", "--config", cfgPath, "-m", model, "--serial", pty.SlavePath}
		if dry {
			args = append(args, "--dry-run")
		}
		done := make(chan string)
		go func() {
			var out, errb bytes.Buffer
			code := mainExit(args, &out, &errb)
			done <- fmt.Sprintf("exit %d\n%s", code, errb.String())
		}()
		far.waitFor(t, "type a prompt, or /help\r\n> ")
		pty.Master.Write([]byte("make a marker\r\n"))
		far.waitFor(t, "[touch {\"which\":")
		far.waitFor(t, "\r\n> ")
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		var log string
		select {
		case log = <-done:
		case <-time.After(time.Minute):
			t.Fatal("the agent did not stop within a minute of SIGTERM")
		}
		far.mu.Lock()
		console := far.buf.String()
		far.mu.Unlock()
		which := "first"
		if strings.Contains(console, `[touch {"which":"second"}`) {
			which = "second"
		}
		_, err := os.Stat(filepath.Join(dir, which))
		switch {
		case !strings.HasPrefix(log, "exit 0\n"):
			t.Errorf("dry run %v: %s", dry, log)
		case dry && (err == nil || !strings.Contains(log, "dry run: calls are logged, nothing acts") ||
			!strings.Contains(log, `msg="tool call" tool=touch`) || !strings.Contains(log, "dry_run=true") ||
			!strings.Contains(console, `"dry_run":true`)):
			t.Errorf("dry run: file %s: %v\nconsole %q\nlog %s", which, err, console, log)
		case !dry && (err != nil || !strings.Contains(log, "dry_run=false")):
			t.Errorf("acting: file %s: %v\nconsole %q\nlog %s", which, err, console, log)
		}
		if t.Failed() {
			return
		}
		t.Logf("dry run %v: %s", dry, console[strings.Index(console, "[touch"):])
	}
}
