package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The hostile container of the security tests: a container whose init is
// the attacker program (testdata/attacker), which tries to get hold of the
// processes nsj puts in it and logs what it got to a directory the test
// shares with it.

// attack is a running attacker container.
type attack struct {
	task   *harness.Task
	shared string // the host side of the container's /shared
}

// startAttacker runs the attacker in a new container of c in mode (peek or
// exe; see testdata/attacker), allowed to write to the files victims, and
// waits until it is at work. opts change the container (capabilities).
func startAttacker(t *testing.T, c *harness.Containerd, mode string, victims []string, opts ...oci.SpecOpts) *attack {
	t.Helper()
	return launchAttacker(t, c, attackerConfig{mode: mode, victims: victims, opts: opts})
}

// attackerConfig is an attacker container: the attacker's mode, victims and
// further arguments; the host uid its /shared directory belongs to (the
// container's root, when it has a user namespace of its own); and options
// for its spec.
type attackerConfig struct {
	mode    string
	victims []string
	args    []string
	owner   int
	opts    []oci.SpecOpts
}

func launchAttacker(t *testing.T, c *harness.Containerd, cfg attackerConfig) *attack {
	t.Helper()
	shared := harness.OpenTempDir(t, "nsj-attacker-shared-")
	if err := os.Chown(shared, cfg.owner, cfg.owner); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(cfg.victims))
	for i, v := range cfg.victims {
		ids[i] = harness.FileID(t, v)
	}
	mount := specs.Mount{Destination: "/shared", Type: "bind", Source: shared, Options: []string{"rbind", "rw"}}
	opts := append([]oci.SpecOpts{oci.WithRootFSPath(harness.AttackerRootfs(t)), oci.WithMounts([]specs.Mount{mount})}, cfg.opts...)
	args := append([]string{"/attacker", "-mode", cfg.mode, "-log", "/shared/log", "-stop", "/shared/stop", "-victims", strings.Join(ids, ",")}, cfg.args...)
	tk := c.RunTask(t, "nsj-security", harness.UniqueID("attacker-"+cfg.mode), harness.WithArgs(args...), harness.WithSpecOpts(opts...))
	a := &attack{task: tk, shared: shared}
	harness.WaitFor(t, 20*time.Second, "the attacker to start", func() bool { return strings.HasPrefix(a.log(), "READY") })
	return a
}

func (a *attack) log() string {
	b, _ := os.ReadFile(filepath.Join(a.shared, "log"))
	return string(b)
}

// attempts are the counts of one kind of attempt on /proc/PID files.
type attempts struct{ ok, denied, gone, other int }

// victimReport is what the attacker did to one victim file.
type victimReport struct {
	grabs, nowOK, laterOK int
	nowErr, laterErr      string
}

// report is the attacker's summary.
type report struct {
	log      string
	kinds    map[string]attempts     // by "KIND COMM": "environ nsj", "exe sleep"
	victims  map[string]victimReport // by device:inode
	problems []string                // OK and ERROR lines
}

// stop asks the attacker for its summary and parses it.
func (a *attack) stop(t *testing.T) *report {
	t.Helper()
	if err := os.WriteFile(filepath.Join(a.shared, "stop"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, 30*time.Second, "the attacker's summary", func() bool { return strings.HasSuffix(a.log(), "DONE\n") })
	r := &report{log: a.log(), kinds: map[string]attempts{}, victims: map[string]victimReport{}}
	for _, line := range strings.Split(r.log, "\n") {
		f := harness.LogFields(line)
		switch {
		case strings.HasPrefix(line, "SUMMARY "):
			r.kinds[f["kind"]+" "+f["comm"]] = attempts{harness.Atoi(f["ok"]), harness.Atoi(f["denied"]), harness.Atoi(f["gone"]), harness.Atoi(f["other"])}
		case strings.HasPrefix(line, "VICTIM "):
			id := strings.Fields(line)[1]
			r.victims[id] = victimReport{harness.Atoi(f["grabs"]), harness.Atoi(f["now_ok"]), harness.Atoi(f["later_ok"]), f["now_err"], f["later_err"]}
		case strings.HasPrefix(line, "OK "), strings.HasPrefix(line, "ERROR "):
			r.problems = append(r.problems, line)
		}
	}
	return r
}

// on sums the attempts of a kind on the processes named comm ("" for any).
func (r *report) on(kind, comm string) attempts {
	var sum attempts
	for k, a := range r.kinds {
		kk, c, _ := strings.Cut(k, " ")
		if kk == kind && (comm == "" || c == comm) {
			sum.ok += a.ok
			sum.denied += a.denied
			sum.gone += a.gone
			sum.other += a.other
		}
	}
	return sum
}
