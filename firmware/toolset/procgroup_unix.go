//go:build unix

package toolset

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the command in a process group of its own and makes the
// cancellation kill the whole group: a script killed alone would leave its
// children running past the timeout (and holding the output pipe).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
