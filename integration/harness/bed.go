package harness

import (
	"fmt"
	"os"
	"sync"
)

// A Bed is what the tests start and must take down again: a containerd,
// a dockerd, a one-node cluster, with everything each runs. Stop tears it
// down once; later calls return the first result.
type Bed interface {
	Stop() error
}

// StopOnce runs a bed's teardown once and keeps its result: a bed's Stop
// is `return b.stop.Do(b.teardown)`.
type StopOnce struct {
	once sync.Once
	err  error
}

// Do runs teardown the first time and returns its error every time.
func (s *StopOnce) Do(teardown func() error) error {
	s.once.Do(func() { s.err = teardown() })
	return s.err
}

// SharedBed is a bed shared by the tests of this binary: start runs on
// first use, and the bed is stopped after all tests (AtExit), saying so
// if that fails.
func SharedBed[B Bed](what string, start func() (B, error)) func() (B, error) {
	return sync.OnceValues(func() (B, error) {
		b, err := start()
		if err != nil {
			return b, err
		}
		StopAtExit(what, b.Stop)
		return b, nil
	})
}

// StopAtExit calls stop after all tests (AtExit), saying if it failed.
func StopAtExit(what string, stop func() error) {
	AtExit(func() {
		if err := stop(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: stopping %s: %v\n", what, err)
		}
	})
}
