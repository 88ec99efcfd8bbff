package integration

import (
	"os/exec"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkJoinPod: nsj pod/NAME/CONTAINER true (one filtered containers
// call and one tasks call to resolve the name) against nsj -n k8s.io ID true
// for the same container, and against --sandbox (the pod's netns file
// opened as well).
func BenchmarkJoinPod(b *testing.B) {
	c := harness.SharedCRI(b)
	p := c.RunPod(b, "default", "bench-pod")
	id := p.Start(b, "app", 0, "sleep", "100000")
	nsjBin := harness.NsjPath(b)
	sideBySide(b, []string{"pod-name", "task-id", "sandbox"},
		func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "pod/bench-pod/app", "true") },
		func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "-n", "k8s.io", id, "true") },
		func() *exec.Cmd { return exec.Command(nsjBin, "-a", c.Address, "--sandbox", "pod/bench-pod", "true") })
}
