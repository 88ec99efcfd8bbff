package kubeplugin

import (
	"os"
	"os/signal"

	"golang.org/x/term"
	"k8s.io/client-go/tools/remotecommand"
)

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// RawTerminal puts the terminal on in into raw mode, so that keys such as
// ^C reach the remote terminal instead of signalling kubectl-nsj, and
// returns the size queue of the terminal on out (its size now, then after
// each SIGWINCH) and a function that restores the terminal.
func RawTerminal(in, out *os.File) (remotecommand.TerminalSizeQueue, func(), error) {
	old, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return nil, nil, Errorf("putting the terminal into raw mode: %w; run without -t", err)
	}
	q := &sizeQueue{fd: int(out.Fd()), winch: make(chan os.Signal, 1), done: make(chan struct{})}
	notifyResize(q.winch)
	q.winch <- os.Interrupt // any value: the first Next reports the size now
	restore := func() {
		signal.Stop(q.winch)
		close(q.done)
		term.Restore(int(in.Fd()), old)
	}
	return q, restore, nil
}

// sizeQueue is a remotecommand.TerminalSizeQueue fed by SIGWINCH (on
// Windows, which has none, it reports the size at the start only).
type sizeQueue struct {
	fd    int
	winch chan os.Signal
	done  chan struct{}
}

// Next blocks until the terminal's size changes and returns it; nil once
// the terminal has been restored.
func (q *sizeQueue) Next() *remotecommand.TerminalSize {
	for {
		select {
		case <-q.done:
			return nil
		case <-q.winch:
		}
		w, h, err := term.GetSize(q.fd)
		if err == nil && w > 0 && h > 0 {
			return &remotecommand.TerminalSize{Width: uint16(w), Height: uint16(h)}
		}
	}
}
