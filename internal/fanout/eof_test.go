package fanout

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestInterruptAtEOFSendsSIGINTWhenStdinEnds(t *testing.T) {
	rd, wr := io.Pipe()
	sigs := make(chan os.Signal, 1)
	go interruptAtEOF(rd, sigs)
	wr.Write([]byte("input is read and ignored\n"))
	select {
	case s := <-sigs:
		t.Fatalf("%v before stdin ended", s)
	case <-time.After(50 * time.Millisecond):
	}
	wr.Close()
	select {
	case s := <-sigs:
		if s != syscall.SIGINT {
			t.Fatalf("got %v at EOF, want SIGINT", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no signal 5 s after stdin ended")
	}
}
