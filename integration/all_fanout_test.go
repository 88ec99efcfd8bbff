package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// nsj --all starts each task's join itself (no nsj child running Go), and
// stops each task's command whole: on Ctrl-C, and at --task-timeout.

// Ctrl-C stops what each command started, not only the command: with
// sh -c 'sleep N; echo done', no sleep is left in any container and no
// sh goes on to say done. It is the forwarded signal that stops them, well
// before nsj --all would kill what is left (10 s).
func TestAllCtrlCStopsTheWholeCommandInEveryTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	marker := fmt.Sprint(200000 + time.Now().UnixNano()%100000)
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", ns, "--all", "-j", "10", "--", "sh", "-c", "sleep "+marker+"; echo done")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sleeps := func() []int { return running("sleep\x00" + marker + "\x00") }
	harness.WaitFor(t, 30*time.Second, "ten sleeps to run", func() bool { return len(sleeps()) == 10 })
	for _, pid := range sleeps() {
		if !inContainer(t, pid) {
			t.Fatalf("sleep %d does not run in a container's pid namespace", pid)
		}
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("nsj --all took %s to exit after SIGINT; the commands should stop at once", took)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.HasPrefix(stderr.String(), "nsj: interrupted by SIGINT: 10 of 10 tasks") {
		t.Errorf("exit %d, stderr %q; want 130 and the interrupted tasks", code, stderr.String())
	}
	if left := sleeps(); len(left) > 0 {
		t.Fatalf("sleep %s still runs in %d containers after SIGINT", marker, len(left))
	}
	if strings.Contains(stdout.String(), "done") {
		t.Errorf("a command went on after SIGINT: %q", stdout.String())
	}
}

// inContainer reports whether pid is in another pid namespace than the test's.
func inContainer(t *testing.T, pid int) bool {
	own, _ := os.Readlink("/proc/self/ns/pid")
	its, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
	return err == nil && its != own
}

// --task-timeout ends a task's command that does not end, and says so in
// the summary; the other tasks finish.
func TestAllTaskTimeoutEndsANeverEndingTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	marker := fmt.Sprint(300000 + time.Now().UnixNano()%100000)
	script := `case $(hostname) in t03) sleep ` + marker + `;; esac; echo finished`
	start := time.Now()
	r := harness.NsjAt(t, c, "-n", ns, "--all", "--task-timeout", "2s", "--", "sh", "-c", script)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("nsj --all --task-timeout 2s took %s", took)
	}
	if r.Code != 1 || r.Stderr != "nsj: 1 of 10 tasks failed: t03 (timed out after 2s)\n" {
		t.Errorf("exit %d, stderr %q; want 1 and t03 timed out", r.Code, r.Stderr)
	}
	if n := strings.Count(r.Stdout, ": finished\n"); n != 9 || strings.Contains(r.Stdout, "t03:") {
		t.Errorf("stdout %q; want nine tasks finished, nothing of t03", r.Stdout)
	}
	if left := running("sleep\x00" + marker + "\x00"); len(left) > 0 {
		t.Fatalf("the sleep of t03 still runs after its time-out: %v", left)
	}
}

// In -o json, a task that timed out is failed, with "timed_out": true.
func TestAllTaskTimeoutShowsInJSON(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	script := `case $(hostname) in t07) exec sleep 100000;; esac; echo finished`
	r := harness.NsjAt(t, c, "-n", ns, "--all", "-o", "json", "--task-timeout", "1s", "--", "sh", "-c", script)
	if r.Code != 1 {
		t.Errorf("exit %d, stderr %q; want 1", r.Code, r.Stderr)
	}
	type record struct {
		Task     string `json:"task"`
		Status   string `json:"status"`
		Exit     *int   `json:"exit"`
		TimedOut *bool  `json:"timed_out"`
		Line     string `json:"line"`
	}
	ends := map[string]record{}
	sc := bufio.NewScanner(strings.NewReader(r.Stdout))
	for sc.Scan() {
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("record %q: %v", sc.Text(), err)
		}
		if rec.Status != "" {
			ends[rec.Task] = rec
		}
	}
	if len(ends) != 10 {
		t.Fatalf("%d exit records, want 10: %s", len(ends), r.Stdout)
	}
	for task, rec := range ends {
		switch {
		case task == "t07":
			if rec.Status != "failed" || rec.TimedOut == nil || !*rec.TimedOut || rec.Exit == nil || *rec.Exit != 128+int(syscall.SIGTERM) {
				t.Errorf("t07: %+v; want failed, timed_out, exit 143", rec)
			}
		case rec.Status != "ok" || rec.TimedOut != nil:
			t.Errorf("%s: %+v; want ok and no timed_out", task, rec)
		}
	}
}

// A bad --task-timeout is one line and exit 125, before anything runs.
func TestAllRejectsABadTaskTimeout(t *testing.T) {
	for _, args := range [][]string{
		{"--all", "--task-timeout", "soon", "true"},
		{"--all", "--task-timeout", "-1s", "true"},
		{"--task-timeout", "1s", "web", "true"},
	} {
		r := harness.Nsj(t, args...)
		if r.Code != 125 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "--task-timeout") {
			t.Errorf("nsj %s: exit %d, stderr %q; want 125 and one line about --task-timeout", strings.Join(args, " "), r.Code, r.Stderr)
		}
	}
}

// No process that nsj --all starts runs the Go runtime or asks containerd:
// it starts, per task, nsj's constructor (which joins and forks the
// command) and the command, and nothing else. Under strace -f, only nsj
// --all's own process makes threads (clone with CLONE_THREAD, as the Go
// runtime does at start) and connects to containerd; each process it
// starts executes once (nsj's sealed binary), and each of those forks one
// that executes the command.
func TestAllStartsNoGoInItsChildren(t *testing.T) {
	harness.RequireBinaries(t, "strace")
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	trace := t.TempDir() + "/trace"
	out, err := exec.Command("strace", "-f", "-qq", "-s", "256", "-o", trace, "-e", "trace=clone,clone3,fork,vfork,execve,connect",
		harness.NsjPath(t), "-a", c.Address, "-n", ns, "--all", "--", "true").CombinedOutput()
	if err != nil {
		t.Fatalf("strace nsj --all -- true: %v: %s", err, out)
	}
	if os.Getenv("NSJ_KEEP_TRACE") != "" {
		exec.Command("cp", trace, "/tmp/nsj-trace").Run()
	}
	sealed := "/" + filepath.Base(harness.NsjPath(t)) // the sealed copy keeps the binary's name
	procs := readTrace(t, trace)
	var root *tracedProcess
	for _, p := range procs {
		if p.parent == 0 {
			root = p
		}
	}
	if root == nil || root.threads < 2 || root.connects != 1 {
		t.Fatalf("nsj --all itself: %+v; want Go's threads and one connection to containerd", root)
	}
	joins, commands := 0, 0
	for _, p := range procs {
		if p == root {
			continue
		}
		if p.threads > 0 || p.connects > 0 {
			t.Errorf("process %d (executed %q) made %d threads and %d connections: it runs Go, or asks containerd", p.pid, p.execs, p.threads, p.connects)
		}
		switch {
		case p.parent == root.pid && len(p.execs) == 1 && strings.HasSuffix(p.execs[0], sealed):
			joins++
		case len(p.execs) == 1 && strings.HasSuffix(p.execs[0], "/true") && procs[p.parent] != nil && procs[p.parent].parent == root.pid:
			commands++
		default:
			t.Errorf("process %d (parent %d) executed %q; want nsj's sealed binary, or the command under it", p.pid, p.parent, p.execs)
		}
	}
	if joins != 10 || commands != 10 {
		t.Errorf("%d joins and %d commands started, want 10 each", joins, commands)
	}
}

// tracedProcess is what strace -f showed of one process (its threads
// folded in).
type tracedProcess struct {
	pid, parent       int
	threads, connects int
	execs             []string
}

// readTrace reads strace -f -o output: "TID syscall(args) = result"
// lines, calls split by other processes' lines joined back. A new
// process's calls may come before the clone that made it returns, so the
// clones are read first.
func readTrace(t *testing.T, path string) map[int]*tracedProcess {
	t.Helper()
	type call struct {
		tid, result int
		name, text  string
	}
	var calls []call
	unfinished := map[int]string{}
	for _, line := range strings.Split(harness.ReadFile(t, path), "\n") {
		var c call
		if _, err := fmt.Sscan(line, &c.tid); err != nil {
			continue
		}
		c.text = strings.TrimSpace(strings.TrimPrefix(line, fmt.Sprint(c.tid)))
		if head, ok := strings.CutSuffix(c.text, " <unfinished ...>"); ok {
			unfinished[c.tid] = head
			continue
		}
		if i := strings.Index(c.text, " resumed>"); strings.HasPrefix(c.text, "<... ") && i > 0 {
			c.text = unfinished[c.tid] + c.text[i+len(" resumed>"):]
		}
		c.name, _, _ = strings.Cut(c.text, "(")
		if i := strings.LastIndex(c.text, " = "); i >= 0 {
			fmt.Sscan(c.text[i+len(" = "):], &c.result)
		}
		calls = append(calls, c)
	}
	procs := map[int]*tracedProcess{}
	owner := map[int]int{} // thread ID -> its process
	var ownerOf func(tid int) int
	ownerOf = func(tid int) int {
		if o, ok := owner[tid]; ok && o != tid {
			return ownerOf(o)
		}
		return tid
	}
	parent := map[int]int{}
	for _, c := range calls {
		if (c.name == "clone" || c.name == "clone3" || c.name == "fork" || c.name == "vfork") && c.result > 0 {
			if strings.Contains(c.text, "CLONE_THREAD") {
				owner[c.result] = c.tid
			} else {
				parent[c.result] = c.tid
			}
		}
	}
	proc := func(tid int) *tracedProcess {
		pid := ownerOf(tid)
		if procs[pid] == nil {
			procs[pid] = &tracedProcess{pid: pid, parent: ownerOf(parent[pid])}
			if parent[pid] == 0 {
				procs[pid].parent = 0
			}
		}
		return procs[pid]
	}
	for _, c := range calls {
		p := proc(c.tid)
		switch {
		case (c.name == "clone" || c.name == "clone3") && c.result > 0 && strings.Contains(c.text, "CLONE_THREAD"):
			p.threads++
		case c.name == "connect" && strings.Contains(c.text, "sun_path="):
			p.connects++
		case c.name == "execve" && c.result == 0:
			path, _, _ := strings.Cut(strings.TrimPrefix(c.text, `execve("`), `"`)
			p.execs = append(p.execs, path)
		}
	}
	return procs
}

// Each task of nsj --all is joined as nsj TASK joins it alone: the same
// namespaces, environment (-e, NSJ_ROOT), directory (-w), and under --fs
// container the same view and privileges.
func TestAllJoinsEachTaskAsASingleNsjDoes(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	busybox := harness.StaticBusybox(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"host view", []string{"-e", "FOO=bar", "-w", "/tmp", "--", "sh", "-c",
			`echo "$FOO $PWD $NSJ_ROOT $(hostname)"; readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/pid; ps -e -o pid=,comm= | head -n 1`}},
		{"only some namespaces", []string{"--ns", "uts,ipc", "--", "sh", "-c", `hostname; readlink /proc/self/ns/net /proc/self/ns/ipc`}},
		{"container view", []string{"--fs", "container", "-w", "/tmp", "--", busybox, "sh", "-c",
			`busybox id; busybox pwd; echo "$NSJ_ROOT"; busybox grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := harness.NsjAt(t, c, append([]string{"-n", ns, "--all", "-j", "3"}, tc.args...)...).OK(t)
			var want []string
			for i := 0; i < 10; i++ {
				id := fmt.Sprintf("t%02d", i)
				cmd := append([]string{"-n", ns}, withTarget(tc.args, id)...)
				for _, line := range strings.Split(strings.TrimSuffix(harness.NsjAt(t, c, cmd...).OK(t), "\n"), "\n") {
					want = append(want, fleetPrefix(i)+": "+line)
				}
			}
			slices.Sort(want)
			if got := harness.SortedLines(all); !slices.Equal(got, want) {
				t.Errorf("nsj --all %s:\n%s\nwant, as nsj TASK gives it:\n%s", strings.Join(tc.args, " "), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// withTarget puts id where the command starts, after "--".
func withTarget(args []string, id string) []string {
	i := slices.Index(args, "--")
	return slices.Concat(args[:i+1], []string{id}, args[i+1:])
}

// A join's warnings are the task's stderr lines, prefixed with it, as they
// were when each task had an nsj of its own.
func TestAllPrefixesEachTasksWarnings(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-all-warn")
	c.RunTask(t, ns, "frozen", harness.TaskPaused())
	c.RunTask(t, ns, "running")
	r := harness.NsjAt(t, c, "-n", ns, "--all", "--", "hostname")
	single := harness.NsjAt(t, c, "-n", ns, "frozen", "hostname")
	single.OK(t)
	want := "frozen: " + single.Stderr
	if !strings.HasPrefix(single.Stderr, "nsj: warning: task "+ns+"/frozen is paused: joining anyway, but its processes stay frozen until `ctr ") {
		t.Fatalf("nsj frozen hostname: stderr %q, want the paused warning", single.Stderr)
	}
	if r.OK(t) != "frozen: frozen\nrunning: running\n" && r.Stdout != "running: running\nfrozen: frozen\n" || r.Stderr != want {
		t.Errorf("stdout %q, stderr %q; want the paused task's warning under its prefix: %q", r.Stdout, r.Stderr, want)
	}
}

// --timeout bounds each call to containerd, not the run: tasks joined after
// it has passed since the listing are joined (and rechecked) as well.
func TestAllJoinsTasksLongAfterTheListing(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	r := harness.NsjAt(t, c, "-n", ns, "--timeout", "1s", "--all", "-j", "2", "--", "sh", "-c", "sleep 0.5; hostname")
	if out := r.OK(t); strings.Count(out, "\n") != 10 || r.Stderr != "" {
		t.Errorf("stdout %q, stderr %q; want ten hostnames", out, r.Stderr)
	}
}
