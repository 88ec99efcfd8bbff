package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// Attack tests of nsj cp: containers whose symbolic links, FIFOs, devices
// and files try to make nsj read or write outside their root, block, or
// fill the host's disk. Each failed on the naive copy (branch copy-naive:
// /proc/PID/root + a host path walk, os.Open/os.Create, io.Copy).

// hostCanary plants a file at host path p with secret content; the test
// removes it (and p's written twin) at the end.
func hostCanary(t *testing.T, p, secret string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(p) })
}

// checkCanary fails unless the host file p still holds secret.
func checkCanary(t *testing.T, p, secret string) {
	t.Helper()
	if got := harness.ReadFileOr(p); got != secret {
		t.Fatalf("the host's %s was overwritten: %q", p, got)
	}
}

// checkAbsent fails if nsj created the host file p.
func checkAbsent(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		os.Remove(p)
		t.Fatalf("nsj cp wrote the host's %s, outside the container", p)
	}
}

// The CVE-2018-15664 pattern: the container swaps /tmp/d between a
// directory and a symbolic link to / in a tight loop while nsj copies
// through /tmp/d, in and out; the host's / holds a canary to read and a
// name to create. Also with openat2 taken away (resolve.c's walk).
func TestCpAttackSymlinkExchangeRaceNeverLeavesTheRoot(t *testing.T) {
	c := harness.SharedContainerd(t)
	for _, run := range []struct {
		denied string
		rounds int
	}{{"", 1000}, {"openat2", 300}} {
		t.Run("denied="+run.denied, func(t *testing.T) {
			harness.DenySyscalls(t, run.denied)
			id := harness.UniqueID("race")
			canary, written := "/nsj-cp-canary-"+id, "/nsj-cp-written-"+id
			hostCanary(t, canary, "HOST SECRET "+id)
			t.Cleanup(func() { os.Remove(written) })
			tk := cpTask(t, c, "16m", fmt.Sprintf(`mkdir /tmp/real; echo inside > /tmp/real%s
while :; do mv /tmp/real /tmp/d; mv /tmp/d /tmp/real; ln -s / /tmp/d; rm /tmp/d; done`, canary))
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			os.WriteFile(src, []byte("from the host\n"), 0o644)
			var outs, ins int
			for i := 0; i < run.rounds; i++ {
				out := filepath.Join(dir, fmt.Sprintf("out-%d", i))
				if r := nsjCp(t, c, nil, tk.ID+":/tmp/d"+canary, out); r.Code == 0 {
					outs++
					if got := harness.ReadFile(t, out); got != "inside\n" && got != "from the host\n" {
						t.Fatalf("round %d: copied out %q, not the container's file", i, got)
					}
				}
				dst := []string{written, canary}[i%2]
				if r := nsjCp(t, c, nil, src, tk.ID+":/tmp/d"+dst); r.Code == 0 {
					ins++
				}
				checkAbsent(t, written)
				checkCanary(t, canary, "HOST SECRET "+id)
			}
			t.Logf("%d rounds: %d copies out and %d in succeeded (the others met the link, resolved inside the container)", run.rounds, outs, ins)
			if outs == 0 || ins == 0 {
				t.Fatalf("no copy got through in %d rounds: the race is not being exercised", run.rounds)
			}
		})
	}
}

// linkBed is a container with links out of /tmp to an absolute path that
// also exists on the host, holding a host secret there.
type linkBed struct {
	tk      *harness.Task
	hostDir string // the same path inside the container and on the host
	src     string // a host file to copy in
	out     string // a host directory to copy out to
}

func newLinkBed(t *testing.T, c *harness.Containerd) *linkBed {
	hostDir := "/tmp/nsj-cp-attack-" + harness.UniqueID("links")
	os.Mkdir(hostDir, 0o755)
	t.Cleanup(func() { os.RemoveAll(hostDir) })
	hostCanary(t, hostDir+"/secret", "HOST SECRET")
	tk := cpTask(t, c, "64m", "")
	inCtr(t, c, tk, fmt.Sprintf(`mkdir -p %[1]s && echo inside > %[1]s/secret && ln -s %[1]s /tmp/abs &&
ln -s ../../../../../../../..%[1]s /tmp/up && ln -s %[1]s/secret /tmp/fin && mkfifo /tmp/fifo`, hostDir))
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.WriteFile(src, []byte("from the host\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "out"), 0o755)
	return &linkBed{tk: tk, hostDir: hostDir, src: src, out: filepath.Join(dir, "out")}
}

func TestCpAttackAbsoluteAndDotDotLinksResolveInsideTheRoot(t *testing.T) {
	c := harness.SharedContainerd(t)
	b := newLinkBed(t, c)
	for _, link := range []string{"/tmp/abs", "/tmp/up"} {
		out := filepath.Join(b.out, filepath.Base(link))
		nsjCp(t, c, nil, b.tk.ID+":"+link+"/secret", out).OK(t)
		if got := harness.ReadFile(t, out); got != "inside\n" {
			t.Fatalf("%s/secret copied out as %q: not the container's file", link, got)
		}
		nsjCp(t, c, nil, b.src, b.tk.ID+":"+link+"/w"+filepath.Base(link)).OK(t)
		checkAbsent(t, b.hostDir+"/w"+filepath.Base(link))
		if got := inCtr(t, c, b.tk, "cat "+b.hostDir+"/w"+filepath.Base(link)); got != "from the host\n" {
			t.Fatalf("copied in through %s: %q in the container", link, got)
		}
	}
	checkCanary(t, b.hostDir+"/secret", "HOST SECRET")
}

func TestCpAttackSymlinkedTargetDirectoryAndFinalLink(t *testing.T) {
	c := harness.SharedContainerd(t)
	b := newLinkBed(t, c)
	// The destination itself is a link to a directory: resolved inside.
	nsjCp(t, c, nil, b.src, b.tk.ID+":/tmp/abs").OK(t)
	checkAbsent(t, b.hostDir+"/src")
	inCtr(t, c, b.tk, "test -f "+b.hostDir+"/src")
	// The destination is a link to a file: refused, never written through.
	nsjCp(t, c, nil, b.src, b.tk.ID+":/tmp/fin").Fails(t, 125, "is a symbolic link")
	checkCanary(t, b.hostDir+"/secret", "HOST SECRET")
	if got := inCtr(t, c, b.tk, "cat "+b.hostDir+"/secret"); got != "inside\n" {
		t.Fatalf("the container's file behind the link changed: %q", got)
	}
}

func TestCpAttackFIFOAndDeviceAreRefusedBothWays(t *testing.T) {
	c := harness.SharedContainerd(t)
	b := newLinkBed(t, c)
	nsjCp(t, c, nil, b.src, b.tk.ID+":/tmp/fifo").Fails(t, 125, "is a FIFO")
	nsjCp(t, c, nil, b.src, b.tk.ID+":/dev/null").Fails(t, 125, "is a character device")
	nsjCp(t, c, nil, b.tk.ID+":/tmp/fifo", b.out).Fails(t, 125, "is a FIFO")
	nsjCp(t, c, nil, b.tk.ID+":/dev/zero", b.out).Fails(t, 125, "is a character device")
	if got := inCtr(t, c, b.tk, "test -p /tmp/fifo && test -c /dev/null && echo kept"); got != "kept\n" {
		t.Fatalf("the FIFO or /dev/null was replaced: %q", got)
	}
	if names, _ := os.ReadDir(b.out); len(names) != 0 {
		t.Fatalf("something was copied out: %v", names)
	}
}

// allocated is the disk space a file takes.
func allocated(t *testing.T, p string) (size, used int64) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Size, st.Blocks * 512
}

func TestCpAttackHugeSparseFileKeepsItsHoles(t *testing.T) {
	c := harness.SharedContainerd(t)
	b := newLinkBed(t, c)
	const huge = 4 << 30
	inCtr(t, c, b.tk, fmt.Sprintf("echo head > /tmp/sparse && truncate -s %d /tmp/sparse && echo tail >> /tmp/sparse", huge))
	out := filepath.Join(b.out, "sparse")
	nsjCp(t, c, nil, b.tk.ID+":/tmp/sparse", out).OK(t)
	if size, used := allocated(t, out); size != huge+5 || used > 1<<20 {
		t.Fatalf("copied out: size %d (want %d), %d bytes on disk (want holes kept, under 1 MiB)", size, huge+5, used)
	}
	// Back in, to a 64 MiB tmpfs: it fits only with its holes.
	nsjCp(t, c, nil, out, b.tk.ID+":/tmp/back").OK(t)
	if got := inCtr(t, c, b.tk, "stat -c %s /tmp/back && head -c 5 /tmp/back && tail -c 5 /tmp/back"); got != fmt.Sprintf("%d\nhead\ntail\n", huge+5) {
		t.Fatalf("copied back in: %q", got)
	}
}

func TestCpAttackGrowingFileIsCopiedUpToItsSizeAtOpen(t *testing.T) {
	c := harness.SharedContainerd(t)
	tk := cpTask(t, c, "512m", `while :; do head -c 65536 /dev/zero >> /tmp/grow; done`)
	harness.WaitFor(t, 10*time.Second, "the file to grow", func() bool {
		_, err := os.Stat(harness.InTask(tk, "/tmp/grow"))
		return err == nil
	})
	for i := 0; i < 5; i++ {
		r := nsjCp(t, c, nil, tk.ID+":/tmp/grow", "-")
		if r.Code != 0 {
			t.Fatalf("round %d: exit %d: %s", i, r.Code, r.Stderr)
		}
		list := exec.Command("tar", "tv")
		list.Stdin = bytes.NewReader([]byte(r.Stdout))
		names, err := list.CombinedOutput()
		if err != nil || !strings.Contains(string(names), "grow") {
			t.Fatalf("round %d: the tar stream is broken: %v\n%s", i, err, names)
		}
	}
}
