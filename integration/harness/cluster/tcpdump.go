package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// addHostTcpdump copies the host's tcpdump, the shared libraries it
// loads (as ldd lists them) and a tcpdump user (it drops to it) into the
// agent image's root: the tools image of docs/kubernetes/Dockerfile has
// tcpdump, the busybox one does not.
func addHostTcpdump(root string) error {
	bin, err := exec.LookPath("tcpdump")
	if err != nil {
		return err
	}
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		return fmt.Errorf("ldd %s: %w", bin, err)
	}
	files := []string{bin}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "/") {
			files = append(files, f)
		}
	}
	for _, f := range files {
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if out, err := exec.Command("cp", "-L", f, dst).CombinedOutput(); err != nil {
			return fmt.Errorf("cp %s: %v: %s", f, err, out)
		}
	}
	passwd, err := os.OpenFile(filepath.Join(root, "etc/passwd"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer passwd.Close()
	_, err = passwd.WriteString("tcpdump:x:104:65534:tcpdump:/nonexistent:/bin/false\n")
	return err
}
