package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRI is a containerd of the tests' own with its CRI plugin enabled, driven
// through the CRI API the way kubelet drives it: real pod sandboxes, with a
// network namespace set up by a CNI plugin of the tests' own
// (testdata/cni-eth0), and no Kubernetes API server.
type CRI struct {
	*Containerd
	PodSubnet string // a /24 for its pods' addresses (a cluster node's); "": cni-eth0's default
	Runtime   cri.RuntimeServiceClient
	Images    cri.ImageServiceClient
	conn      *grpc.ClientConn
}

// LoopbackPlugin is the CNI plugin CRI runs for every pod's lo
// (Debian's containernetworking-plugins).
const LoopbackPlugin = "/usr/lib/cni/loopback"

// SharedCRI returns the CRI containerd shared by the pod tests, starting it
// on first use; after all tests its pods are stopped and removed, then it is
// stopped (AtExit).
func SharedCRI(t testing.TB) *CRI {
	t.Helper()
	RequireRoot(t)
	RequireBinaries(t, "containerd", "runc", "containerd-shim-runc-v2", "ip", "go")
	_, err := os.Stat(LoopbackPlugin)
	Need(t, err == nil, "needs the CNI loopback plugin (apt-get install containernetworking-plugins): %v", err)
	BusyboxRootfs(t) // first, so that it is removed after containerd stops
	c, err := sharedCRI()
	if err != nil {
		t.Fatal(err)
	}
	c.logOnFailure(t, "CRI containerd")
	return c
}

var sharedCRI = sync.OnceValues(func() (*CRI, error) {
	rootfs, err := SharedRootfs()
	if err != nil {
		return nil, err
	}
	c, err := NewCRI(rootfs)
	if err != nil {
		return nil, err
	}
	StopAtExit("the CRI containerd", c.Stop)
	return c, nil
})

// NewCRI starts a containerd with CRI, imports the pod image and waits
// until CRI knows it.
func NewCRI(rootfs string) (*CRI, error) {
	dir, err := os.MkdirTemp("/tmp", "nsj-cri-")
	if err != nil {
		return nil, err
	}
	c := &CRI{Containerd: containerdIn(dir, "nsj-cri-")}
	if err := c.setUp(rootfs); err != nil {
		err = fmt.Errorf("%w\ncontainerd log:\n%s", err, c.LogTail(0))
		if serr := c.Stop(); serr != nil {
			err = fmt.Errorf("%w\n%v", err, serr)
		}
		return nil, err
	}
	return c, nil
}

func (c *CRI) setUp(rootfs string) error {
	for _, d := range []string{"/run/containerd/s", "/run/containerd"} {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			c.newDirs = append(c.newDirs, d)
		}
	}
	if err := c.setUpCNI(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "config.toml"), []byte(c.criConfig()), 0o600); err != nil {
		return err
	}
	if err := c.start(); err != nil {
		return err
	}
	if err := c.waitReady(20 * time.Second); err != nil {
		return err
	}
	conn, err := grpc.NewClient("unix://"+c.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	c.conn, c.Runtime, c.Images = conn, cri.NewRuntimeServiceClient(conn), cri.NewImageServiceClient(conn)
	if err := c.importPodImage(rootfs); err != nil {
		return err
	}
	return c.waitForImage(20 * time.Second)
}

// setUpCNI fills the CNI directories: the loopback plugin, the tests' own
// cni-eth0 (built here) and a network that uses it.
func (c *CRI) setUpCNI() error {
	bin, conf := filepath.Join(c.Dir, "cni", "bin"), filepath.Join(c.Dir, "cni", "conf")
	for _, d := range []string{bin, conf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.Symlink(LoopbackPlugin, filepath.Join(bin, "loopback")); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "cni-eth0"), RepoPath("integration/testdata/cni-eth0"))
	build.Dir = RepoPath()
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the CNI plugin: %v: %s", err, out)
	}
	network := fmt.Sprintf(`{"cniVersion": "1.0.0", "name": "nsj-test", "plugins": [{"type": "cni-eth0", "subnet": %q}]}`, c.PodSubnet)
	return os.WriteFile(filepath.Join(conf, "10-nsj-test.conflist"), []byte(network), 0o644)
}

// criConfig is a version 2 configuration (containerd 1.6 and later) with
// CRI: the pod image as sandbox image, runc with cgroupfs and its own root,
// netns files in the state directory, and CNI directories of the tests' own.
// oom_score_adj is restricted because root lacks CAP_SYS_RESOURCE on the
// test machines; without it every sandbox fails to start. containerd 2.x
// reads this version 2 configuration too (it migrates it); NRI is disabled,
// as it would create /var/run/nri.
func (c *CRI) criConfig() string {
	const p = `plugins."io.containerd.grpc.v1.cri"`
	return c.baseConfig() + fmt.Sprintf(`
[%[1]s]
  sandbox_image = %[2]q
  disable_apparmor = true
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[%[1]s.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[%[1]s.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[%[1]s.containerd.runtimes.runc.options]
  Root = %[3]q
  SystemdCgroup = false

[%[1]s.cni]
  bin_dir = %[4]q
  conf_dir = %[5]q
  max_conf_num = 1
`, p, PodImage, c.RuncRoot, filepath.Join(c.Dir, "cni", "bin"), filepath.Join(c.Dir, "cni", "conf"))
}

// waitForImage polls CRI until it knows the imported pod image.
func (c *CRI) waitForImage(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := c.Images.ImageStatus(ctx, &cri.ImageStatusRequest{Image: &cri.ImageSpec{Image: PodImage}})
		cancel()
		switch {
		case err == nil && r.GetImage() != nil:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("CRI does not know the imported image %s after %s (last error: %v)", PodImage, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop removes the pods through CRI (stop, then remove each sandbox: shims
// outlive containerd), closes the CRI connection and stops containerd.
func (c *CRI) Stop() error {
	if c.conn != nil && !c.exited() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := c.removePods(ctx)
		cancel()
		c.conn.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "integration: removing the CRI pods:", err)
		}
	}
	return c.Containerd.Stop()
}

// removePods stops and removes every pod sandbox (and so its containers).
func (c *CRI) removePods(ctx context.Context) error {
	r, err := c.Runtime.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{})
	if err != nil {
		return err
	}
	for _, p := range r.GetItems() {
		if err := c.removePod(ctx, p.GetId()); err != nil {
			return err
		}
	}
	return nil
}

func (c *CRI) removePod(ctx context.Context, id string) error {
	if _, err := c.Runtime.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
		return fmt.Errorf("stop pod sandbox %s: %w", id, err)
	}
	if _, err := c.Runtime.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
		return fmt.Errorf("remove pod sandbox %s: %w", id, err)
	}
	return nil
}
