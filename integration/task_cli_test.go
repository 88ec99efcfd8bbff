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
)

// A user session against containerd: nsj -a SOCKET -n NAMESPACE TASK COMMAND.

// uniqueID makes container IDs that no other test uses.
func uniqueID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

// nsjAt runs nsj against containerd c.
func nsjAt(t *testing.T, c *Containerd, args ...string) result {
	t.Helper()
	return nsj(t, append([]string{"-a", c.Address}, args...)...)
}

func TestTaskPsShowsTheTasksProcesses(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", uniqueID("web"), WithArgs("sh", "-c", "sleep 100001 & exec sleep 100000"))
	waitFor(t, 10*time.Second, "the task's sh to exec sleep", func() bool {
		return readFile(t, fmt.Sprintf("/proc/%d/cmdline", tk.PID)) == "sleep\x00100000\x00"
	})
	out := nsjAt(t, c, "-n", "nsj-cli", tk.ID, "ps", "-e", "-o", "pid=,args=").ok(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "1 sleep 100000" ||
		!strings.HasSuffix(lines[1], "sleep 100001") {
		t.Fatalf("ps in the task shows %q; want its init (pid 1), its child and ps", lines)
	}
	// pid 1 in there is the task's process containerd reports.
	if cmdline := readFile(t, fmt.Sprintf("/proc/%d/cmdline", tk.PID)); cmdline != "sleep\x00100000\x00" {
		t.Fatalf("the task's PID %d runs %q, not the pid 1 ps showed", tk.PID, cmdline)
	}
}

func TestTaskIpShowsOnlyLoopback(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", uniqueID("net"))
	out := nsjAt(t, c, "-n", "nsj-cli", tk.ID, "ip", "-o", "link").ok(t)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "1: lo:") {
		t.Fatalf("ip -o link in the task shows %q; want only lo", lines)
	}
}

func TestTaskByUniquePrefixAndFlagsAfterTarget(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", uniqueID("prefixed"))
	// Everything after the task is the command, even words that look like nsj's flags.
	out := nsjAt(t, c, "-n", "nsj-cli", tk.ID[:len(tk.ID)-2], "sh", "-c", `hostname; printf '%s\n' "$*"`, "sh", "-n", "--list").ok(t)
	if out != tk.ID+"\n-n --list\n" {
		t.Fatalf("got %q, want the task's hostname and the command's own -n --list", out)
	}
}

func TestTaskNamedLikeACommand(t *testing.T) {
	c := sharedContainerd(t)
	ns := uniqueID("nsj-ls")
	c.RunTask(t, ns, "ls")
	if out := nsjAt(t, c, "-n", ns, "ls", "hostname").ok(t); out != "ls\n" {
		t.Fatalf("nsj ls hostname: got %q, want the task ls's hostname", out)
	}
}

func TestTaskLookupErrors(t *testing.T) {
	c := sharedContainerd(t)
	ns := uniqueID("nsj-err")
	c.RunTask(t, ns, "amb-one")
	c.RunTask(t, ns, "amb-two")
	c.RunTask(t, ns, "stopped", TaskStopped())
	c.RunTask(t, ns, "created", TaskCreated())
	c.RunTask(t, ns, "bare", WithoutTask())
	for _, tc := range []struct{ ref, want string }{
		{"nope", fmt.Sprintf(`no task "nope" in namespace %q`, ns)},
		{"amb", "ambiguous"},
		{"stopped", "stopped"},
		{"created", "created"},
		{"bare", "has no task"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			nsjAt(t, c, "-n", ns, tc.ref, "true").fails(t, 125, tc.want)
		})
	}
}

func TestTaskFoundInAnotherNamespace(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, uniqueID("nsj-elsewhere"), uniqueID("lonely"))
	r := nsjWith(t, []string{"CONTAINERD_NAMESPACE="}, "-a", c.Address, "--debug", tk.ID, "hostname")
	if r.ok(t) != tk.ID+"\n" || !strings.Contains(r.stderr, tk.Namespace) {
		t.Fatalf("without -n: got %q, stderr %q; want the task found in %s", r.stdout, r.stderr, tk.Namespace)
	}
	// Named explicitly, the namespace is the only one searched.
	nsjAt(t, c, "-n", "nsj-cli", tk.ID, "true").fails(t, 125, "no task")
}

func TestAddressAndNamespaceFromEnvironment(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-env", uniqueID("env"))
	r := nsjWith(t, []string{"CONTAINERD_ADDRESS=" + c.Address, "CONTAINERD_NAMESPACE=nsj-env"}, tk.ID, "hostname")
	if r.ok(t) != tk.ID+"\n" {
		t.Fatalf("got %q, want %s", r.stdout, tk.ID)
	}
}

func TestUnreachableContainerd(t *testing.T) {
	dir := t.TempDir()
	nsj(t, "-a", filepath.Join(dir, "missing.sock"), "x", "true").fails(t, 125, "missing.sock")
	// A socket that accepts and never answers: a clear error after --timeout, no hang.
	hung := filepath.Join(dir, "hung.sock")
	l, err := net.Listen("unix", hung)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	nsj(t, "-a", hung, "--timeout", "1s", "x", "true").fails(t, 125, "hung.sock")
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("nsj took %s against a hung socket with --timeout 1s", d)
	}
}

func TestHostNetworkTaskKeepsHostNetwork(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", uniqueID("hostnet"), WithHostNetwork())
	out := nsjAt(t, c, "-n", "nsj-cli", tk.ID, "sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/uts").ok(t)
	got := strings.Fields(out)
	if got[0] != nsLink(t, os.Getpid(), "net") || got[1] != nsLink(t, int(tk.PID), "uts") {
		t.Fatalf("namespaces %v; want the host's net and the task's uts", got)
	}
	var info struct {
		Namespaces []struct {
			Type    string `json:"type"`
			Private bool   `json:"private"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal([]byte(nsjAt(t, c, "-n", "nsj-cli", "--inspect", tk.ID).ok(t)), &info); err != nil {
		t.Fatal(err)
	}
	for _, n := range info.Namespaces {
		if n.Type == "net" && n.Private {
			t.Fatalf("--inspect says the host-network task has a private network namespace")
		}
	}
}

func TestListTableAndJSON(t *testing.T) {
	c := sharedContainerd(t)
	ns := uniqueID("nsj-list")
	tk := c.RunTask(t, ns, "listed", WithImageName("example.com/busybox:1"))
	c.RunTask(t, ns, "bare", WithoutTask())
	table := nsjAt(t, c, "--list", "-n", ns).ok(t)
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
	if err := json.Unmarshal([]byte(nsjAt(t, c, "--list", "-n", ns, "-o", "json").ok(t)), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[1].ID != "listed" || entries[1].PID != tk.PID || entries[1].Namespace != ns {
		t.Fatalf("--list -o json: %+v", entries)
	}
	if q := nsjAt(t, c, "--list", "-n", ns, "-q").ok(t); q != "bare\nlisted\n" {
		t.Fatalf("--list -q: %q", q)
	}
	if all := nsjAt(t, c, "--list", "-A", "-q").ok(t); !strings.Contains(all, ns+"/listed\n") {
		t.Fatalf("--list -A -q lacks %s/listed:\n%s", ns, all)
	}
}

func TestInspectJSON(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", uniqueID("inspected"), WithLabels(map[string]string{"app": "web"}))
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
	if err := json.Unmarshal([]byte(nsjAt(t, c, "-n", "nsj-cli", "--inspect", tk.ID).ok(t)), &info); err != nil {
		t.Fatal(err)
	}
	if info.ID != tk.ID || info.PID != tk.PID || info.Status != "running" || info.Labels["app"] != "web" {
		t.Fatalf("--inspect: %+v", info)
	}
	for _, n := range info.Namespaces {
		var st syscall.Stat_t
		if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/%s", tk.PID, n.Type), &st); err == nil && n.Inode != st.Ino {
			t.Errorf("--inspect: %s inode %d, the task's is %d", n.Type, n.Inode, st.Ino)
		}
	}
}

func TestDockerTaskInMobyNamespace(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "moby", uniqueID("docker"))
	if out := nsjAt(t, c, "-n", "moby", tk.ID, "hostname").ok(t); out != tk.ID+"\n" {
		t.Fatalf("got %q", out)
	}
}

func TestPausedTaskIsJoinedWithAWarning(t *testing.T) {
	c := sharedContainerd(t)
	tk := c.RunTask(t, "nsj-cli", uniqueID("paused"), TaskPaused())
	r := nsjAt(t, c, "-n", "nsj-cli", tk.ID, "hostname")
	if r.ok(t) != tk.ID+"\n" || !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "paused") {
		t.Fatalf("paused task: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

// The task is killed (and restarted) between lookup and join: nsj fails and
// never runs the command in another process's namespaces.
func TestTaskReplacedDuringJoinIsNeverJoined(t *testing.T) {
	c := sharedContainerd(t)
	for _, restart := range []bool{false, true} {
		tk := c.RunTask(t, "nsj-cli", uniqueID("racy"))
		cmd := exec.Command(nsjPath(t), "-a", c.Address, "-n", "nsj-cli", tk.ID, "readlink", "/proc/self/ns/net")
		cmd.Env = append(os.Environ(), "_NSJ_TEST_STOP_AT=lookup")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitStopped(t, cmd.Process.Pid)
		if restart {
			c.RestartTask(t, "nsj-cli", tk.ID)
		} else {
			c.KillTask(t, "nsj-cli", tk.ID)
		}
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Wait()
		r := result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
		if r.stdout != "" {
			t.Fatalf("restart=%v: the command ran (in %s) after the task was replaced", restart, r.stdout)
		}
		want := "exited"
		if restart {
			want = "try again"
		}
		r.fails(t, 125, want)
	}
}
