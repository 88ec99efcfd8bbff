package capture

import (
	"fmt"
	"net"
	goruntime "runtime"

	"golang.org/x/sys/unix"
)

// The interfaces of a container's network namespace are listed from nsj
// itself, on one locked thread that enters the namespace, asks netlink
// (its socket is made there, so it answers for that namespace) and
// returns. Entering a network namespace gives its processes no hold on
// nsj: they share no memory, files or PID view with it. If the thread
// cannot return, it stays locked and Go ends it with its goroutine.
// (Package-private: the forward work has a like one; the two may merge.)

// netnsInterfaces lists the interfaces that are up of the network
// namespace open as file ns: loopback ones apart.
func netnsInterfaces(ns int) (up, loopback []string, err error) {
	type result struct {
		up, loopback []string
		err          error
	}
	done := make(chan result, 1)
	go func() {
		goruntime.LockOSThread()
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			goruntime.UnlockOSThread()
			done <- result{err: fmt.Errorf("opening this thread's network namespace: %w", err)}
			return
		}
		defer unix.Close(self)
		if err := unix.Setns(ns, unix.CLONE_NEWNET); err != nil {
			goruntime.UnlockOSThread()
			done <- result{err: fmt.Errorf("entering the network namespace: %w", err)}
			return
		}
		up, loopback, err := upInterfaces()
		if back := unix.Setns(self, unix.CLONE_NEWNET); back != nil {
			// Left locked: the thread exits with this goroutine.
			done <- result{err: fmt.Errorf("returning from the network namespace: %w", back)}
			return
		}
		goruntime.UnlockOSThread()
		done <- result{up, loopback, err}
	}()
	r := <-done
	return r.up, r.loopback, r.err
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
