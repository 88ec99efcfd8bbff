package nsjoin

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// requireRoot skips a test that needs root, except in CI, where a skipped
// test would hide that it never ran.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("this test needs root, and CI must run it")
	}
	t.Skip("needs root")
}

func TestPinProcessOfOwnPIDIsAlive(t *testing.T) {
	p, err := PinProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.PID != os.Getpid() {
		t.Errorf("PID = %d, want %d", p.PID, os.Getpid())
	}
	if err := p.Alive(); err != nil {
		t.Errorf("Alive: %v", err)
	}
	if got, want := p.NamespacePath("net"), "/proc/"+strconv.Itoa(os.Getpid())+"/ns/net"; got != want {
		t.Errorf("NamespacePath(net) = %q, want %q", got, want)
	}
}

func TestAliveReportsTargetExitedAfterKillAndWait(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	pid := cmd.Process.Pid
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	p, err := PinProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Alive(); err != nil {
		t.Fatalf("Alive while sleep runs: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true
	err = p.Alive()
	if !errors.Is(err, ErrTargetExited) {
		t.Fatalf("Alive after the target was reaped = %v, want ErrTargetExited", err)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(pid)) {
		t.Errorf("error %q does not name PID %d", err, pid)
	}
}

func TestPinProcessOfNoProcessFails(t *testing.T) {
	for _, pid := range []int{0, -1, math.MaxInt32, 1 << 30} {
		p, err := PinProcess(pid)
		if err == nil {
			p.Close()
			t.Errorf("PinProcess(%d) succeeded", pid)
			continue
		}
		if !errors.Is(err, ErrNoProcess) {
			t.Errorf("PinProcess(%d) = %v, want ErrNoProcess", pid, err)
		}
	}
}

func TestOpenNamespaceOfOwnNetIsOwnNamespace(t *testing.T) {
	requireRoot(t)
	ns, err := OpenNamespace("net", "/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.File.Close()
	own, err := OwnNamespace("net")
	if err != nil {
		t.Fatal(err)
	}
	if !ns.Same(own) || !own.Same(ns) {
		t.Errorf("OpenNamespace (inode %d dev %d) differs from OwnNamespace (inode %d dev %d)", ns.Inode, ns.Dev, own.Inode, own.Dev)
	}
	if ns.Type != "net" || ns.Path != "/proc/self/ns/net" || ns.Inode == 0 {
		t.Errorf("namespace %+v", ns)
	}
	other, err := OwnNamespace("pid")
	if err != nil {
		t.Fatal(err)
	}
	if ns.Same(other) {
		t.Errorf("the net namespace is the Same as the pid namespace")
	}
}

func TestOpenNamespaceRejectsWrongFiles(t *testing.T) {
	requireRoot(t)
	regular := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(regular, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, typ, path, want string
	}{
		{"net file as pid", "pid", "/proc/self/ns/net", "is a net namespace, not pid"},
		{"pid file as user", "user", "/proc/self/ns/pid", "is a pid namespace, not user"},
		{"mnt file as net", "net", "/proc/self/ns/mnt", "is a mnt namespace, not net"},
		{"regular file", "net", regular, "not a namespace file"},
		{"device", "net", "/dev/null", "not a namespace file"},
		{"missing file", "net", filepath.Join(t.TempDir(), "none"), "no such file"},
		{"unknown type", "network", "/proc/self/ns/net", "unknown namespace type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := OpenNamespace(tt.typ, tt.path)
			if err == nil {
				ns.File.Close()
				t.Fatalf("OpenNamespace(%q, %q) succeeded", tt.typ, tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestOpenNamespacesOfOwnProcessReturnsNothing(t *testing.T) {
	requireRoot(t)
	p, err := PinProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var available []string
	for _, typ := range Types {
		if typ == "mnt" {
			continue
		}
		if _, err := os.Stat("/proc/self/ns/" + typ); err == nil {
			available = append(available, typ)
		}
	}
	tests := []struct {
		name string
		sel  Selection
	}{
		{"default selection", Selection{}},
		{"explicit types", Selection{Types: available, Explicit: true}},
		{"explicit net", Selection{Types: []string{"net"}, Explicit: true}},
		{"implicit types with user", Selection{Types: []string{"user", "net", "pid"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nss, err := p.OpenNamespaces(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			defer Close(nss)
			for _, ns := range nss {
				t.Errorf("OpenNamespaces returned nsj's own %s namespace (inode %d)", ns.Type, ns.Inode)
			}
		})
	}
}

func TestOpenNamespacesOfExitedProcessFails(t *testing.T) {
	requireRoot(t)
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	p, err := PinProcess(cmd.Process.Pid)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal(err)
	}
	defer p.Close()
	cmd.Process.Kill()
	cmd.Wait()
	for _, sel := range []Selection{{}, {Types: []string{"net"}, Explicit: true}} {
		nss, err := p.OpenNamespaces(sel)
		if !errors.Is(err, ErrTargetExited) {
			Close(nss)
			t.Errorf("OpenNamespaces(%+v) of a reaped process = %v, want ErrTargetExited", sel, err)
		}
	}
}
