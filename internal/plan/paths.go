package plan

import (
	"fmt"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/sirupsen/logrus"
)

// openFiles replaces, in nss (the namespaces opened from the target's
// /proc/PID/ns), each type that files names with the namespace file there:
// a pod's network namespace is the file CNI set up (/var/run/netns/cni-...
// or in containerd's state directory), which outlives the sandbox's pause
// process. The file is checked to be a namespace of that type and compared
// with the process's; a difference is reported, and the file is joined. A
// type nss lacks (nsj's own, or not selected) is left out.
func openFiles(nss []*nsjoin.Namespace, files map[string]string) ([]*nsjoin.Namespace, error) {
	for i, ns := range nss {
		path, ok := files[ns.Type]
		if !ok {
			continue
		}
		f, err := nsjoin.OpenNamespace(ns.Type, path)
		if err != nil {
			return nss, fmt.Errorf("opening the pod's %s namespace %s: %w; is the pod being torn down? see nsj --list --pods", ns.Type, path, err)
		}
		if f.Same(ns) {
			logrus.Debugf("namespace %s: joining %s (inode %d, the sandbox's)", ns.Type, path, f.Inode)
		} else {
			logrus.Warnf("the pod's %s namespace file %s (inode %d) is not its sandbox's (inode %d); joining the file's", ns.Type, path, f.Inode, ns.Inode)
		}
		ns.File.Close()
		nss[i] = f
	}
	return nss, nil
}
