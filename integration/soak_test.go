package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// soakRuns is how many times the soak runs nsj each way: $NSJ_SOAK_RUNS
// (make soak sets 10,000), else 500.
func soakRuns(t *testing.T) int {
	s := os.Getenv("NSJ_SOAK_RUNS")
	if s == "" {
		return 500
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		t.Fatalf("NSJ_SOAK_RUNS=%q: want a positive number", s)
	}
	return n
}

// Defence 6: nothing leaks to the host. nsj runs against one task again and
// again, one at a time and then 64 at a time: afterwards the host's mount
// table is byte for byte what it was, no nsj process is left, no zombie is
// left in the container, and containerd and the task's shim hold no more
// file descriptors than before.
func TestSoakLeavesNothingBehind(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-soak", harness.UniqueID("soak"))
	runs := soakRuns(t)
	shim := parentOf(t, int(tk.PID))
	mounts := harness.SaveHostMounts(t)
	ctdFds, shimFds := fdCount(t, c.PID), fdCount(t, shim)
	args := []string{"-a", c.Address, "-n", tk.Namespace, tk.ID, "true"}

	start := time.Now()
	for i := 0; i < runs; i++ {
		harness.Nsj(t, args...).OK(t)
	}
	t.Logf("%d runs one at a time in %s", runs, time.Since(start))
	start = time.Now()
	if failed := inParallel(harness.NsjPath(t), args, runs, 64); len(failed) > 0 {
		t.Fatalf("%d of %d runs 64 at a time failed; the first: %s", len(failed), runs, failed[0])
	}
	t.Logf("%d runs 64 at a time in %s", runs, time.Since(start))

	mounts.Unchanged(t, "the host's mount table changed")
	if left := harness.ProcessesOf(t, harness.NsjPath(t)); len(left) > 0 {
		t.Errorf("nsj processes left behind: %v", left)
	}
	if z := zombiesIn(t, int(tk.PID)); len(z) > 0 {
		t.Errorf("zombies left in the container: %v", z)
	}
	for _, p := range []struct {
		name        string
		pid, before int
	}{{"containerd", c.PID, ctdFds}, {"the task's shim", shim, shimFds}} {
		// Connections close a little after nsj exits; wait for them.
		deadline := time.Now().Add(10 * time.Second)
		n := fdCount(t, p.pid)
		for ; n > p.before && time.Now().Before(deadline); n = fdCount(t, p.pid) {
			time.Sleep(100 * time.Millisecond)
		}
		if n > p.before {
			t.Errorf("%s holds %d file descriptors, %d before %d runs", p.name, n, p.before, 2*runs)
		}
	}
}

// inParallel runs bin with args n times, width at a time, and returns the
// failures.
func inParallel(bin string, args []string, n, width int) []string {
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				mu.Lock()
				failed = append(failed, fmt.Sprintf("%v: %s", err, out))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failed
}

func fdCount(t testing.TB, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// parentOf returns the parent PID of pid.
func parentOf(t testing.TB, pid int) int {
	t.Helper()
	stat := harness.ReadFile(t, fmt.Sprintf("/proc/%d/stat", pid))
	f := strings.Fields(stat[strings.LastIndex(stat, ")")+1:])
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, stat)
	}
	return ppid
}

// zombiesIn lists the zombies in the pid namespace of pid.
func zombiesIn(t testing.TB, pid int) []int {
	t.Helper()
	ns := harness.NSLink(t, pid, "pid")
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || harness.NSLink(t, p, "pid") != ns {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		s := string(stat)
		if f := strings.Fields(s[strings.LastIndex(s, ")")+1:]); len(f) > 0 && f[0] == "Z" {
			out = append(out, p)
		}
	}
	return out
}
