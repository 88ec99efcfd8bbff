package integration

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// A newcomer tries nsj (issue 21 item 1): make playground (twice: the
// second only prints the same lines), each printed command run in a shell
// with the printed exports, then make playground-down (twice: the second
// finds nothing) leaves nothing it made, each checked by name (other
// tests may change the host meanwhile): no mount under its containerd's
// directory, no process naming it, no cgroup under its parent, no
// nsjplay link, not the directories it made.
func TestMakePlaygroundIsTriedWithItsCommandsAndPlaygroundDownPutsTheHostBack(t *testing.T) {
	harness.RequireRoot(t)
	harness.RequireBinaries(t, "make", "go", "containerd", "runc", "containerd-shim-runc-v2", "busybox", "ip", "nsenter", "tcpdump", "ss")
	harness.StaticBusybox(t)
	state := filepath.Join(harness.OpenTempDir(t, "nsj-playground-test-"), "state")
	mounts := harness.SaveHostMounts(t)
	if l := playgroundLinks(t); len(l) > 0 {
		t.Fatalf("the host has links %v before make playground", l)
	}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(state, "state.json")); err == nil {
			makePlayground(t, state, "playground-down")
		}
	})

	out := makePlayground(t, state, "playground")
	exports, commands := exportLines(out), playgroundCommands(out)
	if len(exports) != 2 || !strings.HasPrefix(exports[0], "export CONTAINERD_ADDRESS=") || !strings.HasPrefix(exports[1], "export PATH=") {
		t.Fatalf("make playground printed no CONTAINERD_ADDRESS and PATH exports:\n%s", out)
	}
	if again := makePlayground(t, state, "playground"); !slices.Equal(exportLines(again), exports) || !strings.Contains(again, "already up") {
		t.Fatalf("a second make playground printed:\n%s\nwant the same exports, and that it is already up", again)
	}
	// What each printed command must show; every one must succeed.
	want := map[string]string{
		"nsj --list":                          " web ",
		"nsj web ps -ef":                      "httpd -p 8080",
		"nsj web ip addr show eth0":           "inet 10.199.213.2/30",
		"nsj web ss -tln":                     ":8080",
		"nsj db hostname":                     "db\n",
		"nsj --inspect app":                   `"name": "app"`,
		"nsj --fs container app busybox ls /": "sleep\n",
	}
	shell := func(script string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", strings.Join(exports, "\n")+"\n"+script)
		r := harness.RunUntil(t, cmd, time.Minute, nil)
		if r.Code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", script, r.Code, r.Stdout, r.Stderr)
		}
		return r.Stdout + r.Stderr
	}
	for _, c := range commands {
		if strings.Contains(c, "tcpdump") {
			continue // below, with traffic
		}
		w, ok := want[c]
		if !ok {
			t.Errorf("make playground printed %q, which this test does not know", c)
			continue
		}
		if got := shell(c); !strings.Contains(got, w) {
			t.Errorf("%s printed:\n%s\nwant %q in it", c, got, w)
		}
		delete(want, c)
	}
	if len(want) > 0 {
		t.Errorf("make playground did not print %v:\n%s", want, out)
	}
	i := slices.IndexFunc(commands, func(c string) bool { return strings.Contains(c, "tcpdump") })
	if i < 0 {
		t.Fatalf("make playground printed no tcpdump command:\n%s", out)
	}
	tcpdump, connect, _ := strings.Cut(commands[i], "# then, in another shell: ")
	if got := shell("(sleep 2; " + connect + ") >/dev/null 2>&1 & " + tcpdump + "; wait"); !strings.Contains(got, "10.199.213.2.8080") {
		t.Errorf("%s with %s: tcpdump saw no packet to web's httpd:\n%s", tcpdump, connect, got)
	}

	var s struct{ Containerd harness.ContainerdState }
	if err := json.Unmarshal([]byte(harness.ReadFile(t, filepath.Join(state, "state.json"))), &s); err != nil {
		t.Fatal(err)
	}
	if out := makePlayground(t, state, "playground-down"); !strings.Contains(out, "is down") {
		t.Fatalf("make playground-down:\n%s", out)
	}
	if out := makePlayground(t, state, "playground-down"); !strings.Contains(out, "no playground is up") {
		t.Fatalf("a second make playground-down:\n%s\nwant that no playground is up", out)
	}
	mounts.UnchangedUnder(t, "mounts of the playground are left", s.Containerd.Dir)
	if l := playgroundLinks(t); len(l) > 0 {
		t.Errorf("the playground's links %v are left", l)
	}
	if s.Containerd.Proc.Alive() {
		t.Errorf("the playground's containerd (pid %d) still runs", s.Containerd.Proc.PID)
	}
	if left := harness.ProcessesMentioning(s.Containerd.Dir); len(left) > 0 {
		t.Errorf("processes of the playground are left: %v", left)
	}
	for _, root := range harness.CgroupRoots() {
		if _, err := os.Stat(filepath.Join(root, s.Containerd.CgroupParent)); !os.IsNotExist(err) {
			t.Errorf("the playground's cgroup %s is left in %s", s.Containerd.CgroupParent, root)
		}
	}
	for _, d := range []string{state, s.Containerd.Dir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s is left (%v)", d, err)
		}
	}
}

// makePlayground runs make TARGET at the top of the repository with the
// playground's state in dir, and returns its output.
func makePlayground(t *testing.T, dir, target string) string {
	t.Helper()
	cmd := exec.Command("make", "--no-print-directory", target, "NSJ_PLAYGROUND_DIR="+dir)
	cmd.Dir = harness.RepoPath()
	r := harness.RunUntil(t, cmd, 10*time.Minute, nil) // the first builds bin/nsj and bin/nsj-playground
	if r.Code != 0 {
		t.Fatalf("make %s exited %d:\n%s%s", target, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout + r.Stderr
}

// playgroundCommands are the nsj command lines make playground prints.
func playgroundCommands(out string) []string {
	var cmds []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "nsj ") {
			cmds = append(cmds, strings.TrimSpace(l))
		}
	}
	return cmds
}

// playgroundLinks are the host's network links named as the playground's.
func playgroundLinks(t *testing.T) []string {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range ifs {
		if strings.HasPrefix(i.Name, "nsjplay") {
			names = append(names, i.Name)
		}
	}
	return names
}
