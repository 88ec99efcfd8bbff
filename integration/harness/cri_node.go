package harness

import (
	"fmt"
	"os"
)

// NewNodeCRI is NewCRI for one node of a cluster of several: its files in
// dir (made here; short, as unix socket paths are limited to 108 bytes),
// its containers under cgroupParent, containerd run in the network
// namespace netns (a file, /run/netns/NAME) and its pods' addresses in
// podSubnet (a /24, so that pods on different nodes do not clash).
func NewNodeCRI(dir, cgroupParent, netns, podSubnet, rootfs string) (*CRI, error) {
	c := &CRI{Containerd: containerdIn(dir, ""), PodSubnet: podSubnet}
	c.CgroupParent, c.Netns = cgroupParent, netns
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("the directory of node containerd: %w", err)
	}
	if err := c.setUp(rootfs); err != nil {
		err = fmt.Errorf("%w\ncontainerd log:\n%s", err, c.LogTail(0))
		if serr := c.Stop(); serr != nil {
			err = fmt.Errorf("%w\n%v", err, serr)
		}
		return nil, err
	}
	return c, nil
}
