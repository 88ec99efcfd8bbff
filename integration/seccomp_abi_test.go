package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cseccomp "github.com/containerd/containerd/v2/contrib/seccomp"
	"github.com/containerd/containerd/v2/core/containers"
	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/elastic/go-seccomp-bpf/arch"
	mobyseccomp "github.com/moby/profiles/seccomp"
	"github.com/nsj-dev/nsj/integration/harness"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Issue 19, case 5 (docs/security.md, "The container's seccomp profile, on
// every ABI"): under --fs container a system call gets from nsj's filter
// what it gets from runc's (libseccomp's), on every ABI the machine runs.
// testdata/syscallprobe makes every system call number through x86_64, i386
// (int $0x80) and x32, plus the calls whose rules compare arguments; it runs
// as the container's init, under the filter runc installed, and then under
// nsj --fs container in the same container. Every line must be the same.
// The profiles: containerd's default, Docker's (github.com/moby/profiles,
// what dockerd applies), and two deny-lists (default allow), with and
// without "architectures". A kernel without the i386 ABI (int $0x80 faults)
// compares x86_64 and x32 only, and says so; x32 numbers reach the filter
// even where the kernel has no x32 ABI.
func TestSeccompProfileGivesEveryABIWhatRuncGivesIt(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("testdata/syscallprobe is x86_64 code; the compiler's other ABIs are checked by internal/ociseccomp's tests")
	}
	c := harness.SharedContainerd(t)
	probe := harness.SyscallProbe(t)
	known := libseccompKnows(t)
	for _, p := range []struct {
		name string
		opt  oci.SpecOpts
	}{
		{"containerd-default", cseccomp.WithDefaultProfile()},
		{"docker-default", withDockerDefaultProfile()},
		{"deny-list", withProfile(denyList([]specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}))},
		{"deny-list-native-only", withProfile(denyList(nil))},
	} {
		t.Run(p.name, func(t *testing.T) {
			rootfs := harness.DistrolessRootfs(t)
			if err := harness.CopyFile(probe, filepath.Join(rootfs, "syscallprobe"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(rootfs, "tmp"), 0o755); err != nil {
				t.Fatal(err)
			}
			tk := c.RunTask(t, fsNS, harness.UniqueID("abi-"+p.name), harness.WithArgs("/syscallprobe", "/tmp/probe.out"),
				harness.WithSpecOpts(oci.WithRootFSPath(rootfs), harness.WithWritableTmp(), p.opt))
			harness.WaitFor(t, 60*time.Second, "the container's init's probe", harness.Exists(harness.InTask(tk, "/tmp/probe.out.done")))
			runc := probeResults(t, harness.ReadFile(t, harness.InTask(tk, "/tmp/probe.out")))
			nsj := probeResults(t, harness.NsjAt(t, c, "-n", fsNS, "--fs", "container", tk.ID, probe).OK(t))
			if _, ok := runc["i386 unavailable"]; ok {
				t.Log("this kernel runs no i386 code (int $0x80 faults): x86_64 and x32 compared")
			}
			if diff := probeDiff(runc, nsj, known); diff != "" {
				t.Errorf("system calls that runc's filter and nsj's answer differently (ABI NR ARGS: runc / nsj):\n%s", diff)
			}
		})
	}
}

// denyList: everything allowed but mkdir and mkdirat (EPERM), acct (the
// thread is killed) and personality(8) (EACCES).
func denyList(arches []specs.Arch) *specs.LinuxSeccomp {
	eacces := uint(13)
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: arches, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno},
		{Names: []string{"acct"}, Action: specs.ActKill},
		{Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: &eacces,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpEqualTo}}},
	}}
}

func withProfile(p *specs.LinuxSeccomp) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *specs.Spec) error {
		s.Linux.Seccomp = p
		return nil
	}
}

// withDockerDefaultProfile: the profile dockerd gives a container by default.
func withDockerDefaultProfile() oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *specs.Spec) error {
		p, err := mobyseccomp.GetDefaultProfile(s)
		s.Linux.Seccomp = p
		return err
	}
}

// probeResults: "ABI NR ARGS" -> result, from syscallprobe's lines.
func probeResults(t *testing.T, out string) map[string]string {
	t.Helper()
	res := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "i386 unavailable" {
			res[line] = ""
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("syscallprobe wrote %q", line)
		}
		res[line[:i]] = line[i+1:]
	}
	if len(res) < 1000 {
		t.Fatalf("syscallprobe wrote %d results, want one per system call number:\n%s", len(res), out)
	}
	return res
}

// probeDiff lists the calls whose results differ, named where the tables
// know them. A number that runc's libseccomp has no name for on that ABI
// is left out: no rule of runc's filter can name it (a call newer than
// the library, which nsj's tables of Linux 6.15 may know), so runc gives
// it the default action or its ENOSYS stub.
func probeDiff(runc, nsj map[string]string, known map[string]bool) string {
	var lines []string
	for k, r := range runc {
		f := strings.Fields(k)
		if len(f) > 1 && !known[f[0]+" "+f[1]] {
			continue
		}
		if n, ok := nsj[k]; !ok || n != r {
			lines = append(lines, fmt.Sprintf("  %s (%s): %s / %s", k, syscallName(k), r, n))
		}
	}
	for k, n := range nsj {
		if _, ok := runc[k]; !ok {
			lines = append(lines, fmt.Sprintf("  %s (%s): - / %s", k, syscallName(k), n))
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func syscallName(key string) string {
	f := strings.Fields(key)
	if len(f) < 2 {
		return "?"
	}
	nr, _ := strconv.Atoi(f[1])
	info := map[string]*arch.Info{"x86_64": arch.X86_64, "i386": arch.I386, "x32": arch.X32}[f[0]]
	if info == nil || info.SyscallNumbers[nr] == "" {
		return "?"
	}
	return info.SyscallNumbers[nr]
}

// libseccompKnows: "ABI NR" for each number the machine's libseccomp (the
// one runc links) has a name for, asked through python3's ctypes.
func libseccompKnows(t *testing.T) map[string]bool {
	harness.RequireBinaries(t, "python3")
	const script = `
import ctypes
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
for abi, token, base in (("x86_64", 0xc000003e, 0), ("i386", 0x40000003, 0), ("x32", 0x4000003e, 0x40000000)):
    for nr in range(560):
        if lib.seccomp_syscall_resolve_num_arch(token, base + nr):
            print(abi, nr)
`
	out, err := exec.Command("python3", "-c", script).Output()
	if err != nil {
		t.Fatalf("asking libseccomp for its system call names: %v", err)
	}
	known := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		known[line] = true
	}
	if !known["x86_64 0"] || !known["i386 3"] || !known["x32 83"] {
		t.Fatalf("libseccomp knows no read or mkdir: %q", out)
	}
	return known
}
