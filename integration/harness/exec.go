package harness

import (
	"fmt"
	"os/exec"
	"sync/atomic"
	"testing"
)

var probeProgram = TestdataProgram("probe")

// ProbeBinary builds testdata/probe once per test binary, statically: it
// prints what a process inherits, for the differential test of nsj
// against runc exec.
func ProbeBinary(t testing.TB) string { return probeProgram.Path(t) }

var execSeq atomic.Int64

// TaskExec is `ctr task exec` of args in task ns/id of c, with a new exec
// ID, on a terminal of its own (ctr -t; ctr must then run on one) if tty:
// runc exec, with the container's process spec (user, capabilities,
// environment, seccomp profile...) as containerd gives it.
func (c *Containerd) TaskExec(ns, id string, tty bool, args ...string) *exec.Cmd {
	ctr := []string{"-a", c.Address, "-n", ns, "task", "exec", "--exec-id", fmt.Sprint("exec-", execSeq.Add(1))}
	if tty {
		ctr = append(ctr, "-t")
	}
	return exec.Command("ctr", append(append(ctr, id), args...)...)
}
