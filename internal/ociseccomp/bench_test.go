package ociseccomp

import (
	"testing"

	cseccomp "github.com/containerd/containerd/v2/contrib/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// BenchmarkCompileContainerdDefault: what --fs container adds to a join of
// a container that has containerd's default profile.
func BenchmarkCompileContainerdDefault(b *testing.B) {
	p := cseccomp.DefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}})
	for b.Loop() {
		if _, err := Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}
