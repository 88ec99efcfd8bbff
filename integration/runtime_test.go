package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/runtime"
)

// These tests run package runtime against the tests' own containerd (1.6 on
// Debian 12), which also checks the harness.

// connect returns a runtime client for c; ns "" means not given (so Find may
// search other namespaces). The environment cannot interfere.
func connect(t *testing.T, c *harness.Containerd, ns string) *runtime.Client {
	t.Helper()
	t.Setenv(runtime.EnvAddress, "")
	t.Setenv(runtime.EnvNamespace, "")
	rc, err := runtime.Connect(context.Background(), runtime.Options{Address: c.Address, Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

func find(t *testing.T, rc *runtime.Client, ref string) *runtime.Target {
	t.Helper()
	tg, err := rc.Find(context.Background(), ref)
	if err != nil {
		t.Fatalf("Find(%q): %v", ref, err)
	}
	return tg
}

// findFails checks that Find fails with an error of kind and a message
// containing want, and returns the message.
func findFails(t *testing.T, rc *runtime.Client, ref string, kind error, want string) string {
	t.Helper()
	tg, err := rc.Find(context.Background(), ref)
	if err == nil {
		t.Fatalf("Find(%q) = %s/%s, want an error", ref, tg.Namespace, tg.ID)
	}
	if !errors.Is(err, kind) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Find(%q) error:\n  %v\nwant kind %v containing\n  %s", ref, err, kind, want)
	}
	return err.Error()
}

func procFile(t *testing.T, pid uint32, name string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConnectReportsVersion(t *testing.T) {
	c := harness.SharedContainerd(t)
	rc := connect(t, c, "")
	v, err := rc.Version(context.Background())
	if err != nil || v == "" || rc.Address() != c.Address || rc.Namespace() != "default" {
		t.Errorf("version %q (%v) address %q namespace %q", v, err, rc.Address(), rc.Namespace())
	}
}

func TestFindExactAndPrefix(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-exact"
	web := c.RunTask(t, ns, "web-1a2b", harness.WithLabels(map[string]string{"app": "web"}), harness.WithImageName("docker.io/library/busybox:1.36"))
	c.RunTask(t, ns, "db")
	rc := connect(t, c, ns)
	for _, ref := range []string{"web-1a2b", "web", "w", ns + "/web-1a2b"} {
		tg := find(t, rc, ref)
		if tg.Namespace != ns || tg.ID != "web-1a2b" || tg.PID != web.PID || tg.Status != runtime.StatusRunning {
			t.Errorf("Find(%q) = %s/%s pid %d %s, want %s/web-1a2b pid %d running", ref, tg.Namespace, tg.ID, tg.PID, tg.Status, ns, web.PID)
		}
		if tg.Image != "docker.io/library/busybox:1.36" || tg.Labels["app"] != "web" || tg.Spec == nil {
			t.Errorf("Find(%q): image %q labels %v spec %v", ref, tg.Image, tg.Labels, tg.Spec != nil)
		}
	}
	tg := find(t, rc, "web-1a2b")
	if got := procFile(t, tg.PID, "cmdline"); got != "sleep\x00100000\x00" {
		t.Errorf("pid %d runs %q, not the container's sleep", tg.PID, got)
	}
	if got := tg.PrivateTypes(); !reflect.DeepEqual(got, []string{"net", "pid", "uts", "ipc"}) {
		t.Errorf("private types %v, want net,pid,uts,ipc", got)
	}
	if err := tg.Inspect(); err != nil {
		t.Fatal(err)
	}
	for _, n := range tg.Namespaces {
		var host, task syscall.Stat_t
		if err := syscall.Stat("/proc/self/ns/"+n.Type, &host); err != nil {
			continue
		}
		if err := syscall.Stat(fmt.Sprintf("/proc/%d/ns/%s", tg.PID, n.Type), &task); err != nil {
			t.Fatal(err)
		}
		if n.Inode != task.Ino {
			t.Errorf("%s: inode %d, the task's is %d", n.Type, n.Inode, task.Ino)
		}
		if n.Private != (n.Inode != host.Ino) {
			t.Errorf("%s: private %v but inode %d (host %d)", n.Type, n.Private, n.Inode, host.Ino)
		}
	}
}

func TestFindAmbiguousPrefix(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-ambiguous"
	c.RunTask(t, ns, "abc1")
	abd := c.RunTask(t, ns, "abd2")
	rc := connect(t, c, ns)
	findFails(t, rc, "ab", runtime.ErrAmbiguous,
		`task prefix "ab" is ambiguous in namespace "nsj-ambiguous": abc1, abd2; give more of the ID`)
	if tg := find(t, rc, "abd"); tg.PID != abd.PID {
		t.Errorf("Find(abd) pid %d, want %d", tg.PID, abd.PID)
	}
}

func TestFindUnknownTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-unknown"
	c.RunTask(t, ns, "one")
	c.RunTask(t, ns, "two")
	findFails(t, connect(t, c, ns), "three", runtime.ErrNotFound,
		`no task "three" in namespace "nsj-unknown" (2 tasks there; see nsj --list -n nsj-unknown)`)
	findFails(t, connect(t, c, "nsj-unknwon"), "one", runtime.ErrNotFound,
		`containerd at `+c.Address+` has no namespace "nsj-unknwon" (it has: `)
	findFails(t, connect(t, c, ""), "nsj-no-such-task", runtime.ErrNotFound,
		`no task "nsj-no-such-task" in any containerd namespace (searched default, `)
}

// fixWithCtr runs the ctr command that an error message suggests, checking
// that it is right. The message names this containerd's socket with -a.
func fixWithCtr(t *testing.T, c *harness.Containerd, msg string) {
	t.Helper()
	harness.RequireBinaries(t, "ctr")
	_, cmd, ok := strings.Cut(msg, "with: ")
	if !ok || !strings.Contains(cmd, "ctr -a "+c.Address+" ") {
		t.Fatalf("no ctr command for %s in %q", c.Address, msg)
	}
	if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}

func TestFindStoppedTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-stopped"
	old := c.RunTask(t, ns, "done", harness.TaskStopped())
	rc := connect(t, c, ns)
	msg := findFails(t, rc, "done", runtime.ErrNotRunning, `task "done" in namespace "nsj-stopped" is stopped; start it again with: ctr -a `)
	fixWithCtr(t, c, msg)
	if tg := find(t, rc, "done"); tg.Status != runtime.StatusRunning || tg.PID == old.PID {
		t.Errorf("after the suggested command: %s pid %d (was %d)", tg.Status, tg.PID, old.PID)
	}
}

func TestFindCreatedTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-created"
	c.RunTask(t, ns, "made", harness.TaskCreated())
	rc := connect(t, c, ns)
	msg := findFails(t, rc, "made", runtime.ErrNotRunning, `task "made" in namespace "nsj-created" is created but not started`)
	fixWithCtr(t, c, msg)
	if tg := find(t, rc, "made"); tg.Status != runtime.StatusRunning {
		t.Errorf("after the suggested command: %s", tg.Status)
	}
}

func TestFindContainerWithoutTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-notask"
	c.RunTask(t, ns, "bare", harness.WithoutTask())
	rc := connect(t, c, ns)
	msg := findFails(t, rc, "bare", runtime.ErrNotRunning, `container "bare" in namespace "nsj-notask" has no task; start it with: ctr -a `)
	fixWithCtr(t, c, msg)
	if tg := find(t, rc, "bare"); tg.Status != runtime.StatusRunning {
		t.Errorf("after the suggested command: %s", tg.Status)
	}
}

func TestFindPausedTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-paused"
	p := c.RunTask(t, ns, "frozen", harness.TaskPaused())
	if tg := find(t, connect(t, c, ns), "frozen"); tg.Status != runtime.StatusPaused || tg.PID != p.PID {
		t.Errorf("got %s pid %d, want paused pid %d", tg.Status, tg.PID, p.PID)
	}
}

func TestFindSearchesOtherNamespaces(t *testing.T) {
	c := harness.SharedContainerd(t)
	c.RunTask(t, "default", "nsj-filler") // so that namespace default exists
	other := c.RunTask(t, "nsj-elsewhere", "lonely-7c1")
	c.RunTask(t, "nsj-twin-a", "twin")
	c.RunTask(t, "nsj-twin-b", "twin")
	rc := connect(t, c, "")
	for _, ref := range []string{"lonely-7c1", "lonely"} {
		if tg := find(t, rc, ref); tg.Namespace != "nsj-elsewhere" || tg.PID != other.PID {
			t.Errorf("Find(%q) = %s/%s pid %d", ref, tg.Namespace, tg.ID, tg.PID)
		}
	}
	findFails(t, rc, "twin", runtime.ErrAmbiguous, "nsj-twin-a/twin, nsj-twin-b/twin; pick one with -n NAMESPACE")
	if tg := find(t, rc, "nsj-twin-b/twin"); tg.Namespace != "nsj-twin-b" {
		t.Errorf("Find(nsj-twin-b/twin) in %s", tg.Namespace)
	}
	// A namespace given explicitly is the only one searched.
	findFails(t, connect(t, c, "default"), "lonely", runtime.ErrNotFound, `no task "lonely" in namespace "default"`)
	t.Setenv(runtime.EnvNamespace, "default")
	rc2, err := runtime.Connect(context.Background(), runtime.Options{Address: c.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer rc2.Close()
	findFails(t, rc2, "lonely", runtime.ErrNotFound, `no task "lonely" in namespace "default"`)
}

func TestFindInMobyNamespace(t *testing.T) {
	c := harness.SharedContainerd(t)
	const id = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
	task := c.RunTask(t, "moby", id)
	tg := find(t, connect(t, c, ""), id[:12])
	if tg.Namespace != "moby" || tg.ID != id || tg.PID != task.PID {
		t.Errorf("got %s/%s pid %d, want moby/%s pid %d", tg.Namespace, tg.ID, tg.PID, id, task.PID)
	}
}

func TestListAllNamespaces(t *testing.T) {
	c := harness.SharedContainerd(t)
	b := c.RunTask(t, "nsj-list-b", "zeta")
	a := c.RunTask(t, "nsj-list-a", "beta", harness.WithHostNetwork())
	c.RunTask(t, "nsj-list-a", "alpha", harness.WithoutTask())
	c.RunTask(t, "nsj-list-a", "gamma", harness.TaskStopped())
	rc := connect(t, c, "nsj-list-a")
	want := []string{
		"nsj-list-a/alpha no-task pid=0 net,pid,uts,ipc",
		fmt.Sprintf("nsj-list-a/beta running pid=%d pid,uts,ipc", a.PID),
		"nsj-list-a/gamma stopped net,pid,uts,ipc",
		fmt.Sprintf("nsj-list-b/zeta running pid=%d net,pid,uts,ipc", b.PID),
	}
	all, err := rc.List(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(all, "nsj-list-"); !reflect.DeepEqual(got, want) {
		t.Errorf("List(all):\n got %q\nwant %q", got, want)
	}
	one, err := rc.List(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(one, ""); !reflect.DeepEqual(got, want[:3]) {
		t.Errorf("List(nsj-list-a):\n got %q\nwant %q", got, want[:3])
	}
}

// listed renders the targets in namespaces starting with prefix; the pid of
// a stopped task is left out.
func listed(ts []runtime.Target, prefix string) []string {
	var out []string
	for _, t := range ts {
		if !strings.HasPrefix(t.Namespace, prefix) {
			continue
		}
		pid := fmt.Sprintf(" pid=%d", t.PID)
		if t.Status == runtime.StatusStopped {
			pid = ""
		}
		out = append(out, fmt.Sprintf("%s/%s %s%s %s", t.Namespace, t.ID, t.Status, pid, strings.Join(t.PrivateTypes(), ",")))
	}
	return out
}

func TestRecheckDetectsRestart(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-recheck"
	c.RunTask(t, ns, "phoenix")
	rc := connect(t, c, ns)
	tg := find(t, rc, "phoenix")
	if err := rc.Recheck(context.Background(), tg); err != nil {
		t.Fatalf("Recheck of an unchanged task: %v", err)
	}
	c.RestartTask(t, ns, "phoenix")
	err := rc.Recheck(context.Background(), tg)
	if !errors.Is(err, runtime.ErrChanged) || !strings.Contains(err.Error(), "the task restarted while nsj was joining it; try again") {
		t.Errorf("Recheck after restart: %v", err)
	}
	tg = find(t, rc, "phoenix")
	c.KillTask(t, ns, "phoenix")
	if err := rc.Recheck(context.Background(), tg); !errors.Is(err, runtime.ErrChanged) || !strings.Contains(err.Error(), "exited while nsj was joining it") {
		t.Errorf("Recheck after kill: %v", err)
	}
	c.RemoveTask(t, ns, "phoenix")
	if err := rc.Recheck(context.Background(), tg); !errors.Is(err, runtime.ErrChanged) || !strings.Contains(err.Error(), "exited and was removed") {
		t.Errorf("Recheck after removal: %v", err)
	}
}

func TestSpecWithoutNetworkIsHostNetwork(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-hostnet"
	c.RunTask(t, ns, "hostnet", harness.WithHostNetwork(), harness.WithArgs("sh", "-c", "sleep 1000 & sleep 1000"))
	tg := find(t, connect(t, c, ns), "hostnet")
	if err := tg.Inspect(); err != nil {
		t.Fatal(err)
	}
	var hostNet syscall.Stat_t
	if err := syscall.Stat("/proc/self/ns/net", &hostNet); err != nil {
		t.Fatal(err)
	}
	for _, n := range tg.Namespaces {
		switch {
		case n.Type == "net" && (n.Private || n.Inode != hostNet.Ino):
			t.Errorf("net: private %v inode %d, want shared with the host (%d)", n.Private, n.Inode, hostNet.Ino)
		case n.Type == "pid" && !n.Private:
			t.Errorf("pid namespace not private")
		}
	}
	if got := tg.PrivateTypes(); !reflect.DeepEqual(got, []string{"pid", "uts", "ipc"}) {
		t.Errorf("private types %v, want pid,uts,ipc", got)
	}
	// busybox sh execs its last command: pid 1 becomes the second sleep
	// (the task may be found before sh got there).
	harness.WaitFor(t, 10*time.Second, "the task's sh to exec sleep", func() bool {
		return procFile(t, tg.PID, "cmdline") == "sleep\x001000\x00"
	})
}

func TestRuncStateStaysInTestRoot(t *testing.T) {
	c := harness.SharedContainerd(t)
	const ns = "nsj-runcroot"
	c.RunTask(t, ns, "rooted")
	if _, err := os.Stat(fmt.Sprintf("%s/%s/rooted/state.json", c.RuncRoot, ns)); err != nil {
		t.Errorf("runc state not under the test's runc root: %v", err)
	}
}
