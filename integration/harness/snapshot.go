package harness

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"testing"

	"github.com/containerd/containerd/api/types/runc/options"
	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	"github.com/containerd/containerd/v2/pkg/oci"
)

// SnapshotImage is the image of RunSnapshotTask's containers: the busybox
// rootfs as one layer, unpacked for the overlayfs snapshotter.
const SnapshotImage = "nsj.test/snapshot-busybox:1"

// RunSnapshotTask makes container id in namespace ns as `ctr run` does:
// its root an overlayfs snapshot of SnapshotImage (writable), not a
// directory of its spec. With args, its task runs them and RunSnapshotTask
// waits until it exits: the task stays, stopped. Without, no task is made.
// The container and its snapshot are removed when the test ends.
func (c *Containerd) RunSnapshotTask(t testing.TB, ns, id string, args ...string) *Task {
	t.Helper()
	ctx, cancel := TaskContext(ns)
	defer cancel()
	archive, err := OCIImageArchive(BusyboxRootfs(t), SnapshotImage, PauseArgs)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := c.Client.Import(ctx, bytes.NewReader(archive))
	if err != nil || len(imgs) != 1 {
		t.Fatalf("import %s into %s: %v (%d images)", SnapshotImage, ns, err, len(imgs))
	}
	img := client.NewImage(c.Client, imgs[0])
	if err := img.Unpack(ctx, "overlayfs"); err != nil {
		t.Fatalf("unpack %s: %v", SnapshotImage, err)
	}
	procArgs := args
	if len(procArgs) == 0 {
		procArgs = []string{"true"} // never run
	}
	ctr, err := c.Client.NewContainer(ctx, id, client.WithImage(img), client.WithSnapshotter("overlayfs"),
		client.WithNewSnapshot(id+"-root", img),
		client.WithNewSpec(oci.WithImageConfig(img), oci.WithProcessArgs(procArgs...),
			oci.WithHostname(id[:min(len(id), 63)]), oci.WithCgroup(path.Join(c.CgroupParent, ns, id))),
		client.WithRuntime("io.containerd.runc.v2", &options.Options{Root: c.RuncRoot}))
	if err != nil {
		t.Fatalf("create container %s/%s: %v", ns, id, err)
	}
	t.Cleanup(func() {
		if c.stopping.Load() {
			return
		}
		ctx, cancel := TaskContext(ns)
		defer cancel()
		if err := removeTask(ctx, ctr); err != nil {
			t.Error(err)
		}
		if err := ctr.Delete(ctx, client.WithSnapshotCleanup); err != nil {
			t.Errorf("delete container %s/%s: %v", ns, id, err)
		}
	})
	if len(args) == 0 {
		return &Task{ID: id, Namespace: ns}
	}
	if err := runToExit(ctx, ctr); err != nil {
		t.Fatalf("task %s/%s: %v", ns, id, err)
	}
	return &Task{ID: id, Namespace: ns}
}

// runToExit starts ctr's task and waits until it exits; it is not deleted.
func runToExit(ctx context.Context, ctr client.Container) error {
	tk, err := ctr.NewTask(ctx, cio.NullIO)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	exited, err := tk.Wait(ctx)
	if err != nil {
		return err
	}
	if err := tk.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	select {
	case st := <-exited:
		if st.ExitCode() != 0 {
			return fmt.Errorf("exited with status %d", st.ExitCode())
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for exit: %w", ctx.Err())
	}
}
