package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// nsj's own processes meet the container's around the command: the waiting
// parent (nsjoin/parent.c, relay.c) and, under --all, the runner that
// starts one of them per task (internal/fanout, nsjoin/spawn.go).
// docs/security.md ("Where nsj's own processes meet the container") says
// what each holds and why the container cannot reach it; these tests look
// at /proc while they run, as the host sees them, and check it.

// procView is what the host sees of a process.
type procView struct {
	pid    int
	nspid  int               // pid namespace levels: 1 is the host's only
	ns     map[string]string // type: "container", "host" or the link
	fds    map[int]string    // fd: its kind (pipe, socket, anon_inode:..., a path)
	status map[string]string
}

// viewProc reads pid's /proc entries; namespaces are named against the
// container init's (initPID) and the host's (the test's own).
func viewProc(t *testing.T, pid int, initPID uint32) procView {
	t.Helper()
	v := procView{pid: pid, ns: map[string]string{}, fds: map[int]string{}, status: harness.ProcStatus(t, pid)}
	v.nspid = len(strings.Fields(v.status["NSpid"]))
	for _, name := range []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"} {
		link, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, name))
		own, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", initPID, name))
		host, _ := os.Readlink("/proc/self/ns/" + name)
		switch {
		case link == own && link == host:
			v.ns[name] = "host=container"
		case link == own:
			v.ns[name] = "container"
		case link == host:
			v.ns[name] = "host"
		default:
			v.ns[name] = link
		}
	}
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n, _ := strconv.Atoi(e.Name())
		target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, n))
		switch {
		case strings.HasPrefix(target, "pipe:"):
			target = "pipe"
		case strings.HasPrefix(target, "socket:"):
			target = "socket"
		case strings.HasPrefix(target, "/dev/pts/"):
			target = "/dev/pts/N"
		}
		v.fds[n] = target
	}
	return v
}

func (v procView) String() string {
	var fds []string
	for n, k := range v.fds {
		fds = append(fds, fmt.Sprintf("%d:%s", n, k))
	}
	sort.Strings(fds)
	return fmt.Sprintf("pid %d: NSpid levels %d, CapEff %s, Uid %s, namespaces %v, fds %v",
		v.pid, v.nspid, v.status["CapEff"], v.status["Uid"], v.ns, fds)
}

// outOfSight fails unless pid is in the host's pid namespace only, where
// the container can neither name, signal nor trace it, and holds no fd but
// those allowed (by kind, or a prefix ending in "/" or ":") and those of its
// caller. It looks again for up to 5s: a waiting parent closes what it
// kept for a failure once it has seen the command's exec.
func outOfSight(t *testing.T, what string, pid int, initPID uint32, allowed ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v := viewProc(t, pid, initPID)
		problems := v.problems(callerFDs(t), allowed)
		if len(problems) == 0 || time.Now().After(deadline) {
			t.Logf("%s: %s", what, v)
			for _, p := range problems {
				t.Errorf("%s %s", what, p)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (v procView) problems(caller map[int]string, allowed []string) []string {
	var out []string
	if v.nspid != 1 || v.ns["pid"] != "host" {
		out = append(out, fmt.Sprintf("is in a pid namespace the container sees (%d levels, %s)", v.nspid, v.ns["pid"]))
	}
	for n, kind := range v.fds {
		if target, ok := caller[n]; ok && (target == kind || !strings.Contains(target, "/")) {
			continue // the caller's, not nsj's
		}
		ok := false
		for _, a := range allowed {
			ok = ok || kind == a || strings.HasSuffix(a, "/") && strings.HasPrefix(kind, a) ||
				strings.HasSuffix(a, ":") && strings.HasPrefix(kind, a)
		}
		if !ok {
			out = append(out, fmt.Sprintf("holds fd %d, %s, which it should not", n, kind))
		}
	}
	return out
}

// childOf waits for pid's one child whose command line starts with argv
// (so the command once executed, not nsj's child before), and returns it.
func childOf(t *testing.T, pid int, out *bytes.Buffer, argv ...string) int {
	t.Helper()
	want := strings.Join(argv, "\x00") + "\x00"
	var found int
	harness.WaitFor(t, 20*time.Second, fmt.Sprintf("%q, child of %d (output: %s)", argv, pid, out), func() bool {
		var children []string // each thread's: Go forks from any of them
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
		for _, task := range tasks {
			b, _ := os.ReadFile(task)
			children = append(children, strings.Fields(string(b))...)
		}
		for _, c := range children {
			n, _ := strconv.Atoi(c)
			if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", n)); strings.HasPrefix(string(cmdline), want) {
				found = n
				return true
			}
		}
		return false
	})
	return found
}

// callerFDs is what the test's caller left open to the test, not
// close-on-exec, by fd: nsj inherits it too and its parent keeps it (the
// operator's; defence 2 keeps it from the command).
func callerFDs(t *testing.T) map[int]string {
	t.Helper()
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		n, _ := strconv.Atoi(e.Name())
		info, _ := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", n))
		for _, line := range strings.Split(string(info), "\n") {
			if flags, ok := strings.CutPrefix(line, "flags:"); ok && n > 2 {
				if f, _ := strconv.ParseUint(strings.TrimSpace(flags), 8, 64); f&syscall.O_CLOEXEC == 0 {
					out[n], _ = os.Readlink(fmt.Sprintf("/proc/self/fd/%d", n))
				}
			}
		}
	}
	return out
}

// parentKeeps is what a waiting parent also holds, out of reach with it
// (docs/security.md): nsj's own pid namespace, to return to on a failure,
// and the command's binary, by its host path, as the file of a read-only
// clone of its directory's mount, or a sealed memfd copy.
func parentKeeps(binary string) []string {
	ownPID, _ := os.Readlink("/proc/self/ns/pid")
	return []string{ownPID, binary, "/" + filepath.Base(binary), "/memfd:"}
}

// The waiting parent of nsj --fs container, on pipes and on a terminal: in
// the host's pid namespace only (the container cannot name it), holding
// the operator's stdio and, relaying, the master of the command's
// pseudo-terminal and a signalfd: no namespace file, pidfd, socket or
// directory. Its command is in the container's pid namespace.
func TestNsjsWaitingParentIsOutOfTheContainersReach(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := probeTask(t, c)
	for _, tty := range []bool{false, true} {
		t.Run(fmt.Sprintf("tty=%v", tty), func(t *testing.T) {
			cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", diffNS, "--fs", "container", tk.ID, busybox, "sleep", "30")
			cmd.Env = append(os.Environ(), operatorSecret)
			var out bytes.Buffer
			allowed := []string{"pipe", "/dev/null"}
			if tty {
				harness.StartOnPty(t, cmd)
				allowed = []string{"/dev/pts/N", "/dev/ptmx", "anon_inode:[signalfd]"}
			} else {
				cmd.Stdin = strings.NewReader("")
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			}
			child := childOf(t, cmd.Process.Pid, &out, busybox, "sleep")
			parent := viewProc(t, cmd.Process.Pid, tk.PID)
			outOfSight(t, "the waiting parent", cmd.Process.Pid, tk.PID, append(allowed, parentKeeps(busybox)...)...)
			if parent.ns["pid_for_children"] != "container" {
				t.Errorf("the waiting parent's children are not in the container's pid namespace: %s", parent.ns["pid_for_children"])
			}
			if v := viewProc(t, child, tk.PID); v.nspid != 2 || v.ns["pid"] != "container" {
				t.Errorf("the command is not in the container's pid namespace: %s", v)
			}
		})
	}
}

// nsj --all: the runner (Go) never joins a namespace and the container
// cannot name it; each task's waiting parent, which the runner spawns, is
// as above, with /dev/null and the runner's pipes as its stdio.
func TestNsjAllsRunnerAndParentsAreOutOfTheContainersReach(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := probeTask(t, c)
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", diffNS, "--all", "--fs", "container", "--", busybox, "sleep", "30")
	cmd.Env = append(os.Environ(), operatorSecret)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	parent := childOf(t, cmd.Process.Pid, &out, harness.NsjPath(t))
	childOf(t, parent, &out, busybox, "sleep")
	runner := viewProc(t, cmd.Process.Pid, tk.PID)
	// Its stdio; the read ends of the commands' output; containerd's
	// socket; a task's pidfd; the Go runtime's poller and the cgroup files
	// it reads for GOMAXPROCS; "/", the read-only clone of its binary's
	// mount that it executes (nsjoin.SealedSelf).
	outOfSight(t, "the runner", cmd.Process.Pid, tk.PID, "pipe", "socket", "/dev/null", "anon_inode:[eventpoll]", "anon_inode:[eventfd]",
		"anon_inode:[pidfd]", "/sys/fs/cgroup/", "/")
	for name, ns := range runner.ns {
		if ns != "host" && ns != "host=container" {
			t.Errorf("the runner is in the container's %s namespace", name)
		}
	}
	outOfSight(t, "the task's waiting parent", parent, tk.PID, append([]string{"pipe", "/dev/null"}, parentKeeps(busybox)...)...)
}
