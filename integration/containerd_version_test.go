package integration

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// The suite runs against the containerd first in $PATH; `make
// test-containerd2` puts a containerd 2.x there and sets
// NSJ_CONTAINERD_VERSION, so that a wrong PATH cannot test the same server
// twice.

func TestContainerdServersAreTheOnesAskedFor(t *testing.T) {
	want := os.Getenv("NSJ_CONTAINERD_VERSION") // e.g. "2.4."; "" for whatever $PATH has
	out, err := exec.Command("containerd", "--version").Output()
	harness.Need(t, err == nil, "needs containerd in $PATH: %v", err)
	fields := strings.Fields(string(out)) // containerd <module> <version> [<revision>]
	if len(fields) < 3 {
		t.Fatalf("containerd --version printed %q", out)
	}
	onPath := strings.TrimPrefix(fields[2], "v")
	if !strings.HasPrefix(onPath, want) {
		t.Fatalf("containerd in $PATH is %s, want %s*", onPath, want)
	}
	for name, c := range map[string]*harness.Containerd{"plain": harness.SharedContainerd(t), "CRI": harness.SharedCRI(t).Containerd} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		v, err := c.Client.Version(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(v.Version, "v"); got != onPath {
			t.Errorf("the %s containerd the suite started reports %s, not %s (the one in $PATH)", name, got, onPath)
		}
	}
}
