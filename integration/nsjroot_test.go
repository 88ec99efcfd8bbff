package integration

import (
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// $NSJ_ROOT is decided by nsj for each join, never taken from nsj's own
// environment: run from a shell that an outer nsj started (which exported
// its NSJ_ROOT), a join of a pod that shares its pid namespace still points
// NSJ_ROOT at the joined container's root, not at pid 1's (the pause).
func TestSharedPIDPodGetsItsContainersRootFromAnOuterNsjShell(t *testing.T) {
	c := harness.SharedCRI(t)
	p := c.RunPod(t, "default", harness.UniqueID("outer"), harness.PodSharedPID())
	p.Start(t, "app", 0, "sleep", "100001")
	// What an outer nsj shell exports: the sandbox's init is pid 1 there.
	outer := strings.TrimSpace(harness.NsjPod(t, c, "--sandbox", "pod/"+p.Name, "sh", "-c", `echo "$NSJ_ROOT"`).OK(t))
	if outer != "/proc/1/root" {
		t.Fatalf("--sandbox exports NSJ_ROOT=%q, want /proc/1/root", outer)
	}
	r := harness.NsjWith(t, []string{"NSJ_ROOT=" + outer}, "-a", c.Address, "pod/"+p.Name+"/app",
		"sh", "-c", `echo "$NSJ_ROOT"; tr '\0' ' ' < "${NSJ_ROOT%/root}/cmdline"`)
	lines := strings.Split(strings.TrimSpace(r.OK(t)), "\n")
	if len(lines) != 2 || lines[0] == outer || strings.TrimSpace(lines[1]) != "sleep 100001" {
		t.Fatalf("with NSJ_ROOT=%s inherited, the app container's join got %q; want its own root (of sleep 100001)", outer, lines)
	}
	// -e NSJ_ROOT stays the user's.
	if out := harness.NsjPod(t, c, "-e", "NSJ_ROOT=/mine", "pod/"+p.Name+"/app", "sh", "-c", `echo "$NSJ_ROOT"`).OK(t); out != "/mine\n" {
		t.Fatalf("-e NSJ_ROOT=/mine: the command got %q", out)
	}
}
