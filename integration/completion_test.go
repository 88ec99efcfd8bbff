package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// pathWithNsj returns a PATH on which "nsj" is the binary under test, as the
// completion scripts call it by name.
func pathWithNsj(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Symlink(harness.NsjPath(t), filepath.Join(dir, "nsj")); err != nil {
		t.Fatal(err)
	}
	return dir + ":" + os.Getenv("PATH")
}

// A user presses Tab after `nsj -a SOCKET -n NS ` in bash: the task IDs of
// that containerd come up, asked with the -a and -n typed.
func TestBashCompletionOffersTaskIDsAndNamespaces(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-complete")
	tk := c.RunTask(t, ns, "completed-web")
	c.RunTask(t, ns, "completed-stopped", harness.TaskStopped())
	script := `source <(nsj --completion bash)
COMP_WORDS=(nsj -a "$1" -n "$2" "") COMP_CWORD=5; _nsj; printf 'task:%s\n' "${COMPREPLY[@]}"
COMP_WORDS=(nsj -a "$1" -n "") COMP_CWORD=4; _nsj; printf 'ns:%s\n' "${COMPREPLY[@]}"
COMP_WORDS=(nsj -a "$1" -n "$2" completed-web tcpd) COMP_CWORD=6; _nsj; printf 'cmd:%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "-c", script, "bash", c.Address, ns)
	cmd.Env = append(os.Environ(), "PATH="+pathWithNsj(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, want := range []string{"task:" + tk.ID, "ns:" + ns, "cmd:tcpdump"} {
		if !slices.Contains(lines, want) {
			t.Errorf("completion lacks %q:\n%s", want, out)
		}
	}
	if slices.Contains(lines, "task:completed-stopped") {
		t.Errorf("completion offers a stopped task, which nsj cannot join:\n%s", out)
	}
}

// The zsh and fish scripts are valid for their shells.
func TestZshAndFishCompletionScriptsParse(t *testing.T) {
	for _, shell := range []string{"zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			_, err := exec.LookPath(shell)
			harness.Need(t, err == nil, "%s is not installed (apt-get install %s)", shell, shell)
			script, err := exec.Command(harness.NsjPath(t), "--completion", shell).Output()
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "nsj."+shell)
			os.WriteFile(file, script, 0o644)
			if out, err := exec.Command(shell, "-n", file).CombinedOutput(); err != nil {
				t.Fatalf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
}
