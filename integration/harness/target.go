package harness

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NSTarget is a process in namespaces of its own, made with unshare(1): the
// simplest target for --target-pid.
type NSTarget struct {
	PID     int // the target: init of its pid namespace
	unshare *exec.Cmd
}

// StartTarget runs script as pid 1 of new pid, net, uts and ipc namespaces
// with hostname "nsj-target", and returns once the namespaces are set up.
// The test's cleanup kills it (unshare --kill-child takes the target along).
// Like a container with the default capabilities, it has neither
// CAP_SYS_ADMIN nor CAP_SYS_PTRACE, so nsj does not warn about it
// (startTargetWith keeps them).
func StartTarget(t testing.TB, script string) *NSTarget {
	t.Helper()
	return StartTargetWith(t, "setpriv --bounding-set=-sys_admin,-sys_ptrace --", script)
}

// StartTargetWith is startTarget with script run by wrapper, such as
// setpriv; "" runs it with every capability of root.
func StartTargetWith(t testing.TB, wrapper, script string) *NSTarget {
	t.Helper()
	NsjPath(t)
	cmd := exec.Command("unshare", "--fork", "--kill-child", "--pid", "--mount-proc", "--net", "--uts", "--ipc",
		"sh", "-c", `hostname nsj-target && exec `+wrapper+` sh -c 'echo ready && eval "exec $1"' sh "$0"`, script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting unshare: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if line != "ready\n" {
			t.Fatalf("the unshare target failed to start: %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the unshare target did not start within 10s")
	}
	return &NSTarget{PID: ChildOf(cmd.Process.Pid), unshare: cmd}
}

// ChildOf returns the first child of pid, or 0.
func ChildOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(fields[0])
	return n
}

// NSLink is the /proc/PID/ns/TYPE link of a process, e.g. "net:[4026531840]".
func NSLink(t testing.TB, pid int, typ string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, typ))
	if err != nil {
		return "gone: " + err.Error()
	}
	return l
}

// PIDArg is the --target-pid argument for the target.
func (tg *NSTarget) PIDArg() string { return strconv.Itoa(tg.PID) }

// Kill kills the target (and unshare with it) and waits for unshare.
func (tg *NSTarget) Kill() {
	tg.unshare.Process.Kill()
	tg.unshare.Wait()
}
