package plan

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/nsjoin"
)

func TestNsMntPointsToFsContainer(t *testing.T) {
	_, err := parseNamespaceTypes([]string{"net", "mnt"})
	if err == nil || !strings.Contains(err.Error(), "--fs container") {
		t.Fatalf("--ns mnt: %v, want a hint to --fs container", err)
	}
}

// --fs container opens every namespace of the target, whatever --ns says
// (checkAllJoined refuses a --ns that leaves one out); the host view opens
// what the target's selection says and never the mount namespace.
func TestFSViewSelectsEveryNamespaceOnlyForTheContainer(t *testing.T) {
	exe, err := os.Open(os.DevNull) // stands for the opened binary
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	net := nsjoin.Selection{Types: []string{"net"}, Explicit: true}
	tests := []struct {
		name string
		view *fsView
		sel  nsjoin.Selection
		want nsjoin.Selection
	}{
		{"host, default types", &fsView{}, nsjoin.Selection{}, nsjoin.Selection{}},
		{"host, --ns net", &fsView{}, net, net},
		{"container, default types", &fsView{exe: exe}, nsjoin.Selection{}, nsjoin.Selection{Types: nsjoin.Types}},
		{"container, --ns net", &fsView{exe: exe}, net, nsjoin.Selection{Types: nsjoin.Types}},
		{"container, task types", &fsView{exe: exe}, nsjoin.Selection{Types: []string{}}, nsjoin.Selection{Types: nsjoin.Types}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := tt.view.prepare(&target{sel: tt.sel})
			if !slices.Equal(op.sel.Types, tt.want.Types) || op.sel.Explicit != tt.want.Explicit {
				t.Errorf("types %q explicit %v, want %q %v", op.sel.Types, op.sel.Explicit, tt.want.Types, tt.want.Explicit)
			}
			if (op.pinned != nil) != (tt.view.exe != nil) {
				t.Errorf("pinned hook %v: --fs container reads the container's privileges while the target is pinned, the host view nothing", op.pinned != nil)
			}
			if slices.Contains(nsjoin.DefaultTypes, "mnt") || !slices.Contains(nsjoin.Types, "user") {
				t.Fatalf("prepare changed nsjoin's tables: %q, %q", nsjoin.DefaultTypes, nsjoin.Types)
			}
		})
	}
	op := (&fsView{rootAt: "/r"}).prepare(&target{})
	if op.pinned == nil || op.sel.Types != nil {
		t.Errorf("--root-at: the mount namespace is opened while pinned, not joined; got types %q", op.sel.Types)
	}
}

// The request a --fs container join sends: the container's mount namespace,
// the binary's fd, no /proc mount, the container's environment (here -t
// PID: none) with nsj's TERM and PATH=/dev/null unless the user set it
// (NSJ_ROOT=/: TestNSJRootIsDecidedOnce).
func TestFSViewApply(t *testing.T) {
	t.Setenv("TERM", "xterm-test")
	t.Setenv("OPERATOR_SECRET", "s3cret")
	exe, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	base := func(types ...string) *nsjoin.JoinRequest {
		r := &nsjoin.JoinRequest{Path: "/bin/busybox", Args: []string{"busybox", "ls"}, MountProc: true, Env: []string{"HOME=/root"}}
		for i, typ := range types {
			r.Namespaces = append(r.Namespaces, nsjoin.NamespaceFD{Type: typ, FD: 10 + i})
		}
		return r
	}
	confined := confinement{built: &nsjoin.Confinement{}}
	req := base("pid", "mnt")
	if err := (&fsView{exe: exe, confine: confined}).apply(req, &target{name: "task t1"}); err != nil {
		t.Fatal(err)
	}
	if !req.ContainerFS || req.ExecFD != int(exe.Fd()) || req.MountProc || req.Confine == nil || req.HostPrivileges ||
		!slices.Equal(req.Env, []string{"TERM=xterm-test", "PATH=" + noPath}) {
		t.Errorf("--fs container request: %+v", req)
	}
	if _, err := req.Encode(); err != nil {
		t.Errorf("the request does not encode: %v", err)
	}
	req = base("pid", "mnt")
	req.Env = append(req.Env, "PATH=/bin")
	(&fsView{exe: exe, pathSet: true, sets: []string{"PATH=/bin"}, confine: confinement{privileged: true}}).apply(req, &target{name: "task t1"})
	if !slices.Equal(req.Env, []string{"PATH=/bin", "TERM=xterm-test"}) || !req.HostPrivileges || req.Confine != nil {
		t.Errorf("-e PATH is replaced, or --privileged is not: %+v", req)
	}
	if _, err := req.Encode(); err != nil {
		t.Errorf("the --privileged request does not encode: %v", err)
	}
	net := nsjoin.Selection{Types: []string{"net", "uts", "ipc"}, Explicit: true}
	err = (&fsView{exe: exe, confine: confined}).apply(base("net", "pid", "mnt"), &target{name: "task t1", sel: net})
	if err == nil || !strings.Contains(err.Error(), "--ns net,uts,ipc leaves out the pid namespace of task t1;") {
		t.Errorf("--ns leaving pid out: %v", err)
	}
	err = (&fsView{exe: exe, confine: confined}).apply(base("net", "pid", "cgroup", "mnt"), &target{name: "task t1", sel: net})
	if err == nil || !strings.Contains(err.Error(), "--ns net,uts,ipc leaves out the pid and cgroup namespaces of task t1;") {
		t.Errorf("--ns leaving pid and cgroup out: %v", err)
	}
	all := nsjoin.Selection{Types: []string{"net", "pid", "cgroup"}, Explicit: true}
	if err := (&fsView{exe: exe, confine: confined}).apply(base("net", "pid", "cgroup", "mnt"), &target{name: "task t1", sel: all}); err != nil {
		t.Errorf("--ns naming every namespace: %v", err)
	}
	err = (&fsView{exe: exe}).apply(base("pid"), &target{name: "PID 1"})
	if err == nil || !strings.Contains(err.Error(), "PID 1 shares nsj's mount namespace") {
		t.Errorf("a target in nsj's mount namespace: %v", err)
	}
}
