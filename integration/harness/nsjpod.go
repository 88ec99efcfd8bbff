package harness

import "testing"

// NsjPod runs nsj against the CRI containerd c (containerd namespace k8s.io
// is implied by the pod target).
func NsjPod(t *testing.T, c *CRI, args ...string) Result {
	t.Helper()
	return Nsj(t, append([]string{"-a", c.Address}, args...)...)
}
