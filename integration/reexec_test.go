package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/v2/pkg/oci"
)

// What the container may learn of nsj's re-executed copy, whose child lives
// in its pid namespace from the fork to the command's exec.

// Defence 9: nsj re-executes itself with its name as its only argument, the
// rest travels in the sealed join request. The container's root reads the
// command line of every process it sees, nsj's child among them, and never
// finds a value the user passed with -e.
func TestContainerNeverSeesValuesPassedWithE(t *testing.T) {
	c := sharedContainerd(t)
	secret := "SECRET_TOKEN=" + uniqueID("hunter2")
	a := startAttacker(t, c, "peek", nil, oci.WithEnv([]string{"ATTACKER_SECRET=" + secret}))
	readNsj := "CMDLINE argv0=" + filepath.Base(nsjPath(t)) + " "
	for i := 0; i < 500 && strings.Count(a.log(), readNsj) < 3 && !strings.Contains(a.log(), "SECRET "); i++ {
		nsjAt(t, c, "-e", secret, "-n", a.task.Namespace, a.task.ID, "true").ok(t)
	}
	r := a.stop(t)
	defer logOnFailure(t, r)
	for _, line := range strings.Split(r.log, "\n") {
		if strings.HasPrefix(line, "SECRET ") {
			t.Errorf("the container read a value passed with -e: %s", line)
		}
	}
	if got := r.on("cmdline-of", filepath.Base(nsjPath(t))); got.ok == 0 {
		t.Fatalf("the attacker never read the command line of nsj's child: the test proves nothing")
	}
}
