//go:build !unix

package toolset

import "os/exec"

// ownGroup does nothing where there are no process groups: the
// cancellation kills the process alone.
func ownGroup(cmd *exec.Cmd) {}
