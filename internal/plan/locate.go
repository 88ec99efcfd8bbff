package plan

import (
	"errors"
	"fmt"

	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Located is a running container found for nsj cp: its init process,
// pinned, and its OCI spec. Nothing of it is joined.
type Located struct {
	Name    string          // for messages: "task default/web"
	Process *nsjoin.Process // the init process, pinned against PID reuse
	Spec    *specs.Spec     // nil for -t PID
	done    func()
}

// Close releases the pin and the containerd connection.
func (l *Located) Close() {
	l.Process.Close()
	l.done()
}

// Locate finds the container a names (a task word or a pod reference, as a
// join does), pins its init process and checks, once pinned, that
// containerd still runs the same task, so that the pin is that task's.
func Locate(a *Ask) (*Located, error) {
	if err := RequireAdmin(); err != nil {
		return nil, err
	}
	t, err := findTarget(a, nsjoin.Selection{Types: []string{}, Explicit: true})
	if err != nil {
		return nil, err
	}
	if t.pid == 0 {
		t.done()
		return nil, fmt.Errorf("%s has no running process; nsj cp copies from and to running containers", t.name)
	}
	p, err := nsjoin.PinProcess(t.pid)
	if errors.Is(err, nsjoin.ErrNoProcess) {
		err = t.gone(fmt.Errorf("no process with PID %d", t.pid))
	}
	if err != nil {
		t.done()
		return nil, err
	}
	if t.recheck != nil {
		if err := t.recheck(); err != nil {
			p.Close()
			t.done()
			return nil, err
		}
	}
	return &Located{Name: t.name, Process: p, Spec: t.spec, done: t.done}, nil
}
