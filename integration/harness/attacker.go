package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The hostile container of the security tests: a container whose init is
// the attacker program (testdata/attacker), which tries to get hold of the
// processes nsj puts in it and logs what it got to a directory the test
// shares with it.

// Attacker is a running attacker container.
type Attacker struct {
	Task   *Task
	Shared string // the host side of the container's /shared
}

// StartAttacker runs the attacker in a new container of c in mode (peek or
// exe; see testdata/attacker), allowed to write to the files victims, and
// waits until it is at work. opts change the container (capabilities).
func StartAttacker(t *testing.T, c *Containerd, mode string, victims []string, opts ...oci.SpecOpts) *Attacker {
	t.Helper()
	return LaunchAttacker(t, c, AttackerConfig{Mode: mode, Victims: victims, Opts: opts})
}

// AttackerConfig is an attacker container: the attacker's mode, victims and
// further arguments; the host uid its /shared directory belongs to (the
// container's root, when it has a user namespace of its own); and options
// for its spec.
type AttackerConfig struct {
	Mode    string
	Victims []string
	Args    []string
	Owner   int
	Opts    []oci.SpecOpts
}

// LaunchAttacker runs the attacker container cfg describes and waits until
// it is at work.
func LaunchAttacker(t *testing.T, c *Containerd, cfg AttackerConfig) *Attacker {
	t.Helper()
	shared := OpenTempDir(t, "nsj-attacker-shared-")
	if err := os.Chown(shared, cfg.Owner, cfg.Owner); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(cfg.Victims))
	for i, v := range cfg.Victims {
		ids[i] = FileID(t, v)
	}
	mount := specs.Mount{Destination: "/shared", Type: "bind", Source: shared, Options: []string{"rbind", "rw"}}
	opts := append([]oci.SpecOpts{oci.WithRootFSPath(AttackerRootfs(t)), oci.WithMounts([]specs.Mount{mount})}, cfg.Opts...)
	args := append([]string{"/attacker", "-mode", cfg.Mode, "-log", "/shared/log", "-stop", "/shared/stop", "-victims", strings.Join(ids, ",")}, cfg.Args...)
	tk := c.RunTask(t, "nsj-security", UniqueID("attacker-"+cfg.Mode), WithArgs(args...), WithSpecOpts(opts...))
	a := &Attacker{Task: tk, Shared: shared}
	WaitFor(t, 20*time.Second, "the attacker to start", func() bool { return strings.HasPrefix(a.Log(), "READY") })
	return a
}

// Log is what the attacker has logged so far.
func (a *Attacker) Log() string {
	b, _ := os.ReadFile(filepath.Join(a.Shared, "log"))
	return string(b)
}

// Attempts are the counts of one kind of attempt on /proc/PID files.
type Attempts struct{ OK, Denied, Gone, Other int }

// VictimReport is what the attacker did to one victim file.
type VictimReport struct {
	Grabs, NowOK, LaterOK int
	NowErr, LaterErr      string
}

// AttackReport is the attacker's summary.
type AttackReport struct {
	Log      string
	Kinds    map[string]Attempts     // by "KIND COMM": "environ nsj", "exe sleep"
	Victims  map[string]VictimReport // by device:inode
	Problems []string                // OK and ERROR lines
}

// Stop asks the attacker for its summary and parses it.
func (a *Attacker) Stop(t *testing.T) *AttackReport {
	t.Helper()
	if err := os.WriteFile(filepath.Join(a.Shared, "stop"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, 30*time.Second, "the attacker's summary", func() bool { return strings.HasSuffix(a.Log(), "DONE\n") })
	r := &AttackReport{Log: a.Log(), Kinds: map[string]Attempts{}, Victims: map[string]VictimReport{}}
	for _, line := range strings.Split(r.Log, "\n") {
		f := LogFields(line)
		switch {
		case strings.HasPrefix(line, "SUMMARY "):
			r.Kinds[f["kind"]+" "+f["comm"]] = Attempts{Atoi(f["ok"]), Atoi(f["denied"]), Atoi(f["gone"]), Atoi(f["other"])}
		case strings.HasPrefix(line, "VICTIM "):
			id := strings.Fields(line)[1]
			r.Victims[id] = VictimReport{Atoi(f["grabs"]), Atoi(f["now_ok"]), Atoi(f["later_ok"]), f["now_err"], f["later_err"]}
		case strings.HasPrefix(line, "OK "), strings.HasPrefix(line, "ERROR "):
			r.Problems = append(r.Problems, line)
		}
	}
	return r
}

// On sums the attempts of a kind on the processes named comm ("" for any).
func (r *AttackReport) On(kind, comm string) Attempts {
	var sum Attempts
	for k, a := range r.Kinds {
		kk, c, _ := strings.Cut(k, " ")
		if kk == kind && (comm == "" || c == comm) {
			sum.OK += a.OK
			sum.Denied += a.Denied
			sum.Gone += a.Gone
			sum.Other += a.Other
		}
	}
	return sum
}

// RequireRefused checks that the attacker tried, and failed with EACCES or
// EPERM, to open every /proc/PID file that the ptrace access check guards
// of the processes named comms.
func RequireRefused(t *testing.T, r *AttackReport, comms ...string) {
	t.Helper()
	for _, comm := range comms {
		for _, kind := range []string{"environ", "mem", "exe", "cwd", "root", "fd/N"} {
			got := r.On(kind, comm)
			if got.OK > 0 || got.Other > 0 {
				t.Errorf("%s: /proc/PID/%s opened %d times, failed otherwise than EACCES/EPERM %d times", comm, kind, got.OK, got.Other)
			}
			if got.Denied == 0 {
				t.Errorf("%s: /proc/PID/%s never refused (%+v): the attacker never reached it", comm, kind, got)
			}
		}
	}
}

// LogOnFailure shows the attacker's log if the test failed.
func LogOnFailure(t *testing.T, r *AttackReport) {
	if t.Failed() {
		t.Logf("attacker log:\n%s", r.Log)
	}
}
