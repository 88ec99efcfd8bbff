package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

var kubectlPlugin = harness.GoProgram("cmd/kubectl-nsj", "kubectl-nsj")

// PluginDir is a directory holding kubectl-nsj, built once for the suite.
func PluginDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(kubectlPlugin.Path(t))
}

// User returns a kubeconfig for user name in groups, with a client
// certificate of the cluster's CA.
func (c *Cluster) User(t testing.TB, name string, groups ...string) string {
	t.Helper()
	c.usersMu.Lock()
	defer c.usersMu.Unlock()
	file := c.pki.path(name + ".kubeconfig")
	if _, err := os.Stat(file); err == nil {
		return file
	}
	if err := c.pki.client(name, name, groups...); err != nil {
		t.Fatal(err)
	}
	file, err := c.pki.kubeconfig(name, c.Server)
	if err != nil {
		t.Fatal(err)
	}
	return file
}

// KubectlNsjCmd is `kubectl nsj ARGS` as kubeconfig's user, kubectl and the
// plugin on PATH.
func (c *Cluster) KubectlNsjCmd(t testing.TB, kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.Bin, "kubectl"), append([]string{"nsj"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig,
		"PATH="+PluginDir(t)+":"+c.Bin+":"+os.Getenv("PATH"))
	return cmd
}

// KubectlNsj runs `kubectl nsj ARGS` and returns its output and status.
func (c *Cluster) KubectlNsj(t testing.TB, kubeconfig string, args ...string) harness.Result {
	t.Helper()
	return harness.RunUntil(t, c.KubectlNsjCmd(t, kubeconfig, args...), 60*time.Second, nil)
}
