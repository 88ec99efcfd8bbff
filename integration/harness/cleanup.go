package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// removeAll removes every container (and task) in every namespace.
func (c *Containerd) removeAll(ctx context.Context) error {
	nss, err := c.Client.NamespaceService().List(ctx)
	if err != nil {
		return fmt.Errorf("list namespaces to clean up: %w", err)
	}
	var errs []error
	for _, ns := range nss {
		ctrs, err := c.Client.Containers(namespaces.WithNamespace(ctx, ns))
		if err != nil {
			errs = append(errs, fmt.Errorf("list containers of %s to clean up: %w", ns, err))
			continue
		}
		for _, ctr := range ctrs {
			c.mu.Lock() // for removeShimSockets, if its shim was not one of RunTask's
			c.containers = append(c.containers, ns+"/"+ctr.ID())
			c.mu.Unlock()
			errs = append(errs, c.RemoveContainer(ctx, ns, ctr.ID()))
		}
	}
	return errors.Join(errs...)
}

// RemoveContainer kills and deletes the task of a container, if any, then
// the container. A container already gone is not an error.
func (c *Containerd) RemoveContainer(ctx context.Context, ns, id string) error {
	ctx = namespaces.WithNamespace(ctx, ns)
	ctr, err := c.Client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load container %s/%s: %w", ns, id, err)
	}
	if err := removeTask(ctx, ctr); err != nil {
		return fmt.Errorf("remove task %s/%s: %w", ns, id, err)
	}
	if err := ctr.Delete(ctx); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("delete container %s/%s: %w", ns, id, err)
	}
	return nil
}

// removeTask kills the task of ctr (thawing it first if paused), waits for
// it to exit and deletes it. No task is not an error.
func removeTask(ctx context.Context, ctr client.Container) error {
	task, err := ctr.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := task.Status(ctx)
	if err != nil {
		return err
	}
	if st.Status == client.Paused || st.Status == client.Pausing {
		if err := task.Resume(ctx); err != nil {
			return fmt.Errorf("resume before kill: %w", err)
		}
	}
	if st.Status != client.Stopped {
		exited, err := task.Wait(ctx)
		if err != nil {
			return err
		}
		if err := task.Kill(ctx, syscall.SIGKILL, client.WithKillAll); err != nil && !errdefs.IsNotFound(err) {
			return err
		}
		select {
		case <-exited:
		case <-ctx.Done():
			return fmt.Errorf("wait for exit after SIGKILL: %w", ctx.Err())
		}
	}
	_, err = task.Delete(ctx)
	return err
}

// killStrays kills processes this containerd left: shims started for its
// address, and processes still in its containers' cgroups. Finding any is
// an error: it means the cleanup above failed.
func (c *Containerd) killStrays() error {
	var killed []string
	seen := map[int]bool{}
	kill := func(pid int, what string) {
		if !seen[pid] && syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed = append(killed, fmt.Sprintf("%s %d", what, pid))
		}
		seen[pid] = true
	}
	for _, pid := range shimPIDs(c.Address) {
		kill(pid, "shim")
	}
	for _, dir := range c.cgroupDirs() {
		thaw(dir)
		for _, pid := range cgroupPIDs(dir) {
			kill(pid, "process in "+dir+":")
		}
	}
	if len(killed) == 0 {
		return nil
	}
	time.Sleep(200 * time.Millisecond) // let them die before removing cgroups
	return fmt.Errorf("killed processes left by the tests' containerd: %s", strings.Join(killed, ", "))
}

// shimPIDs finds containerd-shim-runc-v2 processes started with -address addr.
func shimPIDs(addr string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if filepath.Base(args[0]) != "containerd-shim-runc-v2" {
			continue
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "-address" && args[i+1] == addr {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// CgroupRoots are the cgroup hierarchies: /sys/fs/cgroup alone on a unified
// (v2) host, else every hierarchy mounted under it.
func CgroupRoots() []string {
	const base = "/sys/fs/cgroup"
	if _, err := os.Stat(filepath.Join(base, "cgroup.controllers")); err == nil {
		return []string{base}
	}
	entries, _ := os.ReadDir(base)
	var roots []string
	for _, e := range entries {
		if e.IsDir() { // not the cpu,cpuacct style symlinks
			roots = append(roots, filepath.Join(base, e.Name()))
		}
	}
	return roots
}

// cgroupDirs lists the cgroup directories under CgroupParent in every
// hierarchy, deepest first.
func (c *Containerd) cgroupDirs() []string {
	var dirs []string
	for _, root := range CgroupRoots() {
		filepath.WalkDir(filepath.Join(root, c.CgroupParent), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	return dirs
}

func thaw(dir string) {
	os.WriteFile(filepath.Join(dir, "freezer.state"), []byte("THAWED"), 0) // v1 freezer
	os.WriteFile(filepath.Join(dir, "cgroup.freeze"), []byte("0"), 0)      // v2
}

func cgroupPIDs(dir string) []int {
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// removeShimSockets removes the sockets that shims of this containerd's
// containers left in /run/containerd/s (if killed, or a containerd-1.6 shim
// that did not clean up). Their names are sha256(address/namespace/id), as in
// containerd's shim.SocketAddress, so other containerds' are never touched.
func (c *Containerd) removeShimSockets() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, key := range c.containers {
		sum := sha256.Sum256([]byte(filepath.Join(c.Address, key)))
		p := filepath.Join("/run/containerd/s", hex.EncodeToString(sum[:]))
		for _, sock := range []string{p, filepath.Join(p, "debug")} {
			if fi, err := os.Lstat(sock); err == nil && fi.Mode().Type() == fs.ModeSocket {
				os.Remove(sock)
			}
		}
	}
}

// removeCgroups removes the cgroups runc left under CgroupParent.
func (c *Containerd) removeCgroups() error {
	var errs []error
	for _, dir := range c.cgroupDirs() {
		if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
		}
	}
	return errors.Join(errs...)
}

// UnmountUnder lazily unmounts every mount at or below dir, deepest first.
func UnmountUnder(dir string) error {
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return fmt.Errorf("reading the mount table: %w", err)
	}
	var points []string
	for _, m := range mounts {
		points = append(points, m.Mountpoint)
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// MountPoint is the mount point of one line of a mountinfo table,
// unescaped; false if the line is not one.
func MountPoint(line string) (string, bool) {
	mounts, err := mountinfo.GetMountsFromReader(strings.NewReader(line), nil)
	if err != nil || len(mounts) != 1 {
		return "", false
	}
	return mounts[0].Mountpoint, true
}
