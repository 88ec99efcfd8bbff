package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// A node operator's session with nsj --all: one command in every container.

// fleet runs ten busybox tasks, t00 to t09 (hostname = ID), in a namespace
// of their own: t00-t03 labelled app=web (t00 and t01 also tier=front), t04
// and t05 labelled as Kubernetes labels a pod's containers. It returns the
// namespace.
func fleet(t *testing.T, c *harness.Containerd) string {
	t.Helper()
	ns := harness.UniqueID("nsj-all")
	for i := 0; i < 10; i++ {
		var labels map[string]string
		switch {
		case i < 2:
			labels = map[string]string{"app": "web", "tier": "front"}
		case i < 4:
			labels = map[string]string{"app": "web"}
		case i < 6:
			labels = map[string]string{
				"io.kubernetes.pod.namespace":  []string{"shop", "kube-system"}[i-4],
				"io.kubernetes.pod.name":       fmt.Sprintf("pod-%d", i),
				"io.kubernetes.container.name": "main",
			}
		}
		c.RunTask(t, ns, fmt.Sprintf("t%02d", i), harness.WithLabels(labels))
	}
	return ns
}

// fleetPrefix is what nsj --all prefixes the lines of fleet task i with.
func fleetPrefix(i int) string {
	switch i {
	case 4:
		return "shop/pod-4/main"
	case 5:
		return "kube-system/pod-5/main"
	}
	return fmt.Sprintf("t%02d", i)
}

func TestAllRunsTheCommandInEveryTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	var want, bare []string
	for i := 0; i < 10; i++ {
		want = append(want, fmt.Sprintf("%s: t%02d", fleetPrefix(i), i))
		bare = append(bare, fmt.Sprintf("t%02d", i))
	}
	slices.Sort(want)
	for _, args := range [][]string{{"--", "hostname"}, {"hostname"}, {"-j", "10", "--", "hostname"}} {
		r := harness.NsjAt(t, c, append([]string{"-n", ns, "--all"}, args...)...)
		if got := harness.SortedLines(r.OK(t)); !slices.Equal(got, want) || r.Stderr != "" {
			t.Fatalf("nsj --all %s: stdout %q, stderr %q; want %q", strings.Join(args, " "), got, r.Stderr, want)
		}
	}
	r := harness.NsjAt(t, c, "-n", ns, "--all", "--no-prefix", "--", "sh", "-c", "hostname; hostname >&2")
	if got := harness.SortedLines(r.OK(t)); !slices.Equal(got, bare) || !slices.Equal(harness.SortedLines(r.Stderr), bare) {
		t.Fatalf("--no-prefix: stdout %q, stderr %q; want the bare hostnames on each", got, r.Stderr)
	}
}

func TestAllFindsWhichTaskListensOnAPort(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-all-port")
	c.RunTask(t, ns, "quiet-1")
	c.RunTask(t, ns, "web", harness.WithArgs("httpd", "-f", "-p", "8080"))
	c.RunTask(t, ns, "quiet-2", harness.WithArgs("httpd", "-f", "-p", "8081"))
	var out string
	harness.WaitFor(t, 10*time.Second, "httpd to listen", func() bool {
		out = harness.NsjAt(t, c, "-n", ns, "--all", "--", "ss", "-Htln", "sport = :8080").OK(t)
		return out != ""
	})
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "web: LISTEN ") {
		t.Fatalf("ss in every task shows %q; want one LISTEN line, from web", lines)
	}
}

func TestAllPrefixesStderrLinesOnStderr(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	r := harness.NsjAt(t, c, "-n", ns, "--all", "--selector", "tier=front", "--", "sh", "-c", "echo out; echo err >&2")
	if got := harness.SortedLines(r.OK(t)); !slices.Equal(got, []string{"t00: out", "t01: out"}) {
		t.Fatalf("stdout %q", got)
	}
	if got := harness.SortedLines(r.Stderr); !slices.Equal(got, []string{"t00: err", "t01: err"}) {
		t.Fatalf("stderr %q", got)
	}
}

func TestAllSelectorsPickTasksByLabel(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--selector", "app=web"}, []string{"t00: t00", "t01: t01", "t02: t02", "t03: t03"}},
		{[]string{"--selector", "app=web", "--selector", "tier=front"}, []string{"t00: t00", "t01: t01"}},
		{[]string{"--pod-namespace", "shop"}, []string{"shop/pod-4/main: t04"}},
		{[]string{"--selector", "io.kubernetes.container.name=main"}, []string{"kube-system/pod-5/main: t05", "shop/pod-4/main: t04"}},
		// kubectl's grammar (issue 21 item 3): commas, !=, KEY, !KEY, in.
		{[]string{"--selector", "app=web,tier=front"}, []string{"t00: t00", "t01: t01"}},
		{[]string{"--selector", "app,!tier"}, []string{"t02: t02", "t03: t03"}},
		{[]string{"--selector", "app!=web"}, []string{"kube-system/pod-5/main: t05", "shop/pod-4/main: t04", "t06: t06", "t07: t07", "t08: t08", "t09: t09"}},
		{[]string{"--selector", "io.kubernetes.pod.namespace in (shop,blog)"}, []string{"shop/pod-4/main: t04"}},
	} {
		args := append(append([]string{"-n", ns, "--all"}, tc.args...), "--", "hostname")
		if got := harness.SortedLines(harness.NsjAt(t, c, args...).OK(t)); !slices.Equal(got, tc.want) {
			t.Errorf("nsj %s: %q, want %q", strings.Join(tc.args, " "), got, tc.want)
		}
	}
	harness.NsjAt(t, c, "-n", ns, "--all", "--selector", "app=db", "--", "hostname").
		Fails(t, 125, fmt.Sprintf(`no running task in namespace %q matches app=db`, ns))
	harness.NsjAt(t, c, "-n", ns, "--all", "--selector", "app web", "--", "hostname").Fails(t, 125, `--selector: not a label selector: "app web"`)
}

func TestAllSkipsTasksThatDoNotRun(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-all-idle")
	c.RunTask(t, ns, "running")
	c.RunTask(t, ns, "stopped", harness.TaskStopped())
	c.RunTask(t, ns, "created", harness.TaskCreated())
	c.RunTask(t, ns, "bare", harness.WithoutTask())
	if out := harness.NsjAt(t, c, "-n", ns, "--all", "--", "hostname").OK(t); out != "running: running\n" {
		t.Fatalf("got %q, want only the running task", out)
	}
	empty := harness.UniqueID("nsj-all-empty")
	c.RunTask(t, empty, "stopped", harness.TaskStopped())
	harness.NsjAt(t, c, "-n", empty, "--all", "--", "hostname").Fails(t, 125, fmt.Sprintf(`no running task in namespace %q`, empty))
}

func TestAllExitStatusSummarizesFailures(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	r := harness.NsjAt(t, c, "-n", ns, "--all", "--", "sh", "-c", `case $(hostname) in t03) exit 2;; t07) echo broken >&2; exit 1;; esac`)
	want := "t07: broken\nnsj: 2 of 10 tasks failed: t03 (exit 2), t07 (exit 1)\n"
	if r.Code != 1 || r.Stdout != "" || r.Stderr != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and %q", r.Code, r.Stdout, r.Stderr, want)
	}
	// A command the host lacks fails once, before any task.
	harness.NsjAt(t, c, "-n", ns, "--all", "--", "no-such-command-here").Fails(t, 127, "no-such-command-here")
}

// A task stopped while its command runs is reported; the others complete.
func TestAllReportsATaskStoppedMidRun(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", ns, "--all", "-j", "10", "--",
		"sh", "-c", `echo started; if [ "$(hostname)" = t06 ]; then exec sleep 100005; fi`)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	var got []string
	for lines.Scan() {
		got = append(got, lines.Text())
		if lines.Text() == "t06: started" {
			c.KillTask(t, ns, "t06")
		}
	}
	cmd.Wait()
	if len(got) != 10 || cmd.ProcessState.ExitCode() != 1 || stderr.String() != "nsj: 1 of 10 tasks failed: t06 (task stopped)\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want ten tasks started, t06 reported stopped", cmd.ProcessState.ExitCode(), got, stderr.String())
	}
}

func TestAllJSONOutputParses(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	out := harness.NsjAt(t, c, "-n", ns, "--all", "-o", "json", "--", "sh", "-c", `hostname; echo "a \"quoted\" error" >&2; [ "$(hostname)" != t09 ]`).Stdout
	type record struct {
		Task, Stream, Line, Namespace, ID, Status string
		Exit                                      *int
	}
	lines, exits := map[string]int{}, map[string]record{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var rec record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		if rec.Stream != "" {
			lines[rec.Task+" "+rec.Stream+" "+rec.Line]++
			continue
		}
		if _, dup := exits[rec.Task]; dup || rec.Exit == nil || rec.Namespace != ns {
			t.Fatalf("exit record %q: a second one, or no exit status, or not in %s", line, ns)
		}
		exits[rec.Task] = rec
	}
	for i := 0; i < 10; i++ {
		task, id := fleetPrefix(i), fmt.Sprintf("t%02d", i)
		if lines[task+" stdout "+id] != 1 || lines[task+` stderr a "quoted" error`] != 1 {
			t.Errorf("task %s: lines %v", task, lines)
		}
		want := record{Task: task, Namespace: ns, ID: id, Status: "ok"}
		if i == 9 {
			want.Status = "failed"
		}
		if got := exits[task]; got.Status != want.Status || got.ID != id || *got.Exit != map[bool]int{true: 1, false: 0}[i == 9] {
			t.Errorf("exit record of %s: %+v, want %+v", task, got, want)
		}
	}
}

// Ctrl-C (SIGINT to nsj) stops every command and every child nsj.
func TestAllInterruptedLeavesNothingRunning(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	marker := fmt.Sprint(100000 + time.Now().UnixNano()%100000)
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", ns, "--all", "-j", "10", "--", "sleep", marker)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var procs []int
	harness.WaitFor(t, 30*time.Second, "ten commands to run, each under its nsj", func() bool {
		if len(running("sleep\x00"+marker+"\x00")) < 10 {
			return false
		}
		procs = descendants(cmd.Process.Pid) // after the commands run: a join's process and its command each
		return len(procs) >= 20
	})
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("nsj --all did not exit after SIGINT; stderr: %s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.HasPrefix(stderr.String(), "nsj: interrupted by SIGINT: 10 of 10 tasks") {
		t.Errorf("exit %d, stderr %q; want 130 and the interrupted tasks", code, stderr.String())
	}
	if left := running("sleep\x00" + marker + "\x00"); len(left) > 0 {
		t.Fatalf("commands still running after SIGINT: %v", left)
	}
	for _, pid := range procs {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("process %d (%q), started by nsj --all, still runs", pid, harness.ReadFile(t, fmt.Sprintf("/proc/%d/cmdline", pid)))
		}
	}
	if len(procs) < 20 {
		t.Fatalf("saw %d processes under nsj --all, want at least a child nsj and a command per task", len(procs))
	}
}

// descendants lists the processes below pid, recursively.
func descendants(pid int) []int {
	var out []int
	for _, task := range taskDirs(pid) {
		b, _ := os.ReadFile(task + "/children")
		for _, f := range strings.Fields(string(b)) {
			var child int
			fmt.Sscan(f, &child)
			out = append(append(out, child), descendants(child)...)
		}
	}
	return out
}

func taskDirs(pid int) []string {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, fmt.Sprintf("/proc/%d/task/%s", pid, e.Name()))
	}
	return dirs
}

// running lists the processes whose command line is cmdline (NUL-separated).
func running(cmdline string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && string(b) == cmdline {
			pids = append(pids, pid)
		}
	}
	return pids
}

// On a terminal, a progress line counts the tasks; it is gone at the end.
func TestAllShowsProgressOnATerminal(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := fleet(t, c)
	s := harness.StartPty(t, nil, "-a", c.Address, "-n", ns, "--all", "--", "true")
	s.Expect(t, "nsj: 10/10 tasks done, 0 running\r\x1b[K")
	if code := s.Wait(t); code != 0 {
		t.Fatalf("exit %d; the terminal shows:\n%s", code, s.Output())
	}
}
