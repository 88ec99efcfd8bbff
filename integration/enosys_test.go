package integration

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// The kernel-fallback matrix (docs/compatibility.md): nsj run under
// testdata/enosys, a seccomp filter that makes newer system calls fail with
// ENOSYS as on an older kernel. Each set of calls reruns the end-to-end
// behaviours its fallback touches, on the suite's shared containerd: they
// pass, or nsj refuses with the documented message; and nsj --debug names
// the fallback it used.

// behaviour is one end-to-end test the matrix reruns.
type behaviour struct {
	name string
	run  func(*testing.T)
}

var (
	psBehaviour     = behaviour{"ps", TestTaskPsShowsTheTasksProcesses}
	ipBehaviour     = behaviour{"ip", TestTaskIpShowsOnlyLoopback}
	fdsBehaviour    = behaviour{"fds", TestCommandSeesOnlyStdioFds}
	raceBehaviour   = behaviour{"pid-reuse-race", reducedRace}
	exitBehaviour   = behaviour{"target-exits", TestTargetExitingDuringJoinIsReported}
	reuseBehaviour  = behaviour{"pid-reused-after-pin", TestPIDReusedAfterPinningIsNeverJoined}
	rootAtBehaviour = behaviour{"root-at", TestRootAtLetsHostToolsReadAndWriteTheContainersFiles}
	rootAtRefused   = behaviour{"root-at-refused", testRootAtIsRefusedWithoutOpenTree}
	workdirBehavior = behaviour{"fs-container-w-symlink", TestFsContainerWorkingDirectoryCannotLeaveTheContainer}
	rsharedFallback = behaviour{"root-at-rshared", func(t *testing.T) {
		rootAtLeavesRsharedSubmounts(t, "fallback: mount_setattr unavailable")
	}}
	resolveFallback = behaviour{"fs-container-w-resolved-step-by-step", openat2FallbackResolvesTheWorkingDirectory}
	cveBehaviour    = behaviour{"cve-2019-5736", TestPtraceCapableContainerCannotOverwriteNsjBinary}
	fsExeBehaviour  = behaviour{"fs-container-cve-2019-5736", TestFsContainerRootCannotRewriteTheCommandsHostBinary}
)

func TestKernelFallbacksPassOrRefuseUnderENOSYS(t *testing.T) {
	for _, set := range []struct {
		calls      string
		debug      []string // what nsj --debug says, one line each
		behaviours []behaviour
	}{
		{"pidfd_open,pidfd_send_signal", []string{"fallback: pidfd_open unavailable"},
			[]behaviour{psBehaviour, ipBehaviour, exitBehaviour, reuseBehaviour, raceBehaviour}},
		{"openat2", nil, []behaviour{resolveFallback, workdirBehavior}},
		{"open_tree,move_mount,mount_setattr", []string{"fallback: re-executing a sealed memfd copy"},
			[]behaviour{psBehaviour, rootAtRefused, cveBehaviour, fsExeBehaviour}},
		{"close_range", []string{"fallback: close_range unavailable"}, []behaviour{fdsBehaviour, ipBehaviour}},
		{"mount_setattr", []string{"fallback: re-executing a sealed memfd copy"}, []behaviour{rootAtBehaviour, rsharedFallback}},
		{"pidfd_open,pidfd_send_signal,openat2,open_tree,move_mount,mount_setattr,close_range",
			[]string{"fallback: pidfd_open unavailable", "fallback: re-executing a sealed memfd copy", "fallback: close_range unavailable"},
			[]behaviour{psBehaviour, ipBehaviour, fdsBehaviour, reuseBehaviour, raceBehaviour, rootAtRefused, resolveFallback, workdirBehavior, cveBehaviour}},
	} {
		t.Run(set.calls, func(t *testing.T) {
			harness.DenySyscalls(t, set.calls)
			t.Run("debug", func(t *testing.T) { fallbacksAreSaidUnderDebug(t, set.debug) })
			for _, b := range set.behaviours {
				t.Run(b.name, b.run)
			}
		})
	}
}

// fallbacksAreSaidUnderDebug: nsj --debug names each fallback it used.
func fallbacksAreSaidUnderDebug(t *testing.T, want []string) {
	tg := harness.StartTarget(t, "sleep 100000")
	r := harness.Nsj(t, "--debug", "-t", tg.PIDArg(), "true")
	r.OK(t)
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("nsj --debug does not say %q:\n%s", w, r.Stderr)
		}
	}
	if len(want) == 0 && strings.Contains(r.Stderr, "fallback:") {
		t.Errorf("nsj --debug names a fallback it should not need:\n%s", r.Stderr)
	}
}

// reducedRace is the PID-reuse race with fewer rounds, to keep the matrix
// short.
func reducedRace(t *testing.T) { racePIDReuse(t, 100) }

// Without open_tree (before Linux 5.2), --root-at is refused with a message
// naming the calls, and leaves nothing on the host.
func testRootAtIsRefusedWithoutOpenTree(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("rootat-old"), harness.WithArgs("sleep", "100000"))
	dir := filepath.Join(t.TempDir(), "missing", "root")
	harness.NsjAt(t, c, "-n", fsNS, "--root-at", dir, tk.ID, "true").
		Fails(t, 125, "--root-at needs open_tree and move_mount (Linux 5.2), which this kernel lacks; use $NSJ_ROOT")
	if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s was left on the host: %v", filepath.Dir(dir), err)
	}
}

// Without openat2 (before Linux 5.6), nsj --fs container -w resolves the
// directory through nsjoin/resolve.c's walk, and says so under --debug: the
// -w behaviours of this set then test the walk, not openat2.
func openat2FallbackResolvesTheWorkingDirectory(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("wd-walk"), harness.WithArgs("sleep", "100000"))
	r := harness.NsjAt(t, c, "-n", fsNS, "--debug", "--fs", "container", "-w", "/etc", tk.ID, busybox, "pwd")
	if out := r.OK(t); out != "/etc\n" {
		t.Errorf("-w /etc: the command ran in %q", out)
	}
	if want := "fallback: openat2 unavailable (it needs Linux 5.6): resolving /etc step by step"; !strings.Contains(r.Stderr, want) {
		t.Errorf("nsj --debug does not say %q: the walk was not taken:\n%s", want, r.Stderr)
	}
}
