package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/api/types/runc/options"
	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// BusyboxRootfs returns a directory, built once per test binary and removed
// after all tests (AtExit), holding a minimal root filesystem: /bin/busybox (a copy
// of the host's static busybox), a symlink per applet, and a small /etc.
func BusyboxRootfs(t testing.TB) string {
	t.Helper()
	RequireBinaries(t, "busybox")
	dir, err := SharedRootfs()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// SharedRootfs is BusyboxRootfs for callers without a test.
var SharedRootfs = sync.OnceValues(func() (string, error) {
	dir, err := buildRootfs()
	if dir != "" {
		AtExit(func() { os.RemoveAll(dir) })
	}
	return dir, err
})

func buildRootfs() (string, error) {
	dir, err := os.MkdirTemp("/tmp", "nsj-rootfs-")
	if err != nil {
		return "", err
	}
	return dir, BuildBusyboxRootfs(dir)
}

// BuildBusyboxRootfs fills dir, which exists, with BusyboxRootfs's files.
func BuildBusyboxRootfs(dir string) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "run", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	host, err := exec.LookPath("busybox")
	if err != nil {
		return err
	}
	if err := CopyFile(host, filepath.Join(dir, "bin/busybox"), 0o755); err != nil {
		return err
	}
	// Like busybox --install -s, but with links valid inside the container.
	out, err := exec.Command(host, "--list-full").Output()
	if err != nil {
		return fmt.Errorf("busybox --list-full: %w", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		link := filepath.Join(dir, applet)
		if applet == "bin/busybox" || os.MkdirAll(filepath.Dir(link), 0o755) != nil {
			continue
		}
		if err := os.Symlink("/bin/busybox", link); err != nil && !os.IsExist(err) {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd":   "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":    "root:x:0:\nnogroup:x:65534:\n",
		"etc/hostname": "nsj-test\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func CopyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Task is a task RunTask made.
type Task struct {
	ID        string
	Namespace string
	PID       uint32 // init process in the host PID namespace; 0 with WithoutTask
}

type taskState int

const (
	stateRunning taskState = iota
	stateNoTask
	stateCreated
	stateStopped
	statePaused
)

type taskConfig struct {
	args     []string
	labels   map[string]string
	image    string
	hostNet  bool
	state    taskState
	specOpts []oci.SpecOpts
	rootfs   string
}

// TaskOpt changes what RunTask makes.
type TaskOpt func(*taskConfig)

// WithArgs sets the process arguments (default: sleep 100000).
func WithArgs(args ...string) TaskOpt { return func(c *taskConfig) { c.args = args } }

// WithLabels sets container labels.
func WithLabels(labels map[string]string) TaskOpt { return func(c *taskConfig) { c.labels = labels } }

// WithImageName records an image name on the container (nothing is pulled).
func WithImageName(name string) TaskOpt { return func(c *taskConfig) { c.image = name } }

// WithHostNetwork leaves the network namespace out of the spec.
func WithHostNetwork() TaskOpt { return func(c *taskConfig) { c.hostNet = true } }

// WithSpecOpts adds OCI spec options, applied last.
func WithSpecOpts(opts ...oci.SpecOpts) TaskOpt {
	return func(c *taskConfig) { c.specOpts = append(c.specOpts, opts...) }
}

// WithRootfs runs the container on rootfs instead of BusyboxRootfs.
func WithRootfs(dir string) TaskOpt { return func(c *taskConfig) { c.rootfs = dir } }

// WithoutTask makes the container only.
func WithoutTask() TaskOpt { return func(c *taskConfig) { c.state = stateNoTask } }

// TaskCreated creates the task without starting it.
func TaskCreated() TaskOpt { return func(c *taskConfig) { c.state = stateCreated } }

// TaskStopped starts the task, then kills it and waits for it to stop.
func TaskStopped() TaskOpt { return func(c *taskConfig) { c.state = stateStopped } }

// TaskPaused starts the task, then pauses it.
func TaskPaused() TaskOpt { return func(c *taskConfig) { c.state = statePaused } }

// RunTask creates container id in namespace ns from the busybox rootfs (read
// only, runc runtime, cgroup under CgroupParent) and, unless told otherwise,
// starts its task with no I/O. The container is removed when the test ends.
func (c *Containerd) RunTask(t testing.TB, ns, id string, opts ...TaskOpt) *Task {
	t.Helper()
	cfg := taskConfig{args: []string{"sleep", "100000"}}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := TaskContext(ns)
	defer cancel()
	c.mu.Lock()
	c.containers = append(c.containers, ns+"/"+id)
	c.mu.Unlock()
	if cfg.rootfs == "" {
		cfg.rootfs = BusyboxRootfs(t)
	}
	ctr, err := c.Client.NewContainer(ctx, id, c.containerOpts(ns, id, cfg)...)
	if err != nil {
		t.Fatalf("create container %s/%s: %v", ns, id, err)
	}
	t.Cleanup(func() {
		if c.stopping.Load() {
			return // Stop removes everything
		}
		ctx, cancel := TaskContext(ns)
		defer cancel()
		if err := c.RemoveContainer(ctx, ns, id); err != nil {
			t.Error(err)
		}
	})
	task := &Task{ID: id, Namespace: ns}
	if cfg.state == stateNoTask {
		return task
	}
	tk, err := ctr.NewTask(ctx, cio.NullIO)
	if err != nil {
		t.Fatalf("create task %s/%s: %v", ns, id, err)
	}
	task.PID = tk.Pid()
	if err := setState(ctx, tk, cfg.state); err != nil {
		t.Fatalf("task %s/%s: %v", ns, id, err)
	}
	return task
}

func (c *Containerd) containerOpts(ns, id string, cfg taskConfig) []client.NewContainerOpts {
	specOpts := []oci.SpecOpts{
		oci.WithRootFSPath(cfg.rootfs),
		oci.WithRootFSReadonly(),
		oci.WithDefaultPathEnv,
		oci.WithProcessArgs(cfg.args...),
		oci.WithHostname(id[:min(len(id), 63)]),
		oci.WithCgroup(path.Join(c.CgroupParent, ns, id)),
	}
	if cfg.hostNet {
		specOpts = append(specOpts, oci.WithHostNamespace(specs.NetworkNamespace))
	}
	opts := []client.NewContainerOpts{
		client.WithNewSpec(append(specOpts, cfg.specOpts...)...),
		client.WithRuntime("io.containerd.runc.v2", &options.Options{Root: c.RuncRoot}),
	}
	if cfg.labels != nil {
		opts = append(opts, client.WithContainerLabels(cfg.labels))
	}
	if cfg.image != "" {
		opts = append(opts, client.WithImageName(cfg.image))
	}
	return opts
}

// setState takes a created task to the wanted state.
func setState(ctx context.Context, tk client.Task, state taskState) error {
	if state == stateCreated {
		return nil
	}
	exited, err := tk.Wait(ctx)
	if err != nil {
		return err
	}
	if err := tk.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	switch state {
	case statePaused:
		return tk.Pause(ctx)
	case stateStopped:
		return killAndWait(ctx, tk, exited)
	}
	return nil
}

func killAndWait(ctx context.Context, tk client.Task, exited <-chan client.ExitStatus) error {
	if err := tk.Kill(ctx, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for exit: %w", ctx.Err())
	}
}

// KillTask kills the task of id with SIGKILL and waits until it has stopped;
// the stopped task stays.
func (c *Containerd) KillTask(t testing.TB, ns, id string) {
	t.Helper()
	ctx, cancel := TaskContext(ns)
	defer cancel()
	tk := c.loadTask(t, ctx, id)
	exited, err := tk.Wait(ctx)
	if err != nil {
		t.Fatalf("wait task %s/%s: %v", ns, id, err)
	}
	if err := killAndWait(ctx, tk, exited); err != nil {
		t.Fatalf("task %s/%s: %v", ns, id, err)
	}
}

// RemoveTask kills the task of id if needed and deletes it; the container stays.
func (c *Containerd) RemoveTask(t testing.TB, ns, id string) {
	t.Helper()
	ctx, cancel := TaskContext(ns)
	defer cancel()
	ctr, err := c.Client.LoadContainer(ctx, id)
	if err != nil {
		t.Fatalf("load container %s/%s: %v", ns, id, err)
	}
	if err := removeTask(ctx, ctr); err != nil {
		t.Fatalf("remove task %s/%s: %v", ns, id, err)
	}
}

// RestartTask replaces the task of id with a new running one, as a restart
// policy would, and returns it (with its new PID).
func (c *Containerd) RestartTask(t testing.TB, ns, id string) *Task {
	t.Helper()
	c.RemoveTask(t, ns, id)
	ctx, cancel := TaskContext(ns)
	defer cancel()
	ctr, err := c.Client.LoadContainer(ctx, id)
	if err != nil {
		t.Fatalf("load container %s/%s: %v", ns, id, err)
	}
	tk, err := ctr.NewTask(ctx, cio.NullIO)
	if err != nil {
		t.Fatalf("create task %s/%s: %v", ns, id, err)
	}
	if err := setState(ctx, tk, stateRunning); err != nil {
		t.Fatalf("task %s/%s: %v", ns, id, err)
	}
	return &Task{ID: id, Namespace: ns, PID: tk.Pid()}
}

func (c *Containerd) loadTask(t testing.TB, ctx context.Context, id string) client.Task {
	t.Helper()
	ctr, err := c.Client.LoadContainer(ctx, id)
	if err != nil {
		t.Fatalf("load container %s: %v", id, err)
	}
	tk, err := ctr.Task(ctx, nil)
	if err != nil {
		t.Fatalf("load task %s: %v", id, err)
	}
	return tk
}

// TaskContext is a context in namespace ns that gives containerd 30s.
func TaskContext(ns string) (context.Context, context.CancelFunc) {
	return context.WithTimeout(namespaces.WithNamespace(context.Background(), ns), 30*time.Second)
}

// EnsureTask returns the running task of container id, making the container or
// starting a new task as needed.
func (c *Containerd) EnsureTask(t testing.TB, ns, id string) *Task {
	t.Helper()
	ctx, cancel := TaskContext(ns)
	defer cancel()
	ctr, err := c.Client.LoadContainer(ctx, id)
	if err != nil {
		return c.RunTask(t, ns, id)
	}
	if tk, err := ctr.Task(ctx, nil); err == nil {
		if st, err := tk.Status(ctx); err == nil && st.Status == client.Running {
			return &Task{ID: id, Namespace: ns, PID: tk.Pid()}
		}
	}
	return c.RestartTask(t, ns, id)
}
