package capture

import (
	"fmt"
	"net"
	"os"

	"github.com/nsj-dev/nsj/internal/netns"
)

// The interfaces of a container's network namespace are listed from nsj
// itself, on one locked thread that enters the namespace and asks netlink
// there (package netns; docs/security.md says why that gives the
// container's processes no hold on nsj).

// netnsInterfaces lists the interfaces that are up of the network
// namespace open as file ns: loopback ones apart.
func netnsInterfaces(ns *os.File) (up, loopback []string, err error) {
	n, err := netns.Open(ns)
	if err != nil {
		return nil, nil, err
	}
	defer n.Close()
	err = n.Do(func() error {
		up, loopback, err = upInterfaces()
		return err
	})
	return up, loopback, err
}

// upInterfaces lists this thread's network namespace's interfaces that are
// up: loopback ones apart.
func upInterfaces() (up, loopback []string, err error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, nil, fmt.Errorf("listing the interfaces: %w", err)
	}
	for _, i := range ifs {
		switch {
		case i.Flags&net.FlagUp == 0:
		case i.Flags&net.FlagLoopback != 0:
			loopback = append(loopback, i.Name)
		default:
			up = append(up, i.Name)
		}
	}
	return up, loopback, nil
}
