package nsjoin

import (
	"errors"
	"os/exec"
	"testing"
)

func TestParseStartTime(t *testing.T) {
	for _, tc := range []struct {
		stat string
		want uint64
		bad  bool
	}{
		{stat: "1 (init) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 42 100 200", want: 42},
		{stat: "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9001 1 1\n", want: 9001},
		{stat: "7 (x) R 1 2", bad: true},
		{stat: "no parenthesis", bad: true},
		{stat: "1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -5 1", bad: true},
	} {
		got, err := parseStartTime([]byte(tc.stat))
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("parseStartTime(%q) = %d, %v; want %d, bad=%v", tc.stat, got, err, tc.want, tc.bad)
		}
	}
}

// The /proc directory pin: namespaces open through it, and once the
// process has exited Alive says so.
func TestProcDirPinSeesItsProcessExit(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	p, err := pinProcDir(cmd.Process.Pid, errors.New("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ns, err := p.OpenNamespace("uts")
	if err != nil {
		t.Fatal(err)
	}
	Close([]*Namespace{ns})
	if err := p.Alive(); err != nil {
		t.Fatalf("Alive of a running process: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if err := p.Alive(); !errors.Is(err, ErrTargetExited) {
		t.Fatalf("Alive after exit = %v, want ErrTargetExited", err)
	}
	// ESRCH: the directory still names the exited process, not a new owner.
	if _, err := p.OpenNamespace("uts"); err == nil {
		t.Fatal("opened a namespace of an exited process")
	}
}
