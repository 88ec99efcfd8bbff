package integration

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The container's filesystem from host tools: --root-at DIR (the container's
// root in nsj's private host view) and --fs container (a static host binary
// in the container's own mount namespace), against containerd tasks.

const fsNS = "nsj-fs"

func TestRootAtLetsHostToolsReadAndWriteTheContainersFiles(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("rootat"), harness.WithSpecOpts(harness.WithWritableTmp()),
		harness.WithArgs("sh", "-c", "echo written-by-the-container > /tmp/from-ctr && exec sleep 100000"))
	harness.WaitFor(t, 10*time.Second, "the container's file", harness.Exists(harness.InTask(tk, "/tmp/from-ctr")))
	mounts := harness.SaveHostMounts(t)
	dir := filepath.Join(t.TempDir(), "missing", "root") // nsj creates both

	// The host's cat and sh, on the container's files at DIR.
	out := harness.NsjAt(t, c, "-n", fsNS, "--root-at", dir, tk.ID, "sh", "-c",
		`echo "$NSJ_ROOT"; cat "$NSJ_ROOT/tmp/from-ctr"; echo written-through-dir > "$NSJ_ROOT/tmp/from-host"`).OK(t)
	if want := dir + "\nwritten-by-the-container\n"; out != want {
		t.Fatalf("got %q, want NSJ_ROOT and the container's file: %q", out, want)
	}
	if got := harness.ReadFile(t, harness.InTask(tk, "/tmp/from-host")); got != "written-through-dir\n" {
		t.Fatalf("the container sees %q in /tmp/from-host", got)
	}
	mounts.Unchanged(t, "the host's mount table changed")
	if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s, which nsj created, is still on the host: %v", filepath.Dir(dir), err)
	}
}

// While the command runs, the host sees an empty directory at DIR, not a
// mount; a directory that existed before stays, and stays empty.
func TestRootAtIsInvisibleToTheHostWhileItRuns(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("rootat-live"))
	dir := t.TempDir()
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", fsNS, "--root-at", dir, tk.ID,
		"sh", "-c", `ls "$NSJ_ROOT/bin/busybox" && read line`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, _ := bufio.NewReader(stdout).ReadString('\n') // the command is at work
	if line != dir+"/bin/busybox\n" {
		t.Fatalf("the command did not see the container's /bin/busybox at DIR: %q", line)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the host sees %d entries in %s (%v) while nsj runs; want an empty directory", len(entries), dir, err)
	}
	if strings.Contains(harness.ReadFile(t, "/proc/self/mountinfo"), dir) {
		t.Errorf("%s is in the host's mount table", dir)
	}
	stdin.Write([]byte("done\n"))
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("nsj: %v", err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the directory that existed before is gone or not empty: %v %v", entries, err)
	}
}

func TestRootAtRemovesItsDirectoryWhenTheCommandCannotStart(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("rootat-fail"))
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b")
	harness.NsjAt(t, c, "-n", fsNS, "--root-at", dir, "-w", "/no/such/dir", tk.ID, "true").Fails(t, 125, "changing to directory /no/such/dir")
	harness.NsjAt(t, c, "-n", fsNS, "--root-at", dir, tk.ID, "no-such-command-nsj").Fails(t, 127, "no-such-command-nsj")
	r := harness.NsjAt(t, c, "-n", fsNS, "--root-at", dir, tk.ID, "sh", "-c", "exit 7")
	if r.Code != 7 {
		t.Fatalf("exit status %d, want the command's 7; stderr %q", r.Code, r.Stderr)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 0 {
		t.Fatalf("left on the host in %s: %v", base, entries)
	}
}

func TestFsContainerRunsAStaticHostBinaryInADistrolessContainer(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("distroless"), harness.WithArgs("/sleep", "100000"),
		harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	mounts0 := harness.ReadMounts(t, fmt.Sprintf("/proc/%d/mountinfo", tk.PID))

	// ls / lists the container's root: there is no ls in it, and no shell.
	entries, err := os.ReadDir(harness.InTask(tk, "/"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "ls", "/").OK(t)
	if got := strings.Fields(out); !slices.Equal(got, want) || !slices.Contains(got, "sleep") {
		t.Fatalf("busybox ls / lists %q; the container's root holds %q", got, want)
	}
	// The busybox shell's applets work there too, with the container's /proc.
	out = harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "sh", "-c",
		`cat /etc/hostname; echo "$NSJ_ROOT"; pwd; cat /proc/1/cmdline | tr '\0' ' '`).OK(t)
	if out != "distroless\n/\n/\n/sleep 100000 " {
		t.Fatalf("got %q, want the container's hostname file, NSJ_ROOT=/, / and its init", out)
	}
	// The binary's fd does not reach the command: ls sees 0-2 and its own 3.
	if out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "ls", "/proc/self/fd").OK(t); strings.Join(strings.Fields(out), " ") != "0 1 2 3" {
		t.Fatalf("the command's fds: %q, want stdio and ls's directory", out)
	}
	if d := mounts0.Changes(t, nil); d != "" {
		t.Errorf("the container's mount table changed: %s", d)
	}
}

func TestFsContainerPsShowsTheContainersProcesses(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("ps"), harness.WithArgs("sh", "-c", "sleep 100001 & exec sleep 100000"))
	harness.WaitFor(t, 10*time.Second, "the task's child", func() bool { return harness.ChildOf(int(tk.PID)) > 0 })
	out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "ps", "-o", "pid,args").OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || strings.Join(strings.Fields(lines[1]), " ") != "1 sleep 100000" ||
		!strings.HasSuffix(lines[2], "sleep 100001") || !strings.HasSuffix(lines[3], "ps -o pid,args") {
		t.Fatalf("busybox ps in the container shows %q; want its init, its child and ps", lines)
	}
}

func TestFsContainerRefusesDynamicBinariesAndScripts(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("refuse"))
	ls, err := exec.LookPath("ls")
	if err != nil {
		t.Fatal(err)
	}
	r := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, ls, "/")
	r.Fails(t, 126, ls+": dynamically linked")
	if !strings.Contains(r.Stderr, "busybox-static") || !strings.Contains(r.Stderr, "nsj --fs container "+tk.ID+" /bin/busybox sh") {
		t.Fatalf("no hint to a static build: %q", r.Stderr)
	}
	script := filepath.Join(t.TempDir(), "hello.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, script).Fails(t, 126, script+": a script (#!/bin/sh)")
	// In the host view (the default) both run.
	if out := harness.NsjAt(t, c, "-n", fsNS, tk.ID, script).OK(t); out != "hello\n" {
		t.Fatalf("the script in the host view: %q", out)
	}
}

// -w is a path in the container, resolved inside its root: the container's
// links are followed within it, and none leads to a host directory, not
// even through its /proc (a container in the host's pid namespace, where
// /proc/PID/root of a host process, this test's, is the host's root).
func TestFsContainerWorkingDirectoryCannotLeaveTheContainer(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "marker"), []byte("host secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	magic := fmt.Sprintf("/proc/%d/root%s", os.Getpid(), host)
	links := fmt.Sprintf("ln -s /etc /tmp/etc && ln -s %[1]s /tmp/abs && ln -s ../../../..%[1]s /tmp/up && ln -s %[2]s /tmp/magic", host, magic)
	tk := c.RunTask(t, fsNS, harness.UniqueID("wd"), harness.WithArgs("sh", "-c", links+" && exec sleep 100000"),
		harness.WithSpecOpts(harness.WithWritableTmp(), oci.WithHostNamespace(specs.PIDNamespace)))
	harness.WaitFor(t, 10*time.Second, "the planted links", harness.Exists(harness.InTask(tk, "/tmp/magic")))

	// Followed by a command with the host's privileges, the magic link leads
	// to the host (confined to the container's, the command may not follow
	// it: /proc/PID/root of a more privileged process).
	if out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", "--privileged", tk.ID, busybox, "cat", "/tmp/magic/marker").OK(t); out != "host secret\n" {
		t.Fatalf("the planted link does not lead to the host (%q): the test proves nothing", out)
	}
	out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", "-w", "/tmp/etc", tk.ID, busybox, "sh", "-c", "pwd; cat hostname").OK(t)
	if out != "/etc\nnsj-test\n" {
		t.Fatalf("-w /tmp/etc: got %q, want the container's /etc", out)
	}
	for _, link := range []string{"/tmp/abs", "/tmp/up", "/tmp/magic", magic} {
		r := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", "-w", link, tk.ID, busybox, "cat", "marker")
		if r.Stdout != "" {
			t.Fatalf("-w %s led to the host: the command printed %q", link, r.Stdout)
		}
		r.Fails(t, 125, "changing to directory "+link+" in the container")
	}
}

func TestFsContainerWithoutCommandRunsTheHostsBusyboxShell(t *testing.T) {
	c := harness.SharedContainerd(t)
	harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("default-sh"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", fsNS, "--fs", "container", tk.ID)
	cmd.Stdin = strings.NewReader("cat /etc/hostname; ls /\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nsj: %v", err)
	}
	want := []string{"distroless"}
	entries, err := os.ReadDir(harness.InTask(tk, "/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		want = append(want, e.Name())
	}
	if got := strings.Fields(string(out)); !slices.Equal(got, want) {
		t.Fatalf("the default shell printed %q, want the container's hostname file and root %q", got, want)
	}
}
