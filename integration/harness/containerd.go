package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"
)

// RequireRoot skips the test unless it runs as root; under CI=true it fails
// instead, so that a misconfigured CI does not pass silently.
func RequireRoot(t testing.TB) {
	t.Helper()
	Need(t, os.Geteuid() == 0, "needs root (run the integration tests with sudo)")
}

// RequireBinaries skips (fails under CI=true) unless every named program is
// in $PATH.
func RequireBinaries(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		_, err := exec.LookPath(name)
		Need(t, err == nil, "needs %s in $PATH: %v", name, err)
	}
}

// Containerd is a containerd daemon started by the tests, with its own
// socket, root, state, runc root and cgroup parent, all under Dir.
type Containerd struct {
	Address      string // gRPC socket
	Root, State  string
	Dir          string // temporary directory holding all of the above
	RuncRoot     string // runc --root of its containers
	CgroupParent string // parent cgroup of its containers, e.g. /nsj-test-1234-567890 (pid, Dir suffix)
	Netns        string // network namespace file it runs in (a cluster node's); "": the host's
	LogPath      string
	PID          int
	Client       *client.Client

	daemon     *Daemon  // nil until started; found again by its PID for AttachCRI
	newDirs    []string // directories outside Dir the shims create, to rmdir
	mu         sync.Mutex
	containers []string // "namespace/id" of every container RunTask made
	stop       StopOnce
	stopping   atomic.Bool // Stop has begun: per-test cleanups have nothing to do
}

// StartContainerd starts a containerd of the test's own and stops it, with
// everything it ran, when the test ends. Most tests should share one with
// SharedContainerd instead: a start takes about a second.
func StartContainerd(t testing.TB) *Containerd {
	t.Helper()
	RequireRoot(t)
	RequireBinaries(t, "containerd", "runc", "containerd-shim-runc-v2")
	c, err := newContainerd()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("containerd log:\n%s", c.LogTail(0))
		}
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// SharedContainerd returns the containerd shared by the tests of this binary,
// starting it on first use; TestMain stops it after all tests (AtExit). If
// the test fails, the daemon's log lines written during the test are logged.
func SharedContainerd(t testing.TB) *Containerd {
	t.Helper()
	RequireRoot(t)
	RequireBinaries(t, "containerd", "runc", "containerd-shim-runc-v2")
	BusyboxRootfs(t) // first, so that it is removed after containerd stops
	c, err := sharedContainerd()
	if err != nil {
		t.Fatal(err)
	}
	c.logOnFailure(t, "containerd")
	return c
}

// logOnFailure logs, if t fails, the log lines the daemon (what) writes
// from now on.
func (c *Containerd) logOnFailure(t testing.TB, what string) {
	offset := c.LogSize()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s log during the test:\n%s", what, c.LogTail(offset))
		}
	})
}

var sharedContainerd = SharedBed("the tests' containerd", newContainerd)

// containerdIn is a Containerd whose files are all in dir (made by
// os.MkdirTemp with prefix): socket, root, state, runc root, log; its
// cgroup parent is named after the test binary's PID and dir.
func containerdIn(dir, prefix string) *Containerd {
	return &Containerd{
		Dir: dir, Address: filepath.Join(dir, "c.sock"),
		Root: filepath.Join(dir, "root"), State: filepath.Join(dir, "state"),
		RuncRoot: filepath.Join(dir, "runc"), LogPath: filepath.Join(dir, "containerd.log"),
		CgroupParent: fmt.Sprintf("/nsj-test-%d-%s", os.Getpid(), strings.TrimPrefix(filepath.Base(dir), prefix)),
	}
}

// newContainerd starts a containerd in a new directory under /tmp (short, as
// unix socket paths are limited to 108 bytes) and waits until it answers.
func newContainerd() (_ *Containerd, err error) {
	dir, err := os.MkdirTemp("/tmp", "nsj-ctd-")
	if err != nil {
		return nil, err
	}
	c := containerdIn(dir, "nsj-ctd-")
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w\ncontainerd log:\n%s", err, c.LogTail(0))
			if serr := c.Stop(); serr != nil {
				err = errors.Join(err, serr)
			}
		}
	}()
	// containerd 1.6 shims put their sockets in /run/containerd/s whatever
	// the state directory; remove those directories at the end if we made them.
	for _, d := range []string{"/run/containerd/s", "/run/containerd"} {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			c.newDirs = append(c.newDirs, d)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(c.config()), 0o600); err != nil {
		return c, err
	}
	if err := c.start(); err != nil {
		return c, err
	}
	return c, c.waitReady(20 * time.Second)
}

// config is a containerd 1.6+ (version 2) configuration. CRI and plugins that
// the tests do not need are disabled; "opt" would create /opt/containerd,
// containerd 2.x's NRI /var/run/nri.
func (c *Containerd) config() string {
	return c.baseConfig("io.containerd.grpc.v1.cri")
}

// baseConfig is the part of a version 2 configuration every containerd of
// the bed has: its directories and sockets, and the plugins the tests do
// not need disabled, with more.
func (c *Containerd) baseConfig(more ...string) string {
	disabled := append(more,
		"io.containerd.internal.v1.opt", "io.containerd.internal.v1.tracing", "io.containerd.nri.v1.nri",
		"io.containerd.tracing.processor.v1.otlp", "io.containerd.snapshotter.v1.btrfs",
		"io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
		"io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.blockfile",
	)
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["%s"]

[grpc]
  address = %q

[ttrpc]
  address = %q
`, c.Root, c.State, strings.Join(disabled, `", "`), c.Address, c.Address+".ttrpc")
}

func (c *Containerd) start() error {
	cmd := exec.Command("containerd", "--config", filepath.Join(c.Dir, "config.toml"), "--log-level", "debug")
	if c.Netns != "" { // nsenter joins the network namespace only, then executes containerd: same PID
		cmd = exec.Command("nsenter", append([]string{"--net=" + c.Netns, "--"}, cmd.Args...)...)
	}
	if Cgroup2Bed() {
		cmd = inCgroup2View(cmd) // cgroup2_test.go
	}
	d, err := startDaemon("containerd", c.LogPath, cmd)
	if err != nil {
		return err
	}
	c.daemon, c.PID = d, d.Proc.PID
	return nil
}

// waitReady polls the Version call until containerd answers.
func (c *Containerd) waitReady(timeout time.Duration) error {
	var err error
	c.Client, err = client.New(c.Address, client.WithTimeout(time.Second))
	if err != nil {
		return fmt.Errorf("containerd client for %s: %w", c.Address, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = c.Client.Version(ctx)
		cancel()
		switch {
		case err == nil:
			return nil
		case c.exited():
			return fmt.Errorf("%s (pid %d) exited at start: %s", c.daemon.Name, c.daemon.Proc.PID, c.daemon.Cmd.ProcessState)
		case time.Now().After(deadline):
			return fmt.Errorf("containerd at %s did not answer within %s: %w", c.Address, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exited reports whether the daemon is gone (or was never started).
func (c *Containerd) exited() bool {
	return c.daemon == nil || c.daemon.Exited()
}

// Stop removes every task and container of this containerd, stops it, kills
// any process it left (shims, container processes), removes the cgroups of
// its containers, unmounts what is left under Dir and removes Dir. It runs
// once; later calls return the first result.
func (c *Containerd) Stop() error {
	return c.stop.Do(c.teardown)
}

func (c *Containerd) teardown() error {
	c.stopping.Store(true)
	var errs []error
	if c.Client != nil && !c.exited() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		errs = append(errs, c.removeAll(ctx))
		cancel()
	}
	if c.Client != nil {
		c.Client.Close()
	}
	errs = append(errs, c.stopDaemon(5*time.Second), c.killStrays(), c.removeCgroups(), UnmountUnder(c.Dir))
	c.removeShimSockets()
	if err := os.RemoveAll(c.Dir); err != nil {
		errs = append(errs, err)
	}
	for _, d := range c.newDirs {
		os.Remove(d) // only if empty: another containerd may use it now
	}
	return errors.Join(errs...)
}

// stopDaemon sends SIGTERM, then SIGKILL after grace.
func (c *Containerd) stopDaemon(grace time.Duration) error {
	if c.daemon == nil { // never started
		return nil
	}
	return c.daemon.Stop(grace)
}

// LogSize is the current length of the daemon log.
func (c *Containerd) LogSize() int64 {
	fi, err := os.Stat(c.LogPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// LogTail returns the log from offset on, at most its last 200 lines.
func (c *Containerd) LogTail(offset int64) string {
	b, err := os.ReadFile(c.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	b = b[min(offset, int64(len(b))):]
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > 200 {
		lines = lines[len(lines)-200:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
