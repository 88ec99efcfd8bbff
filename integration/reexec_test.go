package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
)

// What the container may learn of nsj's re-executed copy, whose child lives
// in its pid namespace from the fork to the command's exec.

// Defence 12: nsj re-executes itself with its name as its only argument, the
// rest travels in the sealed join request. The container's root reads the
// command line of every process it sees, nsj's child among them, and never
// finds a value the user passed with -e.
func TestContainerNeverSeesValuesPassedWithE(t *testing.T) {
	c := harness.SharedContainerd(t)
	secret := "SECRET_TOKEN=" + harness.UniqueID("hunter2")
	a := harness.StartAttacker(t, c, "peek", nil, oci.WithEnv([]string{"ATTACKER_SECRET=" + secret}))
	readNsj := "CMDLINE argv0=" + filepath.Base(harness.NsjPath(t)) + " "
	for i := 0; i < 500 && strings.Count(a.Log(), readNsj) < 3 && !strings.Contains(a.Log(), "SECRET "); i++ {
		harness.NsjAt(t, c, "-e", secret, "-n", a.Task.Namespace, a.Task.ID, "true").OK(t)
	}
	r := a.Stop(t)
	defer harness.LogOnFailure(t, r)
	for _, line := range strings.Split(r.Log, "\n") {
		if strings.HasPrefix(line, "SECRET ") {
			t.Errorf("the container read a value passed with -e: %s", line)
		}
	}
	if got := r.On("cmdline-of", filepath.Base(harness.NsjPath(t))); got.OK == 0 {
		t.Fatalf("the attacker never read the command line of nsj's child: the test proves nothing")
	}
}

// Defence 13: a join that fails after nsj entered the container's
// namespaces (here -w names no directory of the container's) is reported by
// the Go runtime, which reads files as it starts (/dev/urandom, /proc/self,
// /sys/kernel/mm). nsj returns to its own namespaces first. The attacker
// makes the container's /dev/urandom a FIFO, logs whoever opens it, and
// keeps it open without writing: a reader hangs.
func TestFailedJoinReturnsToNsjsNamespacesBeforeGoStarts(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	a := harness.StartAttacker(t, c, "fifo", nil)
	defer func() {
		if t.Failed() {
			t.Logf("attacker log:\n%s", a.Log())
		}
	}()
	args := []string{"-a", c.Address, "--fs", "container", "-w", "/nonexistent", "-n", a.Task.Namespace, a.Task.ID, busybox, "true"}
	runWithin(t, 10*time.Second, args...).Fails(t, 125, "changing to directory /nonexistent in the container")
	// --debug names the namespaces nsj returned to.
	r := runWithin(t, 10*time.Second, append([]string{"--debug"}, args...)...)
	if want := "returned to nsj's own mnt net uts ipc namespaces"; !strings.Contains(r.Stderr, want) {
		t.Errorf("--debug does not say %q:\n%s", want, r.Stderr)
	}
	if log := a.Stop(t).Log; !strings.Contains(log, "HELD 0\n") || strings.Contains(log, "FIFO-OPENED") {
		t.Errorf("the container's /dev/urandom was opened:\n%s", log)
	}
}

// runWithin runs nsj with args and kills it if it has not exited within d,
// saying where it hung.
func runWithin(t *testing.T, d time.Duration, args ...string) harness.Result {
	t.Helper()
	return harness.RunUntil(t, exec.Command(harness.NsjPath(t), args...), d, func(pid int) string {
		wchan := harness.ReadFileOr(fmt.Sprintf("/proc/%d/wchan", pid))
		mnt, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
		own, _ := os.Readlink("/proc/self/ns/mnt")
		return fmt.Sprintf("waiting in %s, mount namespace %s, the host's %s", wchan, mnt, own)
	})
}
