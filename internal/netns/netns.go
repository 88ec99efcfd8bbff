// Package netns runs a function on a locked OS thread inside a network
// namespace given by an open namespace file, then puts the thread back
// into nsj's own network namespace. A socket belongs to the network
// namespace of the thread that created it, for its whole life: a listener
// made inside stays there, a connection dialed inside leaves from there,
// whichever thread later reads or writes them.
//
// Only the network namespace changes: the thread keeps nsj's mount, pid and
// user namespaces, its root, its files and its credentials (setns with
// CLONE_NEWNET touches nothing else), so no path, name or library of the
// container is ever looked up by it (docs/security.md).
package netns

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Namespace is a network namespace that functions can run in: the target's
// (an open namespace file) and nsj's own, to come back to.
type Namespace struct {
	target *os.File
	home   *os.File
}

// Open keeps target, an open network namespace file that the caller keeps
// open, and opens nsj's own network namespace (of the calling thread, which
// Go has not moved anywhere) to come back to. Close releases the latter.
func Open(target *os.File) (*Namespace, error) {
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("opening nsj's own network namespace: %w", err)
	}
	return &Namespace{target: target, home: home}, nil
}

// Close releases nsj's own namespace file; the target's is the caller's.
func (n *Namespace) Close() error { return n.home.Close() }

// Do runs fn on a thread inside the target network namespace, and returns
// its error. The thread is locked to the goroutine for the call; it goes
// back to nsj's namespace afterwards and is unlocked. If it cannot go back,
// it stays locked, and the Go runtime ends it with the goroutine (a thread
// still locked when its goroutine exits is never reused), so that no other
// goroutine ever runs inside the target's namespace by accident: Do then
// runs fn in a goroutine of its own and waits for it.
func (n *Namespace) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- n.do(fn) }()
	return <-errc
}

// do is Do on the calling goroutine, which exits after it.
func (n *Namespace) do(fn func() error) error {
	runtime.LockOSThread()
	if err := unix.Setns(int(n.target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering the target's network namespace: %w", err)
	}
	err := fn()
	if back := unix.Setns(int(n.home.Fd()), unix.CLONE_NEWNET); back != nil {
		// Leave the thread locked: it dies with this goroutine.
		return fmt.Errorf("returning to nsj's network namespace (the thread is dropped): %w", back)
	}
	runtime.UnlockOSThread()
	return err
}
