package integration

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// nodeProcesses are the host's processes in node n's cgroups (its pods'
// and its agent's, all under the node's cgroup root), as "PID COMMAND".
func nodeProcesses(n *cluster.Node) []string {
	var procs []string
	files, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), ":"+n.CRI.CgroupParent+"/") {
			continue
		}
		cmdline := harness.ReadFileOr(filepath.Join(filepath.Dir(f), "cmdline"))
		procs = append(procs, strings.TrimPrefix(filepath.Dir(f), "/proc/")+" "+strings.TrimSpace(strings.ReplaceAll(cmdline, "\x00", " ")))
	}
	slices.Sort(procs)
	return procs
}

func TestK8sNodesCtrlCStopsEveryNodesRunAndLeavesNothingRunning(t *testing.T) {
	c := cluster.TwoNodes(t)
	c.DeployAgent(t)
	ns, app := nodePods(t, c, map[string]int{"w1": 0, "w2": 1, "w3": 1})
	var before [][]string
	for _, n := range c.Nodes {
		before = append(before, nodeProcesses(n))
	}

	cmd := c.KubectlNsjCmd(t, c.User(t, "nsj-user", "nsj-users"), "-n", ns, "-l", "app="+app, "--", "sleep", "100009")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 60 s; stderr %q", what, stderr.String())
			}
		}
	}
	// One sleep in w1 on node 1, two (w2, w3) on node 2: each in its node's
	// cgroups (nsj puts the command in its container's).
	perNode := func() string {
		var counts []string
		for _, n := range c.Nodes {
			k := 0
			for _, p := range nodeProcesses(n) {
				if _, cmd, _ := strings.Cut(p, " "); cmd == "sleep 100009" { // not nsj's -- sleep 100009
					k++
				}
			}
			counts = append(counts, fmt.Sprint(k))
		}
		return strings.Join(counts, " ")
	}
	waitFor("sleep 100009 in w1 on node 1, in w2 and w3 on node 2", func() bool { return perNode() == "1 2" })

	cmd.Process.Signal(syscall.SIGINT) // kubectl runs the plugin in its own process group's foreground: as a ^C does
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("kubectl nsj -l still running 30 s after SIGINT; stderr %q", stderr.String())
	}
	for _, want := range []string{
		"nsj: node " + c.Nodes[0].Name + ": interrupted by SIGINT: 1 of 1 task failed or did not run",
		"nsj: node " + c.Nodes[1].Name + ": interrupted by SIGINT: 2 of 2 tasks failed or did not run",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("after SIGINT, stderr %q; want %q", stderr.String(), want)
		}
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("after SIGINT: exit %d; want 130", code)
	}
	for i, n := range c.Nodes { // no sleep, no nsj left: each node's processes are those before the run
		waitFor("node "+n.Name+"'s processes as before the run", func() bool { return slices.Equal(nodeProcesses(n), before[i]) })
	}
	if left := harness.ProcessesMentioning("--stop-at-eof", "100009"); len(left) > 0 {
		t.Errorf("processes of the run left on the host: %v", left)
	}
}
