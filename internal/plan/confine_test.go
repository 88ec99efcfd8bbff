package plan

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestSpecRlimits(t *testing.T) {
	got, err := specRlimits([]specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096}, {Type: "RLIMIT_CORE"}})
	want := []nsjoin.Rlimit{{Resource: unix.RLIMIT_NOFILE, Soft: 1024, Hard: 4096}, {Resource: unix.RLIMIT_CORE}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("specRlimits = %v, %v; want %v", got, err, want)
	}
	for _, bad := range [][]specs.POSIXRlimit{
		{{Type: "RLIMIT_BOGUS"}},
		{{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 1}},
		{{Type: "RLIMIT_NOFILE"}, {Type: "RLIMIT_NOFILE"}},
	} {
		if _, err := specRlimits(bad); err == nil {
			t.Errorf("specRlimits(%v) accepted", bad)
		}
	}
}

// /proc/self/limits lists the limits getrlimit(2) gives, in resource order.
func TestPidRlimitsMatchGetrlimit(t *testing.T) {
	got, err := pidRlimits(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rlimitNames) {
		t.Fatalf("%d limits, want %d", len(got), len(rlimitNames))
	}
	for _, l := range got {
		var want unix.Rlimit
		if err := unix.Getrlimit(l.Resource, &want); err != nil {
			t.Fatal(err)
		}
		if l.Soft != want.Cur || l.Hard != want.Max {
			t.Errorf("%s: %d/%d, getrlimit says %d/%d", rlimitNames[l.Resource], l.Soft, l.Hard, want.Cur, want.Max)
		}
	}
}

func TestWithinKeepsWhatNsjHas(t *testing.T) {
	own := &creds.Creds{Bounding: 0b0111, Permitted: 0b0111, Effective: 0b0111}
	ctr := creds.Creds{Bounding: 0b1111, Effective: 0b1010, Permitted: 0b1110, Inheritable: 0b1100, Ambient: 0b1100, UID: 7}
	got := within(ctr, own)
	want := creds.Creds{Bounding: 0b0111, Effective: 0b0010, Permitted: 0b0110, Inheritable: 0b0100, Ambient: 0b0100, UID: 7}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("within = %+v, want %+v", got, want)
	}
}

// oomScoreAdj reads what the kernel holds for a process: a child given 345
// (raising one's score needs no privilege) reads 345.
func TestOOMScoreAdjReadsTheProcesss(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid), []byte("345"), 0); err != nil {
		t.Fatal(err)
	}
	if got, err := oomScoreAdj(pid); got != 345 || err != nil {
		t.Errorf("oomScoreAdj = %d, %v; want 345", got, err)
	}
	if _, err := oomScoreAdj(1 << 30); err == nil {
		t.Error("oomScoreAdj of no process: no error")
	}
}
