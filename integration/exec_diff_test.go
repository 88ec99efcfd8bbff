package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
)

// The rule of docs/security.md ("The rule: no more than runc exec"): under
// --fs container, nsj's command is indistinguishable from a `runc exec`
// (`ctr task exec`) of a static binary that was already in the container,
// except for the binary's bytes. The container's root can reach such a
// command (same user, no more capabilities, dumpable), so anything host's
// it carried would be the container's to take.
//
// The test runs the same static probe (testdata/probe) both ways in one
// real runc container, with containerd's default capabilities and seccomp
// profile, and compares what each got, field by field. Every difference
// must be in diffAllowed, each entry saying why it is safe; the list is the
// one docs/security.md gives.

const diffNS = "nsj-diff"

// operatorSecret is in nsj's environment (the operator's) and must not
// reach the command.
const operatorSecret = "NSJ_DIFF_OPERATOR_SECRET=operator-secret-19"

// allowance is a difference the rule tolerates: for the keys it names (a
// key, or a prefix ending in "."), when ok says the two values are the
// expected ones.
type allowance struct {
	keys string
	why  string
	ok   func(runc, nsj string, nsjReport map[string]string) bool
}

// diffAllowed is every difference between runc exec and nsj --fs container
// that docs/security.md explains ("The rule: no more than runc exec", in
// the same order).
var diffAllowed = []allowance{
	{
		keys: "exe.",
		why: "the binary's bytes: runc exec runs the container's own /probe, nsj a copy of the host's " +
			"that can never be written, now or after the command has exited (a sealed memfd or a read-only " +
			"mount), so /proc/PID/exe gives the container nothing of the host's to write",
		ok: func(_, _ string, n map[string]string) bool { return n["exe.writable_later"] == "false" },
	},
	{
		keys: "status.Seccomp_filters",
		why: "nsj adds one filter of its own after the container's, the one that makes TIOCSTI and " +
			"TIOCLINUX fail (defence 9): a filter only takes away, and cannot be removed",
		ok: func(runc, nsj string, _ map[string]string) bool { return diffNumber(nsj) == diffNumber(runc)+1 },
	},
	{
		keys: "env.PATH",
		why: "PATH=/dev/null unless -e PATH (defence 16): the container's PATH would make the host " +
			"shell, or busybox falling back to PATH, run the container's programs; a search that finds " +
			"nothing gives the container nothing",
		ok: func(_, nsj string, _ map[string]string) bool { return nsj == "/dev/null" },
	},
	{
		keys: "env.HOME",
		why: "runc exec adds HOME when the spec has none (from the container's /etc/passwd, or /); nsj " +
			"gives the spec's environment only: a variable less, nothing of the host's",
		ok: func(_, nsj string, _ map[string]string) bool { return nsj == "" },
	},
	{
		keys: "env.NSJ_ROOT",
		why: "nsj tells every command where the container's root is (docs/nsj.1.md); under --fs " +
			"container it is /, which names nothing of the host's",
		ok: func(runc, nsj string, _ map[string]string) bool { return runc == "" && nsj == "/" },
	},
	{
		keys: "env.TERM",
		why: "nsj passes the operator terminal's type so that the command can draw on the terminal it " +
			"relays; a terminal's name (xterm), nothing secret; runc exec has no terminal type to pass",
		ok: func(runc, nsj string, _ map[string]string) bool { return runc == "" && nsj == os.Getenv("TERM") },
	},
	{
		keys: "fd.",
		why: "on a terminal, the command's pseudo-terminal is one nsj opened on the host's devpts, " +
			"not in the container's (defence 17): nsj's parent holds nothing of the container's; its " +
			"master is nsj's and closes when nsj exits",
		ok: func(runc, nsj string, _ map[string]string) bool {
			return runc == "pts:container rdwr" && nsj == "pts:foreign rdwr"
		},
	},
}

// diffNumber is s as a number; one far below any real value if s is none.
func diffNumber(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1 << 20
	}
	return n
}

// probeTask is a distroless container running /sleep, with the probe at
// /probe, containerd's default capabilities and seccomp profile, and opts.
func probeTask(t *testing.T, c *harness.Containerd, opts ...oci.SpecOpts) *harness.Task {
	t.Helper()
	rootfs := harness.DistrolessRootfs(t)
	if err := harness.CopyFile(harness.ProbeBinary(t), filepath.Join(rootfs, "probe"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts = append([]oci.SpecOpts{oci.WithRootFSPath(rootfs), seccomp.WithDefaultProfile()}, opts...)
	tk := c.RunTask(t, diffNS, harness.UniqueID("diff"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(opts...))
	harness.InitStatus(t, tk) // runc has executed /sleep: the container is as it will stay
	return tk
}

// probeKey is a key the probe prints.
var probeKey = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// runProbe runs cmd, with stdio on pipes or on a terminal of its own, and
// returns the probe's report (nil if cmd exited 125: nsj refused).
func runProbe(t *testing.T, cmd *exec.Cmd, tty bool) map[string]string {
	t.Helper()
	var out string
	if tty {
		s := harness.StartOnPty(t, cmd)
		if code := s.Wait(t); code == 125 {
			return nil
		} else if code != 0 {
			t.Fatalf("%s exited %d on a terminal:\n%s", strings.Join(cmd.Args, " "), code, s.Output())
		}
		s.Expect(t, "END")
		out = strings.ReplaceAll(s.Output(), "\r", "")
	} else {
		// Redirected, as from an operator's shell: stdio on pipes (what
		// ctr gives runc exec), the operator's terminal still the
		// controlling one.
		cmd.Stdin = strings.NewReader("")
		cmd.ExtraFiles = []*os.File{operatorTTY(t)}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 3}
		r := harness.RunUntil(t, cmd, 60e9, nil)
		if r.Code == 125 {
			return nil
		}
		if r.Code != 0 || !strings.Contains(r.Stdout, "\nEND\n") {
			t.Fatalf("%s exited %d\nstdout: %s\nstderr: %s", strings.Join(cmd.Args, " "), r.Code, r.Stdout, r.Stderr)
		}
		out = r.Stdout
	}
	report := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		// Not ctr's own messages on the terminal ("ERRO[0000] resize pty ... error=...").
		if k, v, ok := strings.Cut(line, "="); ok && probeKey.MatchString(k) {
			report[k] = v
		}
	}
	return report
}

// operatorTTY is the slave of a new terminal, for a controlling terminal.
func operatorTTY(t *testing.T) *os.File {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return slave
}

// differences lists, sorted, every key whose values differ and that no
// allowance explains; allowed lists the explained ones.
func differences(runc, nsj map[string]string, describe func(k, v string) string) (unexplained, allowed []string) {
	keys := map[string]bool{}
	for k := range runc {
		keys[k] = true
	}
	for k := range nsj {
		keys[k] = true
	}
	for k := range keys {
		if runc[k] == nsj[k] {
			continue
		}
		line := fmt.Sprintf("%s: runc exec %s, nsj %s", k, describe(k, runc[k]), describe(k, nsj[k]))
		if a := allowanceFor(k, runc[k], nsj[k], nsj); a != nil {
			allowed = append(allowed, line+" (allowed: "+a.why+")")
			continue
		}
		unexplained = append(unexplained, line)
	}
	sort.Strings(unexplained)
	sort.Strings(allowed)
	return unexplained, allowed
}

func allowanceFor(k, runc, nsj string, nsjReport map[string]string) *allowance {
	for i, a := range diffAllowed {
		if (k == a.keys || strings.HasSuffix(a.keys, ".") && strings.HasPrefix(k, a.keys)) && a.ok(runc, nsj, nsjReport) {
			return &diffAllowed[i]
		}
	}
	return nil
}

// nsDescriber annotates namespace links with whose they are: the
// container's (its init's) or the host's (the test's own).
func nsDescriber(t *testing.T, initPID uint32) func(k, v string) string {
	return func(k, v string) string {
		if v == "" {
			return "(none)"
		}
		name, ok := strings.CutPrefix(k, "ns.")
		if !ok {
			return fmt.Sprintf("%q", v)
		}
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", initPID, name)); l == v {
			return v + " (the container's)"
		}
		if l, _ := os.Readlink("/proc/self/ns/" + name); l == v {
			return v + " (the host's)"
		}
		return v
	}
}

// The differential test: the probe run by `ctr task exec` and by nsj
// --fs container in the same container must agree on every field, but
// for the differences diffAllowed explains. Variants: root, a user of
// the spec's own with groups, both on a terminal (ctr -t against nsj's
// relay), and nsj told to join only some namespaces (it must refuse, or
// agree all the same).
func TestFsContainerCommandIsIndistinguishableFromRuncExec(t *testing.T) {
	c := harness.SharedContainerd(t)
	harness.RequireBinaries(t, "ctr")
	for _, v := range []struct {
		name string
		spec []oci.SpecOpts
		tty  bool
		nsj  []string // more nsj options
	}{
		{name: "root"},
		{name: "uid 1234", spec: []oci.SpecOpts{withUser(1234, 1234, 2000, 2001)}},
		{name: "on a terminal", tty: true},
		{name: "--ns net,uts,ipc", nsj: []string{"--ns", "net,uts,ipc"}},
	} {
		t.Run(v.name, func(t *testing.T) {
			tk := probeTask(t, c, v.spec...)
			runc := runProbe(t, c.TaskExec(diffNS, tk.ID, v.tty, "/probe"), v.tty)
			if runc == nil {
				t.Fatal("ctr task exec exited 125")
			}
			args := append([]string{"-a", c.Address, "-n", diffNS, "--fs", "container"}, v.nsj...)
			cmd := exec.Command(harness.NsjPath(t), append(args, tk.ID, harness.ProbeBinary(t))...)
			cmd.Env = append(os.Environ(), operatorSecret)
			nsj := runProbe(t, cmd, v.tty)
			if nsj == nil {
				if v.nsj == nil {
					t.Fatal("nsj refused (exit 125)")
				}
				return // refusing a subset of the namespaces keeps the rule
			}
			unexplained, allowed := differences(runc, nsj, nsDescriber(t, tk.PID))
			for _, a := range allowed {
				t.Log(a)
			}
			if len(unexplained) > 0 {
				t.Errorf("nsj's command differs from runc exec's where docs/security.md does not explain it (%d):\n%s",
					len(unexplained), strings.Join(unexplained, "\n"))
			}
		})
	}
}
