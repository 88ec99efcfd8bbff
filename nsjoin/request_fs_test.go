package nsjoin

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Wire records of the container's filesystem (see request_test.go).
func (w *wire) root(fd uint32, d string) *wire { return w.rec(kindRoot, append(u32(fd), d...)) }
func (w *wire) execFD(fd uint32) *wire         { return w.rec(kindExecFD, u32(fd)) }

// fsValidRequests join validRequests: --root-at and --fs container.
func fsValidRequests() map[string]*JoinRequest {
	return map[string]*JoinRequest{
		"root at": {
			Namespaces: []NamespaceFD{{"net", 3}, {"pid", 4}}, RootNS: 5, RootAt: "/run/nsj/root",
			Path: "/usr/bin/du", Args: []string{"du", "-sh", "/run/nsj/root/var/log"}, MountProc: true,
		},
		"root at, odd but clean names": {RootNS: 3, RootAt: "/.../..a/.b/ü", Path: "/bin/ls", Args: []string{"ls"}},
		"container fs": {
			Namespaces: []NamespaceFD{{"net", 3}, {"pid", 4}, {"mnt", 5}}, ExecFD: 6, ContainerFS: true, HostPrivileges: true,
			Path: "/bin/busybox", Args: []string{"busybox", "ls", "/"}, Dir: "../etc",
		},
		"container fs, every type": {
			Namespaces: []NamespaceFD{{"net", 3}, {"pid", 4}, {"uts", 5}, {"ipc", 6}, {"cgroup", 7}, {"time", 8}, {"user", 9}, {"mnt", 10}},
			ExecFD:     1 << 20, ContainerFS: true, HostPrivileges: true, Path: "/bin/busybox", Args: []string{"sh"}, Debug: true,
		},
		"container fs without mnt": {ExecFD: 3, ContainerFS: true, HostPrivileges: true, Path: "/bin/busybox", Args: []string{"sh"}},
	}
}

// fsMalformedRequests join malformedRequests.
func fsMalformedRequests() []struct {
	name string
	in   []byte
} {
	return []struct {
		name string
		in   []byte
	}{
		{"root record of 0 bytes", minimal().rec(kindRoot, nil).bytes()},
		{"root record of 3 bytes", minimal().rec(kindRoot, []byte{3, 0, 0}).bytes()},
		{"root without directory", minimal().root(3, "").bytes()},
		{"root at a relative directory", minimal().root(3, "run/nsj").bytes()},
		{"root at /", minimal().root(3, "/").bytes()},
		{"root at a trailing slash", minimal().root(3, "/run/nsj/").bytes()},
		{"root at //", minimal().root(3, "//run").bytes()},
		{"root at a . component", minimal().root(3, "/run/./nsj").bytes()},
		{"root at a .. component", minimal().root(3, "/run/../etc").bytes()},
		{"root at /..", minimal().root(3, "/..").bytes()},
		{"root with a NUL", minimal().root(3, "/run/\x00nsj").bytes()},
		{"root fd 2", minimal().root(2, "/r").bytes()},
		{"root fd above 1<<20", minimal().root(1<<20+1, "/r").bytes()},
		{"root twice", minimal().root(3, "/r").root(4, "/s").bytes()},
		{"root fd is a namespace fd", minimal().ns(3, unix.CLONE_NEWNET).root(3, "/r").bytes()},
		{"namespace fd is the root fd", minimal().root(3, "/r").ns(3, unix.CLONE_NEWNET).bytes()},
		{"exec record of 8 bytes", minimal().flags(flagContainerFS).rec(kindExecFD, make([]byte, 8)).bytes()},
		{"exec fd 0", minimal().flags(flagContainerFS).execFD(0).bytes()},
		{"exec twice", minimal().flags(flagContainerFS).execFD(3).execFD(4).bytes()},
		{"exec fd is the root fd", minimal().root(3, "/r").execFD(3).bytes()},
		{"exec without the container flag", minimal().execFD(3).bytes()},
		{"container flag without exec", minimal().flags(flagContainerFS).ns(3, unix.CLONE_NEWNS).bytes()},
		{"exec fd is the mount namespace fd", minimal().flags(flagContainerFS).ns(3, unix.CLONE_NEWNS).execFD(3).bytes()},
		{"container with mount proc", minimal().flags(flagContainerFS | flagMountProc).execFD(3).bytes()},
		{"container with mount sysfs", minimal().flags(flagContainerFS | flagMountSysfs).execFD(3).bytes()},
		{"container with root", minimal().flags(flagContainerFS).execFD(3).root(4, "/r").bytes()},
		{"mount namespace with root", minimal().ns(3, unix.CLONE_NEWNS).root(4, "/r").bytes()},
	}
}

// fsEncodeRejections join encodeRejections.
func fsEncodeRejections() []encodeRejection {
	args := []string{"true"}
	return []encodeRejection{
		{"root without fd", &JoinRequest{RootAt: "/r", Path: "/bin/true", Args: args}, true},
		{"root fd without directory", &JoinRequest{RootNS: 3, Path: "/bin/true", Args: args}, true},
		{"root at a relative directory", &JoinRequest{RootNS: 3, RootAt: "r", Path: "/bin/true", Args: args}, true},
		{"root at /", &JoinRequest{RootNS: 3, RootAt: "/", Path: "/bin/true", Args: args}, true},
		{"root at an unclean path", &JoinRequest{RootNS: 3, RootAt: "/a/../b", Path: "/bin/true", Args: args}, true},
		{"NUL in root", &JoinRequest{RootNS: 3, RootAt: "/a\x00", Path: "/bin/true", Args: args}, true},
		{"root fd -1", &JoinRequest{RootNS: -1, RootAt: "/r", Path: "/bin/true", Args: args}, true},
		{"root fd twice", &JoinRequest{Namespaces: []NamespaceFD{{"net", 3}}, RootNS: 3, RootAt: "/r", Path: "/bin/true", Args: args}, true},
		{"exec fd without container", &JoinRequest{ExecFD: 3, Path: "/bin/true", Args: args}, true},
		{"container without exec fd", &JoinRequest{ContainerFS: true, Path: "/bin/true", Args: args}, true},
		{"container, mnt, no exec fd", &JoinRequest{Namespaces: []NamespaceFD{{"mnt", 3}}, ContainerFS: true, Path: "/bin/true", Args: args}, true},
		{"container with mount proc", &JoinRequest{ContainerFS: true, ExecFD: 3, MountProc: true, Path: "/bin/true", Args: args}, true},
		{"container with sysfs", &JoinRequest{ContainerFS: true, ExecFD: 3, MountSysfs: true, Path: "/bin/true", Args: args}, true},
		{"container with root", &JoinRequest{ContainerFS: true, ExecFD: 3, RootNS: 4, RootAt: "/r", Path: "/bin/true", Args: args}, true},
		{"exec fd twice", &JoinRequest{Namespaces: []NamespaceFD{{"mnt", 3}}, ContainerFS: true, ExecFD: 3, Path: "/bin/true", Args: args}, true},
		{"exec fd is the root fd", &JoinRequest{ExecFD: 3, RootNS: 3, RootAt: "/r", Path: "/bin/true", Args: args}, true},
	}
}

// The directory of a ROOT record must be clean and absolute, and not "/":
// the constructor creates its missing components and removes them again, so
// neither "." nor ".." may take it elsewhere. Both decoders agree.
func TestRootDirectoryMustBeCleanAndAbsolute(t *testing.T) {
	tests := []struct {
		dir  string
		want bool
	}{
		{"/run/nsj/root", true},
		{"/r", true},
		{"/...", true},
		{"/.a/..b/c.", true},
		{"/with space/ünï", true},
		{"", false},
		{"/", false},
		{"//", false},
		{"run/nsj", false},
		{"./run", false},
		{"/run/", false},
		{"/run//nsj", false},
		{"/run/./nsj", false},
		{"/run/.", false},
		{"/run/../etc", false},
		{"/..", false},
		{"/.", false},
	}
	for _, tt := range tests {
		if got := cleanAbsolute(tt.dir); got != tt.want {
			t.Errorf("cleanAbsolute(%q) = %v, want %v", tt.dir, got, tt.want)
		}
		for _, d := range decoders {
			r, err := d.decode(minimal().root(3, tt.dir).bytes())
			if (err == nil) != tt.want {
				t.Errorf("%s decoder on --root-at %q: %v, want accepted=%v", d.name, tt.dir, err, tt.want)
			}
			if err == nil && (r.RootAt != tt.dir || r.RootNS != 3) {
				t.Errorf("%s decoder: root %d:%q, want 3:%q", d.name, r.RootNS, r.RootAt, tt.dir)
			}
		}
	}
}

// Joining the mount namespace is what --fs container means: the request
// must say so (ContainerFS) and carry the binary to run there; nothing is
// then mounted.
func TestMountNamespaceOnlyWithTheContainersFilesystem(t *testing.T) {
	mnt := []NamespaceFD{{"pid", 3}, {"mnt", 4}}
	tests := []struct {
		name string
		req  *JoinRequest
		ok   bool
	}{
		{"host view", &JoinRequest{Namespaces: mnt[:1], MountProc: true}, true},
		{"mnt in the host view", &JoinRequest{Namespaces: mnt, MountProc: true}, false},
		{"container", &JoinRequest{Namespaces: mnt, ContainerFS: true, HostPrivileges: true, ExecFD: 5}, true},
		{"container, no binary", &JoinRequest{Namespaces: mnt, ContainerFS: true}, false},
		{"container mounting /proc", &JoinRequest{Namespaces: mnt, ContainerFS: true, ExecFD: 5, MountProc: true}, false},
		{"container with --root-at", &JoinRequest{Namespaces: mnt, ContainerFS: true, ExecFD: 5, RootNS: 6, RootAt: "/r"}, false},
		{"binary in the host view", &JoinRequest{Namespaces: mnt[:1], ExecFD: 5}, false},
		{"--root-at in the host view", &JoinRequest{Namespaces: mnt[:1], RootNS: 5, RootAt: "/r", MountProc: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Path, tt.req.Args = "/bin/busybox", []string{"sh"}
			_, err := tt.req.Encode()
			if (err == nil) != tt.ok {
				t.Fatalf("Encode: %v, want ok=%v", err, tt.ok)
			}
			for _, d := range decoders {
				if _, err := d.decode(rawEncode(tt.req)); (err == nil) != tt.ok {
					t.Errorf("%s decoder: %v, want ok=%v", d.name, err, tt.ok)
				}
			}
		})
	}
}

// Encode writes ROOT and EXEC_FD after the namespaces, before the path.
func TestEncodeWritesTheFSRecordsAfterTheNamespaces(t *testing.T) {
	root := &JoinRequest{Namespaces: []NamespaceFD{{"pid", 3}}, RootNS: 4, RootAt: "/r", Path: "/bin/du", Args: []string{"du"}, MountProc: true}
	ctr := &JoinRequest{Namespaces: []NamespaceFD{{"mnt", 3}}, ExecFD: 4, ContainerFS: true, HostPrivileges: true, Path: "/bin/busybox", Args: []string{"sh"}, Dir: "/app"}
	for _, tt := range []struct {
		req  *JoinRequest
		want []byte
	}{
		{root, newWire().ns(3, unix.CLONE_NEWPID).root(4, "/r").path("/bin/du").arg("du").flags(flagMountProc).bytes()},
		{ctr, newWire().ns(3, unix.CLONE_NEWNS).execFD(4).path("/bin/busybox").arg("sh").dir("/app").flags(flagContainerFS | flagHostPrivileges).bytes()},
	} {
		got, err := tt.req.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(tt.want) {
			t.Errorf("Encode(%s):\n got %q\nwant %q", summary(tt.req), got, tt.want)
		}
	}
}
