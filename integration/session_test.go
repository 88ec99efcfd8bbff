package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
)

// Issue 19, case 3 (docs/security.md defence 17): a command the container
// can reach (--fs container: the container's credentials) starts in a
// session of its own without a controlling terminal, whenever it does not
// get nsj's own pseudo-terminal: with nsj's stdio redirected (no relay)
// and under --all. The container's root, with containerd's default
// capabilities, attaches to the command, has it open /dev/tty and keeps the
// descriptor (testdata/attacker -mode ctty); after nsj exits the operator
// types a password into the terminal nsj ran on. The container must neither
// read it nor write an escape sequence (a window title) to that terminal.

// operatorShell runs script with busybox sh as the session leader of a new
// terminal (the operator's), then "echo NSJ-EXITED=$?" and a sleep that keeps
// the terminal's session alive and leaves its input unread.
func operatorShell(t *testing.T, script string) *harness.PtySession {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	cmd := exec.Command(harness.StaticBusybox(t), "sh", "-c", script+"; echo NSJ-EXITED=$?; exec sleep 60")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := harness.Watch(cmd, master)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); master.Close() })
	return s
}

// shellWords quotes args for sh.
func shellWords(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func TestFsContainerRootCannotReachTheOperatorsTerminalThroughRedirectedStdio(t *testing.T) {
	attackOperatorsTerminal(t, func(c *harness.Containerd, a *harness.Attacker, busybox string) string {
		return shellWords(harness.NsjPath(t), "-a", c.Address, "-n", a.Task.Namespace, "--fs", "container",
			a.Task.ID, busybox, "sh", "-c", "sleep 2") + " </dev/null >/dev/null 2>&1"
	})
}

func TestFsContainerRootCannotReachTheOperatorsTerminalUnderAll(t *testing.T) {
	attackOperatorsTerminal(t, func(c *harness.Containerd, a *harness.Attacker, busybox string) string {
		return shellWords(harness.NsjPath(t), "-a", c.Address, "-n", a.Task.Namespace, "--all", "--fs", "container",
			"--", busybox, "sh", "-c", "sleep 2")
	})
}

func attackOperatorsTerminal(t *testing.T, nsj func(*harness.Containerd, *harness.Attacker, string) string) {
	harness.Need(t, runtime.GOARCH == "amd64", "-mode ctty of the attacker is written for amd64")
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	a := harness.LaunchAttacker(t, c, harness.AttackerConfig{Mode: "ctty", Args: []string{"-comm", "sleep"}})
	o := operatorShell(t, nsj(c, a, busybox))
	o.Expect(t, "NSJ-EXITED=")
	if !strings.Contains(o.Output(), "NSJ-EXITED=0") {
		t.Fatalf("nsj failed:\n%s", o.Output())
	}
	o.Send(t, "operator-password-42\n")
	time.Sleep(200 * time.Millisecond)
	r := a.Stop(t)
	t.Logf("attacker:\n%s", r.Log)
	if !strings.Contains(r.Log, "CTTY pid=") {
		t.Fatalf("the attacker never got hold of the command: the test proves nothing")
	}
	if strings.Contains(r.Log, "operator-password-42") {
		t.Errorf("the container read what the operator typed after nsj exited")
	}
	if strings.Contains(o.Output(), "GRABBED-TITLE") {
		t.Errorf("the container wrote to the operator's terminal after nsj exited:\n%q", o.Output())
	}
	if strings.Contains(r.Log, "GRAB ") {
		t.Errorf("the container took a terminal from the command")
	}
}

// Without a terminal among its fds 0-2 every command leads a session of its
// own without a controlling terminal, also with the host's privileges (no
// --fs container), where a command that drops its capabilities is within
// the container's reach (defence 1's limit): /proc/self/stat shows session
// = its own PID, tty_nr 0, while nsj runs in an operator's terminal session.
func TestCommandWithoutATerminalLeadsASessionWithoutOne(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, "nsj-session", harness.UniqueID("session"))
	probe := `read -r pid comm state ppid pgrp sid tty rest </proc/self/stat; echo "STAT pid=$$ sid=$sid tty=$tty"`
	for _, mode := range [][]string{nil, {"--fs", "container"}} {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{harness.NsjPath(t), "-a", c.Address, "-n", tk.Namespace}, mode...)
		args = append(args, tk.ID, busybox, "sh", "-c", probe)
		o := operatorShell(t, shellWords(args...)+" </dev/null >"+out+" 2>&1")
		o.Expect(t, "NSJ-EXITED=")
		b, _ := os.ReadFile(out)
		f := harness.LogFields(strings.TrimSpace(string(b)))
		if !strings.HasPrefix(string(b), "STAT ") || f["sid"] != f["pid"] || f["tty"] != "0" {
			t.Errorf("nsj %v: %q, want the command's own session (sid = pid) and tty 0", mode, b)
		}
	}
}
