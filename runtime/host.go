package runtime

import (
	"fmt"
	"sync"
)

// Whether a container's namespace is the host's is decided here, by inode:
// a spec may list a namespace that is the host's own (Docker's
// --network host names /var/run/docker/netns/default, the host's network),
// and nsj has nothing to join there.

// SharedWithHost is Namespace.Sharing for a namespace that is the host's.
const SharedWithHost = "shared with host"

// nsID identifies a namespace: the device and inode of its nsfs file.
type nsID struct{ dev, ino uint64 }

// hostNamespaces are nsj's own namespaces (the host's), by type; a type the
// kernel lacks is missing. They are read once, on first use.
var hostNamespaces = sync.OnceValue(func() map[string]nsID {
	ids := map[string]nsID{}
	for _, typ := range SpecTypes {
		if st, err := nsStat("/proc/self/ns/" + typ); err == nil {
			ids[typ] = nsID{st.Dev, st.Ino}
		}
	}
	return ids
})

// markHostShared clears Private, and sets Sharing, for each namespace the
// spec lists that is the host's: the task's (PROC/PID/ns/TYPE) if it has
// one, else the one the spec's path names. A namespace that cannot be
// read stays as the spec says; proc "" reads none.
func (t *Target) markHostShared(proc string) {
	if proc == "" {
		return
	}
	for i := range t.Namespaces {
		n := &t.Namespaces[i]
		path := n.Path
		if t.PID != 0 {
			path = fmt.Sprintf("%s/%d/ns/%s", proc, t.PID, n.Type)
		}
		if !n.Private || path == "" {
			continue
		}
		st, err := nsStat(path)
		if err != nil {
			continue
		}
		if host, ok := hostNamespaces()[n.Type]; ok && host == (nsID{st.Dev, st.Ino}) {
			n.Private, n.Sharing = false, SharedWithHost
		}
	}
}
