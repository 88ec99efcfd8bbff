package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Dockerd is a Docker daemon (Debian's docker.io) started by the tests with
// its own data root, exec root, API socket, pidfile, config and cgroup
// parent, all under Dir, and no network set-up (no bridge, no iptables). It
// is started without --containerd, so it runs a containerd of its own under
// its exec root: that is what Docker 20.10 does on most hosts, and it keeps
// the suite's containerd and Docker's apart, as on a node with both.
// The host's /var/run/docker.sock and /var/lib/docker are never touched.
type Dockerd struct {
	Dir              string
	Socket           string // the API socket (DOCKER_HOST=unix://Socket)
	ContainerdSocket string // Docker's own containerd, under the exec root
	CgroupParent     string // parent cgroup of every container, e.g. /nsj-dk-1234-567890
	LogPath          string
	PID              int
	// Containerd is a view of Docker's containerd (not started by it), for
	// containers made beside Docker's, in other namespaces; its Stop must
	// not be called.
	Containerd *Containerd

	cli     string   // the docker.io CLI, next to dockerd
	daemon  *Daemon  // the dockerd process
	newDirs []string // host directories dockerd creates, to rmdir if it did
	stop    StopOnce
}

// DockerImage is the image every Docker test runs: a busybox root
// filesystem made with docker import.
const DockerImage = "nsj-busybox:1"

// SharedDockerd returns the Docker daemon shared by the tests of this
// binary, starting it on first use; it is stopped after all tests (AtExit).
// Run Docker tests under flock /tmp/nsj-docker.lock.
func SharedDockerd(t testing.TB) *Dockerd {
	t.Helper()
	RequireRoot(t)
	RequireBinaries(t, "dockerd", "containerd", "runc", "containerd-shim-runc-v2")
	d, err := sharedDockerd()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dockerd log:\n%s", d.daemon.Tail(60))
		}
	})
	return d
}

var sharedDockerd = SharedBed("the tests' dockerd", func() (*Dockerd, error) {
	rootfs, err := SharedRootfs()
	if err != nil {
		return nil, err
	}
	return NewDockerd(rootfs)
})

// NewDockerd starts a dockerd in a new directory under /tmp, waits until it
// and its containerd answer, and imports DockerImage from rootfs.
func NewDockerd(rootfs string) (_ *Dockerd, err error) {
	dir, err := os.MkdirTemp("/tmp", "nsj-dk-")
	if err != nil {
		return nil, err
	}
	d := &Dockerd{Dir: dir, Socket: filepath.Join(dir, "d.sock"), LogPath: filepath.Join(dir, "dockerd.log"),
		ContainerdSocket: filepath.Join(dir, "exec", "containerd", "containerd.sock"),
		CgroupParent:     fmt.Sprintf("/nsj-dk-%d-%s", os.Getpid(), strings.TrimPrefix(filepath.Base(dir), "nsj-dk-")),
		cli:              dockerCLI()}
	defer func() {
		if err != nil {
			err = errors.Join(err, d.Stop())
		}
	}()
	// dockerd makes these whatever its roots; the shims of its containerd
	// (1.6) put their sockets in /run/containerd/s.
	for _, p := range []string{"/run/docker/plugins", "/run/docker", "/run/containerd/s", "/run/containerd", "/etc/docker"} {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			d.newDirs = append(d.newDirs, p)
		}
	}
	// Without deprecated-key-path, dockerd 20.10 writes /etc/docker/key.json.
	config := fmt.Sprintf(`{"deprecated-key-path": %q}`, filepath.Join(dir, "key.json"))
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte(config), 0o600); err != nil {
		return d, err
	}
	if err := d.start(); err != nil {
		return d, err
	}
	if err := d.waitReady(60 * time.Second); err != nil {
		return d, err
	}
	return d, d.importImage(rootfs)
}

// dockerCLI is docker.io's docker, beside its dockerd: another docker in
// $PATH (a newer static one in /usr/local/bin) may not talk to it.
func dockerCLI() string {
	if dockerd, err := exec.LookPath("dockerd"); err == nil {
		cli := filepath.Join(filepath.Dir(filepath.Dir(dockerd)), "bin", "docker")
		if _, err := os.Stat(cli); err == nil {
			return cli
		}
	}
	return "docker"
}

func (d *Dockerd) start() (err error) {
	d.daemon, err = StartDaemon("dockerd", d.LogPath, "dockerd",
		"--data-root", filepath.Join(d.Dir, "data"), "--exec-root", filepath.Join(d.Dir, "exec"),
		"--pidfile", filepath.Join(d.Dir, "dockerd.pid"), "-H", "unix://"+d.Socket,
		"--config-file", filepath.Join(d.Dir, "daemon.json"), "--cgroup-parent", d.CgroupParent,
		"--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none",
		"--userland-proxy=false", "--storage-driver", "vfs")
	if err == nil {
		d.PID = d.daemon.Cmd.Process.Pid
	}
	return err
}

// waitReady waits until dockerd answers, then its containerd.
func (d *Dockerd) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	err := d.daemon.WaitFor(timeout, func() error {
		_, err := d.Run("version", "--format", "{{.Server.Version}}")
		return err
	})
	if err != nil {
		return err
	}
	d.Containerd = &Containerd{Address: d.ContainerdSocket, RuncRoot: filepath.Join(d.Dir, "runc"),
		CgroupParent: d.CgroupParent, daemon: d.daemon} // Docker's containerd lives as long as dockerd
	return d.Containerd.waitReady(time.Until(deadline))
}

// importImage makes DockerImage from the busybox root filesystem.
func (d *Dockerd) importImage(rootfs string) error {
	tar := exec.Command("tar", "-C", rootfs, "-c", ".")
	imp := d.command("import", "-", DockerImage)
	var err error
	if imp.Stdin, err = tar.StdoutPipe(); err != nil {
		return err
	}
	var out bytes.Buffer
	imp.Stdout, imp.Stderr = &out, &out
	if err := tar.Start(); err != nil {
		return err
	}
	ierr := imp.Run()
	if err := errors.Join(tar.Wait(), ierr); err != nil {
		return fmt.Errorf("docker import: %w: %s", err, out.String())
	}
	return nil
}

// command is a docker CLI command against this dockerd.
func (d *Dockerd) command(args ...string) *exec.Cmd {
	cmd := exec.Command(d.cli, args...)
	cmd.Env = append(WithoutEnv(os.Environ(), "DOCKER_HOST", "DOCKER_CONTEXT"),
		"DOCKER_HOST=unix://"+d.Socket, "DOCKER_CONFIG="+filepath.Join(d.Dir, "config"))
	return cmd
}

// Run runs docker args and returns its trimmed stdout.
func (d *Dockerd) Run(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := d.command(args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// Docker runs docker args, failing the test if it fails.
func (d *Dockerd) Docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := d.Run(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RunContainer runs `docker run -d --name NAME ARGS... nsj-busybox:1
// sleep 100000` (ARGS must say --network: there is no bridge) and returns
// the container's full ID; the container is removed when the test ends.
func (d *Dockerd) RunContainer(t testing.TB, name string, args ...string) string {
	t.Helper()
	run := append(append([]string{"run", "-d", "--name", name}, args...), DockerImage, "sleep", "100000")
	id := d.Docker(t, run...)
	t.Cleanup(func() {
		if _, err := d.Run("rm", "-f", id); err != nil && !d.daemon.Exited() {
			t.Error(err)
		}
	})
	return id
}

// NsjDocker runs nsj with DOCKER_HOST set to this dockerd, against its
// containerd (-a: it is not on a default path here; on one, nsj finds it
// without -a: TestDockerNameIsFoundBesideTheSystemContainerd).
func NsjDocker(t testing.TB, d *Dockerd, args ...string) Result {
	t.Helper()
	return NsjWith(t, []string{"DOCKER_HOST=unix://" + d.Socket}, append([]string{"-a", d.ContainerdSocket}, args...)...)
}

// Stop removes every container, stops dockerd (which stops its
// containerd), kills whatever is left of them, removes their cgroups,
// unmounts what is left under Dir, removes Dir and the host directories
// dockerd made. It runs once.
func (d *Dockerd) Stop() error {
	return d.stop.Do(d.teardown)
}

func (d *Dockerd) teardown() error {
	var errs []error
	view := d.Containerd
	if view == nil {
		view = &Containerd{Address: d.ContainerdSocket, CgroupParent: d.CgroupParent}
	}
	running := d.daemon != nil && !d.daemon.Exited()
	if running {
		if ids, err := d.Run("ps", "-aq", "--no-trunc"); err == nil && ids != "" {
			for _, id := range strings.Fields(ids) {
				view.containers = append(view.containers, "moby/"+id) // for removeShimSockets
			}
			if _, err := d.Run(append([]string{"rm", "-f"}, strings.Fields(ids)...)...); err != nil {
				errs = append(errs, err)
			}
		}
		if view.Client != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			errs = append(errs, view.removeAll(ctx))
			cancel()
		}
	}
	if view.Client != nil {
		view.Client.Close()
	}
	if running {
		errs = append(errs, d.daemon.Stop(20*time.Second))
	}
	errs = append(errs, d.killLeftovers(), view.killStrays(), view.removeCgroups(), UnmountUnder(d.Dir))
	view.removeShimSockets()
	if err := os.RemoveAll(d.Dir); err != nil {
		errs = append(errs, err)
	}
	for _, p := range d.newDirs { // children first
		os.Remove(p) // only if empty: another containerd may use it now
	}
	for _, p := range d.newDirs {
		if _, err := os.Stat(p); err == nil && p != "/run/containerd/s" && p != "/run/containerd" {
			errs = append(errs, fmt.Errorf("dockerd left %s behind", p))
		}
	}
	return errors.Join(errs...)
}

// killLeftovers kills the processes whose command line names Dir (Docker's
// containerd, its shims), giving them a moment to exit on their own.
// Finding any is an error.
func (d *Dockerd) killLeftovers() error {
	deadline := time.Now().Add(5 * time.Second)
	left := ProcessesNaming(d.Dir)
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		left = ProcessesNaming(d.Dir)
	}
	var killed []string
	for pid, cmdline := range left {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed = append(killed, fmt.Sprintf("%d (%s)", pid, cmdline))
		}
	}
	if len(killed) == 0 {
		return nil
	}
	time.Sleep(200 * time.Millisecond)
	return fmt.Errorf("killed processes dockerd left: %s", strings.Join(killed, ", "))
}

// ProcessesNaming maps the PIDs of processes whose command line holds s to
// their command lines.
func ProcessesNaming(s string) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			out[pid] = strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// WithoutEnv drops the named variables from env.
func WithoutEnv(env []string, keys ...string) []string {
	var out []string
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		if !slices.Contains(keys, k) {
			out = append(out, e)
		}
	}
	return out
}
