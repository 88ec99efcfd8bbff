package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/nsj-dev/nsj/internal/base/nstype"
	"github.com/nsj-dev/nsj/runtime/containerd"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Task states, as Target.Status reports them. The first six are containerd's
// task states; StatusNoTask is for a container that has no task (List only).
const (
	StatusRunning = containerd.StatusRunning
	StatusPaused  = containerd.StatusPaused
	StatusPausing = containerd.StatusPausing
	StatusCreated = containerd.StatusCreated
	StatusStopped = containerd.StatusStopped
	StatusUnknown = containerd.StatusUnknown
	StatusNoTask  = "no-task"
)

// Target is a containerd task that nsj can join.
type Target struct {
	Namespace  string            `json:"namespace"`      // containerd namespace
	ID         string            `json:"id"`             // container ID
	Name       string            `json:"name,omitempty"` // Docker's or nerdctl's name, or POD/CONTAINER for Kubernetes
	PID        uint32            `json:"pid"`            // init process, in the host PID namespace; 0 without a task
	Status     string            `json:"status"`         // one of the Status* constants
	Image      string            `json:"image,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Namespaces []Namespace       `json:"namespaces"` // one per type, in SpecTypes order
	Spec       *specs.Spec       `json:"-"`

	// Socket is the socket of the containerd that has the task.
	Socket string `json:"socket,omitempty"`

	rawSpec *anyValue // the spec ListNode left unread (List reads it; list.go)
}

// Namespace describes one namespace type of a container.
type Namespace struct {
	// Type is the /proc/PID/ns and nsenter name: one of SpecTypes.
	Type string `json:"type"`
	// Private is true when the spec lists this type and the namespace is
	// not the host's (nsj's own, by inode; see host.go): the container has
	// its own namespace or one shared with a pod (see Path). False means
	// the container shares the host's.
	Private bool `json:"private"`
	// Sharing is SharedWithHost when Private is false.
	Sharing string `json:"sharing,omitempty"`
	// Path is the namespace file the spec joins, if any, such as
	// /var/run/netns/cni-... or /proc/123/ns/ipc.
	Path string `json:"path,omitempty"`
	// Inode identifies the namespace; it is 0 until Inspect (or the caller)
	// sets it.
	Inode uint64 `json:"inode,omitempty"`
	// PathMismatch: Inspect found that Path names another namespace than
	// the task's own (the task's is the one nsj joins).
	PathMismatch bool `json:"path_mismatch,omitempty"`
}

// SpecTypes are the namespace types nsj knows, in the order Target.Namespaces
// lists them (the table is internal/base/nstype). Do not modify.
var SpecTypes = nstype.Names()

// SpecNamespaces lists, for each of SpecTypes, whether spec gives the
// container its own namespace of that type. A nil spec, or one without a
// linux section, shares every namespace with the host.
func SpecNamespaces(spec *specs.Spec) []Namespace {
	listed := map[string]specs.LinuxNamespace{}
	if spec != nil && spec.Linux != nil {
		for _, n := range spec.Linux.Namespaces {
			if typ, ok := nstype.ByOCI(string(n.Type)); ok {
				listed[typ.Name] = n
			}
		}
	}
	out := make([]Namespace, 0, len(SpecTypes))
	for _, typ := range SpecTypes {
		n, ok := listed[typ]
		ns := Namespace{Type: typ, Private: ok, Path: n.Path}
		if !ok {
			ns.Sharing = SharedWithHost
		}
		out = append(out, ns)
	}
	return out
}

// PrivateTypes returns the types the container does not share with the host,
// leaving out those nsj never joins by default, mnt and user (what --list shows, e.g. "net,pid,uts,ipc").
func (t *Target) PrivateTypes() []string {
	var out []string
	for _, n := range t.Namespaces {
		if typ, _ := nstype.ByName(n.Type); n.Private && typ.Default {
			out = append(out, n.Type)
		}
	}
	return out
}

// Inspect sets the Inode of each namespace from /proc/PID/ns/<type> of the
// task's init process (types the kernel lacks stay 0), and checks that each
// namespace path the spec gives (a pod's /var/run/netns/cni-..., a sandbox's
// /proc/PID/ns/ipc) names the same namespace as the task's: PathMismatch
// is set where it does not.
func (t *Target) Inspect() error {
	for i := range t.Namespaces {
		n := &t.Namespaces[i]
		st, err := nsStat(fmt.Sprintf("/proc/%d/ns/%s", t.PID, n.Type))
		if errors.Is(err, fs.ErrNotExist) && n.Type == "time" {
			continue // kernel older than 5.6
		}
		if err != nil {
			return fmt.Errorf("read %s namespace of task %q (pid %d): %w", n.Type, t.ID, t.PID, err)
		}
		n.Inode = st.Ino
		if n.Path == "" {
			continue
		}
		pst, err := nsStat(n.Path)
		if err != nil {
			return fmt.Errorf("%s namespace of task %q: spec path: %w", n.Type, t.ID, err)
		}
		n.PathMismatch = pst.Ino != st.Ino || pst.Dev != st.Dev
	}
	return nil
}

func nsStat(path string) (*syscall.Stat_t, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return &st, nil
}
