package integration

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Defence 5: nsj pins the task's PID with a pidfd, opens its namespaces,
// checks that the pinned process still lives, and asks containerd whether
// the task still runs with that PID. The test kills or replaces the task
// between the lookup and the join, and makes another process take its PID
// at once (clone3 with set_tid), 1,000 times: nsj either joins the task it
// found or fails saying that the target exited or restarted; it never runs
// the command in the namespaces of the PID's new owner or of the host.
// The kernel-fallback matrix (enosys_test.go) runs it again, in 100
// rounds, under its sets: each run has containers of its own, and the
// calls the matrix denies are its subtests' alone, so the two could run
// side by side (t.Parallel); they do not, as on one loaded machine the
// shared containerd then answers a restart in over 5 s.
func TestTaskReplacedBetweenLookupAndJoinIsNeverMistakenForItsPIDsNewOwner(t *testing.T) {
	racePIDReuse(t, 1000)
}

// racePIDReuse runs rounds rounds of the race, in 4 workers, each with a
// container of its own.
func racePIDReuse(t *testing.T, rounds int) {
	c := harness.SharedContainerd(t)
	decoyBin := harness.DecoyBinary(t)
	workers, ids := 4, harness.UniqueID("reused")
	var taken atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		// Not t.Parallel, which -parallel (GOMAXPROCS) would limit.
		go func() {
			defer wg.Done()
			t.Run(fmt.Sprint("worker", w), func(t *testing.T) {
				for i := w; i < rounds; i += workers {
					if raceRound(t, c, decoyBin, fmt.Sprint(ids, "-", w), i) {
						taken.Add(1)
					}
				}
			})
		}()
	}
	wg.Wait()
	if n := taken.Load(); n < int64(rounds*8/10*9/10) {
		t.Fatalf("the PID's new owner took the task's PID in only %d of %d rounds: the test proves little", n, rounds*8/10)
	}
}

// raceRound kills or replaces the task of container id (4 rounds in 5), or
// leaves it alone, while nsj stops after the lookup or before the join
// (every other round), and gives its PID to a decoy, in the host's
// namespaces or in new ones. It reports whether the decoy got the PID.
func raceRound(t *testing.T, c *harness.Containerd, decoyBin, id string, i int) (taken bool) {
	t.Helper()
	tk := c.EnsureTask(t, "nsj-race", id)
	point := []string{"lookup", "exec"}[i%2]
	action := []string{"none", "kill", "restart", "kill", "restart"}[i%5]
	host, before := nsLinks(t, os.Getpid()), nsLinks(t, int(tk.PID))
	cmd, out := harness.StartStopped(t, nil, point, "-a", c.Address, "-n", tk.Namespace, tk.ID, "readlink", "/proc/self/ns/net", "/proc/self/ns/uts")
	var d *decoy
	if action != "none" {
		c.RemoveTask(t, tk.Namespace, tk.ID)
		d = startDecoy(t, decoyBin, int(tk.PID), i%4 < 2)
		defer d.stop()
		if action == "restart" {
			c.RestartTask(t, tk.Namespace, tk.ID)
		}
	}
	cmd.Process.Signal(syscall.SIGCONT)
	cmd.Wait()
	r := harness.Result{Stdout: out.Stdout.String(), Stderr: out.Stderr.String(), Code: cmd.ProcessState.ExitCode()}
	got := strings.Fields(r.Stdout)
	if len(got) == 2 && (got[0] == host[0] || got[1] == host[1] || d != nil && d.ok && got[0] == d.ns[0]) {
		t.Fatalf("round %d (%s at %s): the command ran in the namespaces %v; the host's are %v, the decoy's %v", i, action, point, got, host, d.ns)
	}
	switch {
	case action == "none" && (r.Code != 0 || len(got) != 2 || got[0] != before[0] || got[1] != before[1]):
		t.Fatalf("round %d (untouched task): exit %d, namespaces %v, want the task's %v; stderr %s", i, r.Code, got, before, r.Stderr)
	case action != "none" && (r.Stdout != "" || r.Code != 125 || !strings.Contains(r.Stderr, "exited") && !strings.Contains(r.Stderr, "restarted")):
		t.Fatalf("round %d (%s at %s): exit %d, stdout %q, stderr %q; want a failure saying the target exited or restarted", i, action, point, r.Code, r.Stdout, r.Stderr)
	}
	return d != nil && d.ok
}

// nsLinks are the net and uts namespaces of pid.
func nsLinks(t testing.TB, pid int) [2]string {
	return [2]string{harness.NSLink(t, pid, "net"), harness.NSLink(t, pid, "uts")}
}

// decoy is a process that took a given PID (testdata/decoy).
type decoy struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ok    bool      // it got the PID
	ns    [2]string // its net and uts namespaces
}

func startDecoy(t *testing.T, bin string, pid int, newns bool) *decoy {
	t.Helper()
	args := []string{fmt.Sprint(pid)}
	if newns {
		args = append(args, "newns")
	}
	d := &decoy{cmd: exec.Command(bin, args...)}
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var err error
	if d.stdin, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	d.ok = line == "ok\n"
	if d.ok {
		d.ns = nsLinks(t, pid)
	}
	return d
}

// stop ends the decoy and its child.
func (d *decoy) stop() {
	d.stdin.Close()
	d.cmd.Wait()
}
