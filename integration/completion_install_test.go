package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
)

// make install PREFIX=/usr/local puts the completions where zsh and fish
// look by default (issue 21 item 6): installed into a DESTDIR, then seen
// at their real paths by a zsh and a fish whose private mount namespace
// has the DESTDIR's /usr/local/bin, /usr/local/share and /etc/fish there,
// and nothing else of it. Each shell, on a terminal, completes a task ID
// with Tab.
func TestInstalledCompletionLoadsInZshAndFish(t *testing.T) {
	harness.RequireRoot(t)
	harness.RequireBinaries(t, "make", "zsh", "fish", "unshare")
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-shell")
	id := harness.UniqueID("tabbed") + "-web"
	c.RunTask(t, ns, id)

	dest := harness.OpenTempDir(t, "nsj-install-")
	cmd := exec.Command("make", "--no-print-directory", "install", "PREFIX=/usr/local", "DESTDIR="+dest)
	cmd.Dir = harness.RepoPath()
	if r := harness.RunUntil(t, cmd, 15*time.Minute, nil); r.Code != 0 {
		t.Fatalf("make install exited %d:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	home := harness.OpenTempDir(t, "nsj-home-")
	// zsh loads completion functions once compinit runs, as a .zshrc does.
	// Each shell's prompt is "SHELL$ ", to type only once it is ready.
	rc := map[string]string{
		".zshrc":                   "autoload -Uz compinit && compinit -u\nPS1='zsh$ '\n",
		".config/fish/config.fish": "function fish_prompt; echo -n 'fish$ '; end\n",
	}
	for name, text := range rc {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, shell := range []string{"zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			s := harness.StartOnPty(t, installedShell(dest, home, shell))
			// Wide enough for the line: the ID is not wrapped.
			if err := pty.Setsize(s.TTY, &pty.Winsize{Rows: 40, Cols: 300}); err != nil {
				t.Fatal(err)
			}
			s.Expect(t, shell+"$ ")
			typed := "nsj -a " + c.Address + " -n " + ns + " " + id[:len(id)-6]
			s.Send(t, typed+"\t")
			s.Expect(t, id)
		})
	}
}

// installedShell is shell, interactive, in a private mount namespace where
// /usr/local/bin, /usr/local/share and /etc/fish are dest's: what make
// install put there and nothing else. HOME (and ZDOTDIR) is home;
// XDG_DATA_DIRS is unset, as on a Debian server.
func installedShell(dest, home, shell string) *exec.Cmd {
	script := "set -e\n"
	for _, dir := range []string{"/usr/local/bin", "/usr/local/share", "/etc/fish"} {
		script += "mkdir -p " + dest + dir + "; mount --bind " + dest + dir + " " + dir + "\n"
	}
	script += `exec "$@"`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", shell, "-i")
	env := harness.WithoutEnv(os.Environ(), "XDG_DATA_DIRS", "ZDOTDIR", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
	cmd.Env = append(env, "HOME="+home, "ZDOTDIR="+home, "TERM=xterm", "PATH=/usr/local/bin:"+strings.TrimPrefix(os.Getenv("PATH"), "/usr/local/bin:"))
	return cmd
}
