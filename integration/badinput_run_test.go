package integration

import (
	"bytes"
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
	"github.com/nsj-dev/nsj/nsjoin"
	"golang.org/x/sys/unix"
)

// The environment and the ways of running nsj of the bad-input cases
// (badinput_test.go).

func newBadEnv(t *testing.T) *badEnv {
	t.Helper()
	c := harness.SharedContainerd(t)
	e := &badEnv{c: c, task: c.RunTask(t, "nsj-badinput", harness.UniqueID("bad")), pid: harness.StartTarget(t, "sleep 100000").PIDArg()}
	dir, err := os.MkdirTemp("/tmp", "nsj-bad-") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	e.dir, e.commaDir, e.notExecDir = dir, filepath.Join(dir, "a,b"), filepath.Join(dir, "noexec")
	for _, d := range []string{e.commaDir, e.notExecDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.notExecDir, "script"), []byte("#!/bin/sh\necho ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte("\x00\xffnot HTTP/2, not gRPC\r\n"), 64)
	e.garbage = serve(t, filepath.Join(dir, "garbage.sock"), func(c net.Conn) { c.Write(junk); c.Close() })
	e.hung = serve(t, filepath.Join(dir, "hung.sock"), func(c net.Conn) {}) // never answers
	return e
}

// serve listens on a unix socket and hands each connection to handle; the
// connections and the listener are closed when the test ends.
func serve(t *testing.T, path string, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			handle(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return path
}

func (e *badEnv) expand(s string) string {
	return strings.NewReplacer("{dir}", e.dir, "{comma}", e.commaDir, "{garbage}", e.garbage, "{task}", e.task.ID).Replace(s)
}

// env marks the processes of the current case (see hostState).
func (e *badEnv) env() []string { return []string{"NSJ_BADINPUT_CASE=" + e.mark} }

// hostSnapshot is what a case must leave as it was.
type hostSnapshot struct {
	mounts harness.HostMounts
	mark   string // in the environment of every process the case starts
}

func hostState(t *testing.T) hostSnapshot {
	return hostSnapshot{harness.SaveHostMounts(t), t.Name()}
}

// hostUnchanged compares the mount tables with before and looks for
// processes the case started that are still there (given a moment to exit).
func hostUnchanged(t *testing.T, before hostSnapshot) {
	t.Helper()
	before.mounts.Unchanged(t, "the host's mount table changed")
	var left []int
	deadline := time.Now().Add(5 * time.Second)
	for left = marked(before.mark); len(left) > 0 && time.Now().Before(deadline); left = marked(before.mark) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, pid := range left {
		t.Errorf("process %d (%s) is left behind", pid, strings.TrimSpace(harness.ReadFileOr(fmt.Sprintf("/proc/%d/cmdline", pid))))
		syscall.Kill(pid, syscall.SIGKILL) // started by this test
	}
}

// marked lists the processes whose environment holds NSJ_BADINPUT_CASE=mark.
func marked(mark string) []int {
	want := []byte("\x00NSJ_BADINPUT_CASE=" + mark + "\x00")
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err == nil && bytes.Contains(append([]byte{0}, env...), want) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func runPlain(t *testing.T, e *badEnv, args []string) harness.Result {
	return harness.NsjWith(t, e.env(), args...)
}

func withEnv(kv string) func(t *testing.T, e *badEnv, args []string) harness.Result {
	return func(t *testing.T, e *badEnv, args []string) harness.Result {
		return harness.NsjWith(t, append(e.env(), kv), args...)
	}
}

// withJunkRequest hands nsj's constructor a join request it did not write,
// sealed as nsj seals its own: the parser refuses it.
func withJunkRequest(t *testing.T, e *badEnv, args []string) harness.Result {
	junk := "NSJ1\x20\x00\x00\x00" + strings.Repeat("\xff", 24)
	return withRequest(t, e, args, requestFile(t, []byte(junk), sealed))
}

// withForgedRequest hands nsj's constructor a valid join request that nsj
// did not write, in a file of the given kind, asking it to create the file
// {dir}/forged; the constructor must refuse it and create nothing.
func withForgedRequest(kind requestKind) func(t *testing.T, e *badEnv, args []string) harness.Result {
	return func(t *testing.T, e *badEnv, args []string) harness.Result {
		forged := filepath.Join(e.dir, "forged")
		req := &nsjoin.JoinRequest{Path: "/bin/sh", Args: []string{"sh", "-c", "echo > " + forged}, Env: []string{"PATH=/usr/bin:/bin"}}
		b, err := req.Encode()
		if err != nil {
			t.Fatal(err)
		}
		r := withRequest(t, e, args, requestFile(t, b, kind))
		if _, err := os.Lstat(forged); err == nil {
			os.Remove(forged)
			t.Errorf("the forged request ran: %s exists", forged)
		}
		return r
	}
}

// requestKind is where a forged request is: a regular file, a memfd
// without seals, a memfd sealed as nsj seals its own.
type requestKind int

const (
	regular requestKind = iota
	unsealed
	sealed
)

func requestFile(t *testing.T, b []byte, kind requestKind) *os.File {
	t.Helper()
	if kind == regular {
		f, err := os.CreateTemp(t.TempDir(), "request")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(b)
		return f
	}
	fd, err := unix.MemfdCreate("forged-request", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "forged-request")
	f.Write(b)
	if kind == sealed {
		if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// withRequest runs nsj with f at fd 3 and _NSJ_JOIN_REQUEST=3.
func withRequest(t *testing.T, e *badEnv, args []string, f *os.File) harness.Result {
	defer f.Close()
	cmd := exec.Command(harness.NsjPath(t), args...)
	cmd.Env = append(append(os.Environ(), e.env()...), "_NSJ_JOIN_REQUEST=3")
	cmd.ExtraFiles = []*os.File{f}
	return harness.RunCmd(cmd)
}

// inPrivateMounts runs nsj after script, in a mount namespace of its own
// (unshare -m) that the host never sees. $PID in script is the target.
func inPrivateMounts(script string) func(t *testing.T, e *badEnv, args []string) harness.Result {
	return func(t *testing.T, e *badEnv, args []string) harness.Result {
		harness.RequireBinaries(t, "unshare", "mount")
		cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", script + ` && exec "$@"`, "sh", harness.NsjPath(t)}, args...)...)
		cmd.Env = append(append(os.Environ(), e.env()...), "PID="+e.pid)
		return harness.RunCmd(cmd)
	}
}

// runAsNobody runs a copy of nsj that user nobody can reach, as nobody.
func runAsNobody(t *testing.T, e *badEnv, args []string) harness.Result {
	dir, err := os.MkdirTemp("", "nsj-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "nsj")
	if err := harness.CopyFile(harness.NsjPath(t), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), e.env()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	return harness.RunCmd(cmd)
}

// runTargetExitingMidJoin kills a target after nsj opened its namespaces
// and before the constructor joins them.
func runTargetExitingMidJoin(t *testing.T, e *badEnv, _ []string) harness.Result {
	return joinWhileTargetExits(t, e.env())
}

// runAtExecLimit gives nsj a command line and environment that just fit
// the kernel's limit for its own exec (strings, their terminators and
// pointers: fs/exec.c). nsj's re-exec adds _NSJ_JOIN_REQUEST to the
// environment but passes no argument (the join request carries them), so
// it fits, and so does the command's exec, with arguments shorter than
// nsj's own.
func runAtExecLimit(t *testing.T, e *badEnv, _ []string) harness.Result {
	dir, err := os.MkdirTemp("/tmp", "n")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "nsj")
	if err := harness.CopyFile(harness.NsjPath(t), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &rl); err != nil {
		t.Fatal(err)
	}
	limit := max(min(rl.Cur/4, 6<<20), 128<<10)
	env := append([]string{"PATH=" + os.Getenv("PATH")}, e.env()...)
	argv := []string{bin, "-t", e.pid, "true"}
	size := uint64(len(bin) + 1)
	for _, s := range append(append([]string{}, argv...), env...) {
		size += uint64(len(s)) + 1 + 8
	}
	for size+8+9 < limit {
		n := min(128<<10-1, limit-8-size-9)
		argv = append(argv, strings.Repeat("x", int(n)))
		size += n + 1 + 8
	}
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Env = env
	return harness.RunCmd(cmd)
}
