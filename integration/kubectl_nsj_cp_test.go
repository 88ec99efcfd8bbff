package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/integration/harness/cluster"
)

// kubectl nsj cp end to end: the plugin, the API server's exec, nsj cp in
// the agent on the node, a busybox pod's container (whose image has tar,
// unused: nothing runs in the pod).

func TestKubectlNsjCpCopiesInAndOutOfAPodWithoutTarInIt(t *testing.T) {
	c := cluster.Shared(t)
	c.DeployAgent(t)
	user := c.User(t, "nsj-user", "nsj-users")
	ns := harness.UniqueID("cp")
	c.RunPod(t, ns, "web", cluster.AllRunning, cluster.WithContainers(cluster.Container("app", "sleep", "100001")))

	dir := t.TempDir()
	tree := filepath.Join(dir, "conf")
	os.MkdirAll(filepath.Join(tree, "sub"), 0o755)
	randomFile(t, filepath.Join(tree, "sub", "big"), 10<<20)
	os.WriteFile(filepath.Join(tree, "small"), []byte("small\n"), 0o640)
	os.Symlink("sub/big", filepath.Join(tree, "link"))

	c.KubectlNsj(t, user, "cp", "-n", ns, tree, "web/app:/tmp/").OK(t)
	in := c.KubectlNsj(t, user, "-n", ns, "web", "--", "sh", "-c", "sha256sum /proc/1/root/tmp/conf/sub/big; readlink /proc/1/root/tmp/conf/link").OK(t)
	if want := harness.FileSum(t, filepath.Join(tree, "sub", "big")); !strings.HasPrefix(in, want) || !strings.HasSuffix(in, "\nsub/big\n") {
		t.Fatalf("in the pod: %q; want sha256 %s and the link", in, want)
	}

	c.KubectlNsj(t, user, "cp", "-n", ns, "web:/tmp/conf", filepath.Join(dir, "back")).OK(t)
	if got, want := harness.FileSum(t, filepath.Join(dir, "back", "sub", "big")), harness.FileSum(t, filepath.Join(tree, "sub", "big")); got != want {
		t.Fatalf("copied back: sha256 %s, want %s", got, want)
	}
	if l, _ := os.Readlink(filepath.Join(dir, "back", "link")); l != "sub/big" {
		t.Fatalf("link copied back as %q", l)
	}
	c.KubectlNsj(t, user, "cp", "-n", ns, "web:/tmp/conf/small", dir).OK(t)
	if got := harness.ReadFile(t, filepath.Join(dir, "small")); got != "small\n" {
		t.Fatalf("a file copied into a directory: %q", got)
	}

	r := c.KubectlNsj(t, user, "cp", "-n", ns, "web:/tmp/nonexistent", dir)
	if r.Code != 125 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "no such file") {
		t.Fatalf("a missing file: code %d, stderr %q; want 125 and one line", r.Code, r.Stderr)
	}
	r = c.KubectlNsj(t, user, "cp", "-n", ns, "web:tmp/x", dir)
	if r.Code != 125 || strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, "absolute path") {
		t.Fatalf("a relative path: code %d, stderr %q; want 125 and one line", r.Code, r.Stderr)
	}
}
