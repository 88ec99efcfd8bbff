package capture

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/internal/capture/pcapng"
	"github.com/nsj-dev/nsj/runtime"
	"golang.org/x/sys/unix"
)

// network is one network namespace to capture in, and the targets that
// share it (a pod's containers): each packet is captured once, on an
// interface named after the first of them.
type network struct {
	inode   uint64
	targets []Target
	pins    []int // pidfds of the targets' init processes
	ifaces  []string
	srcs    []*source
	quit    [2]int        // a pipe: closing quit[1] ends watch
	watched chan struct{} // closed when watch returns
}

// networks groups targets by network namespace and lists the interfaces
// to capture in each. Targets on the host's network are named once and
// left out, unless o.HostNetwork.
func networks(targets []Target, o *Options) ([]*network, error) {
	var nets []*network
	byInode := map[uint64]*network{}
	var host []string
	for _, t := range targets {
		private := slices.ContainsFunc(t.Task.Namespaces, func(n runtime.Namespace) bool { return n.Type == "net" && n.Private })
		if !private && !o.HostNetwork {
			host = append(host, t.Name)
			continue
		}
		ino, err := netnsInode(t.Task.PID)
		if err != nil {
			fmt.Fprintf(o.Stderr, "nsj: %s: %v; left out\n", t.Name, err)
			continue
		}
		n := byInode[ino]
		if n == nil {
			n = &network{inode: ino, quit: [2]int{-1, -1}, watched: make(chan struct{})}
			byInode[ino] = n
			nets = append(nets, n)
		}
		if n.quit[0] < 0 {
			unix.Pipe2(n.quit[:], unix.O_CLOEXEC) // failing, n is not watched
		}
		n.targets = append(n.targets, t)
		if pin, err := unix.PidfdOpen(int(t.Task.PID), 0); err == nil {
			n.pins = append(n.pins, pin)
		}
	}
	if len(host) > 0 {
		fmt.Fprintf(o.Stderr, "nsj: on the host's network, left out (--host-network captures there): %s\n", strings.Join(host, ", "))
	}
	for _, n := range nets {
		if err := n.listInterfaces(o.Interfaces, o.Stderr); err != nil {
			for _, n := range nets {
				n.close(false)
			}
			return nil, err
		}
	}
	if len(nets) == 0 {
		return nil, exit.Errorf(exit.Failure, "nothing to capture: every container chosen is on the host's network; add --host-network to capture there")
	}
	return nets, nil
}

// netnsInode identifies the network namespace of process pid.
func netnsInode(pid uint32) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st); err != nil {
		return 0, fmt.Errorf("reading its network namespace: %w", err)
	}
	return st.Ino, nil
}

// listInterfaces sets the interfaces to capture: those asked for (-i), or
// every one that is up but loopback.
func (n *network) listInterfaces(asked []string, stderr io.Writer) error {
	t := n.targets[0]
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", t.Task.PID))
	if err != nil {
		return fmt.Errorf("%s: opening its network namespace: %w", t.Name, err)
	}
	defer f.Close()
	up, loopback, err := netnsInterfaces(f)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	if len(asked) == 0 {
		n.ifaces = up
		return nil
	}
	for _, want := range asked {
		if slices.Contains(up, want) || slices.Contains(loopback, want) {
			n.ifaces = append(n.ifaces, want)
		} else {
			fmt.Fprintf(stderr, "nsj: %s: no interface %s is up there (it has %s); left out\n", t.Name, want, strings.Join(append(up, loopback...), ", "))
		}
	}
	return nil
}

// iface describes interface ifc of n in the merged stream.
func (n *network) iface(ifc string, o *Options) pcapng.Interface {
	var comment []string
	for _, t := range n.targets {
		c := fmt.Sprintf("container %s/%s", t.Task.Namespace, t.Task.ID)
		if t.Task.Image != "" {
			c += ", image " + t.Task.Image
		}
		comment = append(comment, c)
	}
	return pcapng.Interface{
		Name:        n.targets[0].Name + ":" + ifc,
		Description: fmt.Sprintf("%s in network namespace net:[%d]", ifc, n.inode),
		Comment:     strings.Join(comment, "; "),
		Filter:      o.Filter,
	}
}

// watch stops n's tcpdumps once every container of n has stopped: the
// namespace's interfaces then close, and the capture of the others goes
// on. It returns early when n is closed.
func (n *network) watch(stderr io.Writer) {
	defer close(n.watched)
	p := n.quit
	if len(n.pins) == 0 || p[0] < 0 {
		return
	}
	left := slices.Clone(n.pins)
	for len(left) > 0 {
		fds := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}
		for _, pin := range left {
			fds = append(fds, unix.PollFd{Fd: int32(pin), Events: unix.POLLIN})
		}
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return
		}
		if fds[0].Revents != 0 {
			return
		}
		left = left[:0]
		for _, f := range fds[1:] {
			if f.Revents == 0 {
				left = append(left, int(f.Fd))
			}
		}
	}
	fmt.Fprintf(stderr, "nsj: %s stopped: its interfaces are closed, the capture goes on\n", n.targets[0].Name)
	time.Sleep(settle)
	for _, s := range n.srcs {
		s.stop(unix.SIGINT)
	}
	for _, s := range n.srcs {
		<-s.ended
		fmt.Fprintf(stderr, "nsj: %s closed\n", s.iface.Name)
	}
}

// close ends n's watch (if started) and releases its pidfds.
func (n *network) close(watching bool) {
	if n.quit[1] >= 0 {
		unix.Close(n.quit[1])
	}
	if watching {
		<-n.watched
	}
	for _, pin := range n.pins {
		unix.Close(pin)
	}
	if n.quit[0] >= 0 {
		unix.Close(n.quit[0])
	}
}
