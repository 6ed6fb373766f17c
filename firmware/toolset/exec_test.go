package toolset_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosling-edge/gosling/firmware/toolset"
	"github.com/gosling-edge/gosling/tools/testenv"
)

// program is the absolute path of a system program the test runs, or a skip.
// Every test here starts processes, so it skips under qemu-user (see
// tools/testenv).
func program(t *testing.T, name string) string {
	t.Helper()
	testenv.SkipProcessesUnderEmulation(t)
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("no %s here: %v", name, err)
	}
	return p
}

func TestExecRunner(t *testing.T) {
	run := toolset.ExecRunner{}
	ctx := context.Background()
	echo := program(t, "echo")

	r, err := run.Run(ctx, toolset.Command{Argv: []string{echo, "a;b", "$HOME", "*"}, Timeout: 10 * time.Second, MaxOutput: 100})
	// No shell: the arguments arrive as they are.
	if err != nil || r.ExitCode != 0 || string(r.Output) != "a;b $HOME *\n" || r.Truncated {
		t.Errorf("echo: %+v, %v", r, err)
	}
	r, err = run.Run(ctx, toolset.Command{Argv: []string{echo, "0123456789"}, Timeout: 10 * time.Second, MaxOutput: 4})
	if err != nil || string(r.Output) != "0123" || !r.Truncated {
		t.Errorf("output cut at 4: %+v, %v", r, err)
	}
	r, err = run.Run(ctx, toolset.Command{Argv: []string{program(t, "false")}, Timeout: 10 * time.Second, MaxOutput: 100})
	if err != nil || r.ExitCode != 1 {
		t.Errorf("false: %+v, %v (a non-zero exit is a result)", r, err)
	}
	if _, err = run.Run(ctx, toolset.Command{Argv: []string{"/nonexistent/program"}, Timeout: time.Second, MaxOutput: 100}); err == nil {
		t.Error("a missing program ran")
	}
}

// The timeout kills the process: sleep 30 comes back at once, killed
// (without the kill, Run would wait the 30 s and return exit status 0).
func TestExecRunnerTimeout(t *testing.T) {
	r, err := toolset.ExecRunner{}.Run(context.Background(),
		toolset.Command{Argv: []string{program(t, "sleep"), "30"}, Timeout: 50 * time.Millisecond, MaxOutput: 100})
	if !errors.Is(err, toolset.ErrTimeout) || r.ExitCode != -1 {
		t.Errorf("sleep 30 with a 50ms timeout: %+v, %v", r, err)
	}
}

// The timeout kills the children a program started too: a shell that
// starts sleep and waits is killed with its sleep, which would otherwise
// run on (and hold the output pipe).
func TestExecRunnerKillsGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the child's state from /proc")
	}
	sh := program(t, "sh")
	sleep := program(t, "sleep")
	r, err := toolset.ExecRunner{}.Run(context.Background(), toolset.Command{
		Argv: []string{sh, "-c", sleep + " 30 & echo $!; wait"}, Timeout: 200 * time.Millisecond, MaxOutput: 100})
	if !errors.Is(err, toolset.ErrTimeout) {
		t.Fatalf("%+v, %v", r, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(r.Output)))
	if err != nil {
		t.Fatalf("the shell printed %q, not its child's pid", r.Output)
	}
	// Gone, or a zombie (killed, not yet reaped by whoever inherited it);
	// a sleep still running is S.
	for range 100 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
	t.Errorf("the shell's child %d still runs after the timeout", pid)
}
