package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// A user session against containerd: nsj -a SOCKET -n NAMESPACE TASK COMMAND.

func TestTaskPsShowsTheTasksProcesses(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", harness.UniqueID("web"), harness.WithArgs("sh", "-c", "sleep 100001 & exec sleep 100000"))
	harness.WaitFor(t, 10*time.Second, "the task's sh to exec sleep", func() bool {
		return harness.ReadFile(t, fmt.Sprintf("/proc/%d/cmdline", tk.PID)) == "sleep\x00100000\x00"
	})
	out := harness.NsjAt(t, c, "-n", "nsj-cli", tk.ID, "ps", "-e", "-o", "pid=,args=").OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "1 sleep 100000" ||
		!strings.HasSuffix(lines[1], "sleep 100001") {
		t.Fatalf("ps in the task shows %q; want its init (pid 1), its child and ps", lines)
	}
	// pid 1 in there is the task's process containerd reports.
	if cmdline := harness.ReadFile(t, fmt.Sprintf("/proc/%d/cmdline", tk.PID)); cmdline != "sleep\x00100000\x00" {
		t.Fatalf("the task's PID %d runs %q, not the pid 1 ps showed", tk.PID, cmdline)
	}
}

func TestTaskIpShowsOnlyLoopback(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", harness.UniqueID("net"))
	out := harness.NsjAt(t, c, "-n", "nsj-cli", tk.ID, "ip", "-o", "link").OK(t)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "1: lo:") {
		t.Fatalf("ip -o link in the task shows %q; want only lo", lines)
	}
}

func TestTaskByUniquePrefixAndFlagsAfterTarget(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", harness.UniqueID("prefixed"))
	// Everything after the task is the command, even words that look like nsj's flags.
	out := harness.NsjAt(t, c, "-n", "nsj-cli", tk.ID[:len(tk.ID)-2], "sh", "-c", `hostname; printf '%s\n' "$*"`, "sh", "-n", "--list").OK(t)
	if out != tk.ID+"\n-n --list\n" {
		t.Fatalf("got %q, want the task's hostname and the command's own -n --list", out)
	}
}

func TestTaskNamedLikeACommand(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-ls")
	c.RunTask(t, ns, "ls")
	if out := harness.NsjAt(t, c, "-n", ns, "ls", "hostname").OK(t); out != "ls\n" {
		t.Fatalf("nsj ls hostname: got %q, want the task ls's hostname", out)
	}
}

func TestTaskLookupErrors(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-err")
	c.RunTask(t, ns, "amb-one")
	c.RunTask(t, ns, "amb-two")
	c.RunTask(t, ns, "stopped", harness.TaskStopped())
	c.RunTask(t, ns, "created", harness.TaskCreated())
	c.RunTask(t, ns, "bare", harness.WithoutTask())
	for _, tc := range []struct{ ref, want string }{
		{"nope", fmt.Sprintf(`no task "nope" in namespace %q`, ns)},
		{"amb", "ambiguous"},
		{"stopped", "stopped"},
		{"created", "created"},
		{"bare", "has no task"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			harness.NsjAt(t, c, "-n", ns, tc.ref, "true").Fails(t, 125, tc.want)
		})
	}
}

func TestTaskFoundInAnotherNamespace(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, harness.UniqueID("nsj-elsewhere"), harness.UniqueID("lonely"))
	r := harness.NsjWith(t, []string{"CONTAINERD_NAMESPACE="}, "-a", c.Address, "--debug", tk.ID, "hostname")
	if r.OK(t) != tk.ID+"\n" || !strings.Contains(r.Stderr, tk.Namespace) {
		t.Fatalf("without -n: got %q, stderr %q; want the task found in %s", r.Stdout, r.Stderr, tk.Namespace)
	}
	// Named explicitly, the namespace is the only one searched.
	harness.NsjAt(t, c, "-n", "nsj-cli", tk.ID, "true").Fails(t, 125, "no task")
}

func TestAddressAndNamespaceFromEnvironment(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-env", harness.UniqueID("env"))
	r := harness.NsjWith(t, []string{"CONTAINERD_ADDRESS=" + c.Address, "CONTAINERD_NAMESPACE=nsj-env"}, tk.ID, "hostname")
	if r.OK(t) != tk.ID+"\n" {
		t.Fatalf("got %q, want %s", r.Stdout, tk.ID)
	}
}

func TestUnreachableContainerd(t *testing.T) {
	dir := t.TempDir()
	harness.Nsj(t, "-a", filepath.Join(dir, "missing.sock"), "x", "true").Fails(t, 125, "missing.sock")
	// A socket that accepts and never answers: a clear error after --timeout, no hang.
	hung := filepath.Join(dir, "hung.sock")
	l, err := net.Listen("unix", hung)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	harness.Nsj(t, "-a", hung, "--timeout", "1s", "x", "true").Fails(t, 125, "hung.sock")
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("nsj took %s against a hung socket with --timeout 1s", d)
	}
}

func TestHostNetworkTaskKeepsHostNetwork(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", harness.UniqueID("hostnet"), harness.WithHostNetwork())
	out := harness.NsjAt(t, c, "-n", "nsj-cli", tk.ID, "sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/uts").OK(t)
	got := strings.Fields(out)
	if got[0] != harness.NSLink(t, os.Getpid(), "net") || got[1] != harness.NSLink(t, int(tk.PID), "uts") {
		t.Fatalf("namespaces %v; want the host's net and the task's uts", got)
	}
	var info struct {
		Namespaces []struct {
			Type    string `json:"type"`
			Private bool   `json:"private"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal([]byte(harness.NsjAt(t, c, "-n", "nsj-cli", "--inspect", tk.ID).OK(t)), &info); err != nil {
		t.Fatal(err)
	}
	net := false
	for _, n := range info.Namespaces {
		if n.Type == "net" {
			net = true
			if n.Private {
				t.Fatalf("--inspect says the host-network task has a private network namespace")
			}
		}
	}
	if !net {
		t.Fatalf("--inspect lists no network namespace: %+v", info.Namespaces)
	}
}

func TestListTableAndJSON(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-list")
	tk := c.RunTask(t, ns, "listed", harness.WithImageName("example.com/busybox:1"))
	c.RunTask(t, ns, "bare", harness.WithoutTask())
	table := harness.NsjAt(t, c, "--list", "-n", ns).OK(t)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "TASK PID STATUS NAMESPACES IMAGE" {
		t.Fatalf("--list table:\n%s", table)
	}
	row := strings.Fields(lines[2])
	if row[0] != "listed" || row[1] != fmt.Sprint(tk.PID) || row[2] != "running" || !strings.Contains(row[3], "net") || row[4] != "example.com/busybox:1" {
		t.Fatalf("--list row %q", lines[2])
	}
	var entries []struct {
		Namespace, ID, Status string
		PID                   uint32
		Namespaces            []string
	}
	if err := json.Unmarshal([]byte(harness.NsjAt(t, c, "--list", "-n", ns, "-o", "json").OK(t)), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[1].ID != "listed" || entries[1].PID != tk.PID || entries[1].Namespace != ns {
		t.Fatalf("--list -o json: %+v", entries)
	}
	if q := harness.NsjAt(t, c, "--list", "-n", ns, "-q").OK(t); q != "bare\nlisted\n" {
		t.Fatalf("--list -q: %q", q)
	}
	if all := harness.NsjAt(t, c, "--list", "-A", "-q").OK(t); !strings.Contains(all, ns+"/listed\n") {
		t.Fatalf("--list -A -q lacks %s/listed:\n%s", ns, all)
	}
}

func TestInspectJSON(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", harness.UniqueID("inspected"), harness.WithLabels(map[string]string{"app": "web"}))
	var info struct {
		ID, Namespace, Status string
		PID                   uint32
		Labels                map[string]string
		Namespaces            []struct {
			Type    string
			Private bool
			Inode   uint64
		}
	}
	if err := json.Unmarshal([]byte(harness.NsjAt(t, c, "-n", "nsj-cli", "--inspect", tk.ID).OK(t)), &info); err != nil {
		t.Fatal(err)
	}
	if info.ID != tk.ID || info.PID != tk.PID || info.Status != "running" || info.Labels["app"] != "web" {
		t.Fatalf("--inspect: %+v", info)
	}
	seen := map[string]bool{}
	for _, n := range info.Namespaces {
		seen[n.Type] = true
		var st syscall.Stat_t
		if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/%s", tk.PID, n.Type), &st); err != nil {
			t.Errorf("--inspect lists namespace type %q, which the task has no file for: %v", n.Type, err)
		} else if n.Inode != st.Ino {
			t.Errorf("--inspect: %s inode %d, the task's is %d", n.Type, n.Inode, st.Ino)
		}
	}
	for _, typ := range []string{"net", "pid", "uts", "ipc"} {
		if !seen[typ] {
			t.Errorf("--inspect lists no %s namespace: %+v", typ, info.Namespaces)
		}
	}
}

func TestDockerTaskInMobyNamespace(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "moby", harness.UniqueID("docker"))
	if out := harness.NsjAt(t, c, "-n", "moby", tk.ID, "hostname").OK(t); out != tk.ID+"\n" {
		t.Fatalf("got %q", out)
	}
}

func TestPausedTaskIsJoinedWithAWarning(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", harness.UniqueID("paused"), harness.TaskPaused())
	r := harness.NsjAt(t, c, "-n", "nsj-cli", tk.ID, "hostname")
	if r.OK(t) != tk.ID+"\n" || !strings.Contains(r.Stderr, "warning") || !strings.Contains(r.Stderr, "paused") {
		t.Fatalf("paused task: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
}

// The task is killed (and restarted) between lookup and join: nsj fails and
// never runs the command in another process's namespaces.
func TestTaskReplacedDuringJoinIsNeverJoined(t *testing.T) {
	c := harness.SharedContainerd(t)
	for _, restart := range []bool{false, true} {
		tk := c.RunTask(t, "nsj-cli", harness.UniqueID("racy"))
		cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", "nsj-cli", tk.ID, "readlink", "/proc/self/ns/net")
		cmd.Env = append(os.Environ(), "_NSJ_TEST_STOP_AT=lookup")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		harness.WaitStopped(t, cmd.Process.Pid)
		if restart {
			c.RestartTask(t, "nsj-cli", tk.ID)
		} else {
			c.KillTask(t, "nsj-cli", tk.ID)
		}
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Wait()
		r := harness.Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
		if r.Stdout != "" {
			t.Fatalf("restart=%v: the command ran (in %s) after the task was replaced", restart, r.Stdout)
		}
		want := "exited"
		if restart {
			want = "try again"
		}
		r.Fails(t, 125, want)
	}
}
