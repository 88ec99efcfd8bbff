package fanout

import (
	"io"
	"os"
	"syscall"
)

// Options.StopAtEOF (nsj --all --stop-at-eof): a caller that cannot signal
// nsj --all, such as kubectl nsj -l running it through the API server's
// exec (closing an exec stream does not signal the process it started),
// keeps nsj's stdin open and closes it to stop the run: when stdin ends,
// the run acts as on SIGINT (it forwards SIGINT to every target's command,
// starts no more, and ends with its summary, exit 130).

// interruptAtEOF reads in until it ends (or fails), then sends SIGINT on
// sigs, the channel on which the runner receives its signals.
func interruptAtEOF(in io.Reader, sigs chan<- os.Signal) {
	io.Copy(io.Discard, in)
	sigs <- syscall.SIGINT
}
