package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// --fs container confines the command to the container's own privileges
// (docs/security.md, "--fs container"): a container plants programs where
// a host shell looks for commands, and whatever the command runs among its
// files must get no more than the container's processes have.

// planted is a distroless container whose /usr/local/bin/cat and
// /usr/bin/curl are the attacker's report program (testdata/attacker,
// planted.go), with /shared bound to a host directory that names a host
// victim file.
type planted struct {
	task   *harness.Task
	shared string // host side of /shared: planted.log, victim
	victim string // a host file the planted program tries to write
}

const victimText = "host file, not the container's\n"

func plantContainer(t *testing.T, c *harness.Containerd, opts ...oci.SpecOpts) *planted {
	t.Helper()
	rootfs := harness.DistrolessRootfs(t)
	for _, p := range []string{"usr/local/bin/cat", "usr/bin/curl"} {
		if err := os.MkdirAll(filepath.Join(rootfs, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := harness.CopyFile(harness.AttackerBinary(t), filepath.Join(rootfs, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := &planted{shared: t.TempDir(), victim: filepath.Join(t.TempDir(), "victim")}
	os.Chmod(p.shared, 0o777)
	for name, text := range map[string]string{p.victim: victimText, filepath.Join(p.shared, "victim"): p.victim, filepath.Join(p.shared, "planted.log"): ""} {
		if err := os.WriteFile(name, []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	mount := specs.Mount{Destination: "/shared", Type: "bind", Source: p.shared, Options: []string{"rbind", "rw"}}
	opts = append([]oci.SpecOpts{oci.WithRootFSPath(rootfs), oci.WithMounts([]specs.Mount{mount})}, opts...)
	p.task = c.RunTask(t, fsNS, harness.UniqueID("planted"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(opts...))
	return p
}

// checkVictim fails the test if the host file changed.
func (p *planted) checkVictim(t *testing.T) {
	t.Helper()
	if got := harness.ReadFile(t, p.victim); got != victimText {
		t.Errorf("the container's planted program wrote to the host file %s: %q", p.victim, got)
	}
}

func (p *planted) log(t *testing.T) string {
	return harness.ReadFile(t, filepath.Join(p.shared, "planted.log"))
}

// report is a REPORT line of the planted program, field by field.
func parseReport(t *testing.T, out string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		for _, prefix := range []string{"REPORT ", "ESCAPE "} {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				for _, kv := range regexp.MustCompile(`(\w+)=(\[[^\]]*\]|\S+)`).FindAllStringSubmatch(rest, -1) {
					fields[kv[1]] = kv[2]
				}
			}
		}
	}
	if fields["eff"] == "" {
		t.Fatalf("no REPORT line in %q", out)
	}
	return fields
}

// The attack of issue 11: a shell the operator runs with --fs container
// runs a program the container planted (issue 11 left the pid namespace
// out, so that busybox searched PATH, which the user pointed into the
// container; --fs container now joins every namespace, docs/security.md
// defence 18, and here the shell names the program). It must run with the
// container's privileges: its capabilities, so no fresh procfs and no host
// file through it.
func TestFsContainerPlantedProgramGetsOnlyTheContainersPrivileges(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	p := plantContainer(t, c)
	init := harness.InitStatus(t, p.task)
	out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", p.task.ID, busybox, "sh", "-c", "/usr/local/bin/cat /etc/hostname").OK(t)
	r := parseReport(t, out)
	p.checkVictim(t)
	if r["eff"] != init["CapEff"] || r["bnd"] != init["CapBnd"] || r["uid"] != "0" || r["mount"] == "ok" || r["write"] == "ok" {
		t.Fatalf("the container's cat ran with effective %s bounding %s (the container's init: %s, %s), uid %s; its procfs mount: %s, its write to the host: %s",
			r["eff"], r["bnd"], init["CapEff"], init["CapBnd"], r["uid"], r["mount"], r["write"])
	}
}

// Without -e PATH the command's PATH names nothing of the container's
// (nor does the container's own PATH, which its OCI spec gives): the
// default shell's cat and curl are busybox's or nothing, never the planted
// ones.
func TestFsContainerDefaultShellNeverRunsTheContainersPrograms(t *testing.T) {
	c := harness.SharedContainerd(t)
	harness.StaticBusybox(t)
	p := plantContainer(t, c, oci.WithEnv([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}))
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", fsNS, "--fs", "container", p.task.ID)
	cmd.Stdin = strings.NewReader("echo PATH=$PATH; cat /etc/hostname; curl http://127.0.0.1:1/\n")
	out, _ := cmd.CombinedOutput()
	p.checkVictim(t)
	if log := p.log(t); log != "" || strings.Contains(string(out), "REPORT") {
		t.Fatalf("the default shell ran the container's program:\n%s%s", out, log)
	}
	if !strings.Contains(string(out), "PATH=/dev/null\n") {
		t.Fatalf("the default shell's PATH: %q", out)
	}
}

// withUser runs the container as uid:gid with supplementary groups.
func withUser(uid, gid uint32, groups ...uint32) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *specs.Spec) error {
		s.Process.User = specs.User{UID: uid, GID: gid, AdditionalGids: groups}
		return nil
	}
}

// The command's user, groups, capability sets and no_new_privs are the
// container's init's, as runc gave them: as root with the default
// capabilities, and as a user of its own.
func TestFsContainerCommandHasTheContainersUserAndCapabilities(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	for name, opts := range map[string][]oci.SpecOpts{
		"root":         nil,
		"uid 1234":     {withUser(1234, 1234, 2000, 2001)},
		"no_new_privs": {oci.WithNoNewPrivileges},
	} {
		t.Run(name, func(t *testing.T) {
			tk := c.RunTask(t, fsNS, harness.UniqueID("creds"), harness.WithArgs("/sleep", "100000"),
				harness.WithSpecOpts(append([]oci.SpecOpts{oci.WithRootFSPath(harness.DistrolessRootfs(t))}, opts...)...))
			init := harness.InitStatus(t, tk)
			out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "sh", "-c", "busybox id; cat /proc/self/status").OK(t)
			id, rest, _ := strings.Cut(out, "\n")
			uid, gid := strings.Fields(init["Uid"])[0], strings.Fields(init["Gid"])[0]
			if !strings.HasPrefix(id, fmt.Sprintf("uid=%s gid=%s", uid, gid)) {
				t.Errorf("busybox id: %q, want the container's uid %s and gid %s", id, uid, gid)
			}
			self := map[string]string{}
			for _, line := range strings.Split(rest, "\n") {
				k, v, _ := strings.Cut(line, ":")
				self[k] = strings.TrimSpace(v)
			}
			for _, k := range []string{"Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"} {
				if self[k] != init[k] {
					t.Errorf("%s: the command's %q, the container's init's %q", k, self[k], init[k])
				}
			}
		})
	}
}

// A system call the container's seccomp profile denies fails in the
// command too: keyctl, which containerd's default profile answers EPERM.
// The busybox shell still works under the profile.
func TestFsContainerCommandIsUnderTheContainersSeccompProfile(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("seccomp"), harness.WithArgs("/sleep", "100000"),
		harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t)), seccomp.WithDefaultProfile()))
	r := parseReport(t, harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, harness.AttackerBinary(t), "-mode", "report").OK(t))
	if r["seccomp"] != "2" || r["keyctl"] != "EPERM" {
		t.Fatalf("seccomp mode %s, keyctl %s: want mode 2 and the profile's EPERM", r["seccomp"], r["keyctl"])
	}
	out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "sh", "-c",
		"ls / >/dev/null && ps >/dev/null && netstat -tn >/dev/null && cat /etc/hostname").OK(t)
	if out != "distroless\n" {
		t.Fatalf("the busybox shell under the profile: %q", out)
	}
}

// The command lives in the container's cgroups: its limits bind it.
func TestFsContainerCommandJoinsTheContainersCgroups(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("cgroup"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	out := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, busybox, "sh", "-c", "cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup").OK(t)
	self, init, _ := strings.Cut(out, "---\n")
	if self != init {
		t.Fatalf("the command's cgroups:\n%s\nthe container's init's:\n%s", self, init)
	}
}

// -t PID takes the privileges of the process itself; one under a seccomp
// filter, which cannot be copied, is refused.
func TestFsContainerTargetPIDGetsThatProcesssPrivileges(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("pid-creds"), harness.WithArgs("/sleep", "100000"),
		harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t)), withUser(1234, 1234)))
	init := harness.InitStatus(t, tk)
	pid := fmt.Sprint(tk.PID)
	out := harness.Nsj(t, "--fs", "container", "-t", pid, busybox, "sh", "-c", "busybox id -u; grep -E '^(CapEff|CapPrm|CapBnd)' /proc/self/status").OK(t)
	want := fmt.Sprintf("1234\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\n", init["CapPrm"], init["CapEff"], init["CapBnd"])
	if out != want {
		t.Fatalf("-t %s: got\n%s\nwant\n%s", pid, out, want)
	}
	sc := c.RunTask(t, fsNS, harness.UniqueID("pid-seccomp"), harness.WithArgs("/sleep", "100000"),
		harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t)), seccomp.WithDefaultProfile()))
	harness.Nsj(t, "--fs", "container", "-t", fmt.Sprint(sc.PID), busybox, "true").Fails(t, 125, "seccomp filter")
}

// --privileged keeps the host's privileges, on purpose and with a warning;
// it means nothing without --fs container.
func TestFsContainerPrivilegedKeepsTheHostsPrivilegesAndWarns(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("privileged"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	r := harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", "--privileged", tk.ID, harness.AttackerBinary(t), "-mode", "report")
	rep := parseReport(t, r.OK(t))
	if own := harness.ProcStatus(t, os.Getpid())["CapEff"]; rep["eff"] != own {
		t.Errorf("--privileged: effective %s, nsj's own %s", rep["eff"], own)
	}
	if !strings.Contains(r.Stderr, "--privileged: the command keeps the host's root privileges") {
		t.Errorf("no warning: %q", r.Stderr)
	}
	harness.NsjAt(t, c, "-n", fsNS, "--privileged", tk.ID, "true").Fails(t, 125, "--privileged goes with --fs container")
}

// The default shell in a distroless container: busybox's applets work,
// with the container's user and capabilities.
func TestFsContainerDefaultShellWorksWithTheContainersPrivileges(t *testing.T) {
	c := harness.SharedContainerd(t)
	harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("shell"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	init := harness.InitStatus(t, tk)
	cmd := exec.Command(harness.NsjPath(t), "-a", c.Address, "-n", fsNS, "--fs", "container", tk.ID)
	cmd.Stdin = strings.NewReader(strings.Join([]string{
		"id", "ls /", "ps -o pid,args", "netstat -tln", "cat /etc/hostname",
		"wget -q -O- http://127.0.0.1:1/ 2>&1; echo wget=$?", "grep CapEff /proc/self/status",
	}, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the default shell: %v\n%s", err, out)
	}
	for _, want := range []string{"uid=0 gid=0\n", "sleep\n", "1 /sleep 100000\n", "Active Internet connections", "distroless\n",
		"Connection refused\nwget=1\n", "CapEff:\t" + init["CapEff"] + "\n"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("the default shell's output lacks %q:\n%s", want, out)
		}
	}
}

// A paused container's cgroup is frozen: the command would be too.
func TestFsContainerRefusesAPausedTask(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("paused"), harness.TaskPaused())
	r := harness.NsjAt(t, c, "-n", fsNS, "--log-level", "error", "--fs", "container", tk.ID, harness.StaticBusybox(t), "true")
	r.Fails(t, 125, "is paused: --fs container puts the command in its cgroups")
}

// A process the command leaves behind outlives nsj: it is the container's
// (its capabilities, its cgroups, its pid namespace), and goes when the
// container is removed.
func TestFsContainerLeftoverProcessIsTheContainersAndGoesWithIt(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("leftover"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	init := harness.InitStatus(t, tk)
	arg := fmt.Sprint(os.Getpid()%100000 + 200000) // /sleep's argument names this test's leftover
	harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, harness.StaticBusybox(t), "sh", "-c", "/sleep "+arg+" >/dev/null 2>&1 &").OK(t)
	var pid int
	harness.WaitFor(t, 5*time.Second, "the leftover /sleep", func() bool { pid = processWithCmdline("/sleep\x00" + arg + "\x00"); return pid > 0 })
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	left := harness.ProcStatus(t, pid)
	if left["CapEff"] != init["CapEff"] || harness.ReadFile(t, fmt.Sprintf("/proc/%d/cgroup", pid)) != harness.ReadFile(t, fmt.Sprintf("/proc/%d/cgroup", tk.PID)) {
		t.Fatalf("the leftover has effective capabilities %s (the container's: %s) and cgroups\n%s", left["CapEff"], init["CapEff"],
			harness.ReadFile(t, fmt.Sprintf("/proc/%d/cgroup", pid)))
	}
	ctx, cancel := harness.TaskContext(fsNS)
	defer cancel()
	if err := c.RemoveContainer(ctx, fsNS, tk.ID); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, 5*time.Second, "the leftover to go with the container", func() bool { return processWithCmdline("/sleep\x00"+arg+"\x00") == 0 })
}

// processWithCmdline is the PID of a process whose command line is
// cmdline, 0 if none.
func processWithCmdline(cmdline string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && string(b) == cmdline {
			return pid
		}
	}
	return 0
}

// A pod's container, and its sandbox, as kubelet makes them: the command
// has the privileges and cgroups of the pid namespace's init (the
// container's own process, or the sandbox's pause).
func TestFsContainerInAPodHasThatContainersPrivileges(t *testing.T) {
	c := harness.SharedCRI(t)
	busybox := harness.StaticBusybox(t)
	p := c.RunPod(t, "default", harness.UniqueID("confined"))
	p.Start(t, "app", 0, "sleep", "100004")
	// Seccomp is left out: every command nsj runs has at least the TIOCSTI
	// filter (ttyfilter.c), whether or not the container has a profile;
	// TestFsContainerCommandIsUnderTheContainersSeccompProfile covers profiles.
	script := `grep -E '^(Uid|Gid|Cap|NoNewPrivs)' /proc/self/status; cat /proc/self/cgroup; echo ---; ` +
		`grep -E '^(Uid|Gid|Cap|NoNewPrivs)' /proc/1/status; cat /proc/1/cgroup`
	// Every namespace of the sandbox's pause is joined, its pid namespace
	// among them (docs/security.md, defence 18).
	for _, target := range [][]string{{"pod/" + p.Name + "/app"}, {"--sandbox", "pod/" + p.Name}} {
		args := append(append([]string{"--fs", "container"}, target...), busybox, "sh", "-c", script)
		out := harness.NsjPod(t, c, args...).OK(t)
		self, init, _ := strings.Cut(out, "---\n")
		if self != init || !strings.Contains(self, "CapEff") {
			t.Errorf("%v: the command's privileges and cgroups:\n%s\nthe pid namespace's init's:\n%s", target, self, init)
		}
	}
}
