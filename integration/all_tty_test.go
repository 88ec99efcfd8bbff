package integration

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
	"golang.org/x/sys/unix"
)

// What a container writes reaches the operator's terminal through nsj --all.
// A container's file holds what would, printed raw, erase its own line and
// forge one under another task's prefix ("\r\x1b[K" then "bbb-victim: ..."),
// retitle the terminal (OSC 0) and set the clipboard (OSC 52). The operator
// runs nsj --all -- cat on a terminal: every control byte arrives escaped,
// under the right prefix; piped, the bytes pass as they are.
func TestAllOnATerminalEscapesWhatContainersPrint(t *testing.T) {
	c := harness.SharedContainerd(t)
	ns := harness.UniqueID("nsj-all-tty")
	const evil = `ok\r\033[Kbbb-victim: LISTEN 0.0.0.0:31337\n\033]0;pwned\007\n\033]52;c;ZWNobyBwd25lZA==\007\n`
	tk := c.RunTask(t, ns, "aaa-evil", harness.WithArgs("sh", "-c", "printf '"+evil+"' > /tmp/evil; exec sleep 100000"),
		harness.WithSpecOpts(harness.WithWritableTmp()))
	victim := c.RunTask(t, ns, "bbb-victim", harness.WithArgs("sh", "-c", "echo quiet > /tmp/evil; exec sleep 100000"),
		harness.WithSpecOpts(harness.WithWritableTmp()))
	harness.WaitFor(t, 10*time.Second, "the container to write its file", harness.Exists(harness.InTask(tk, "/tmp/evil")))
	harness.WaitFor(t, 10*time.Second, "the other container to write its file", harness.Exists(harness.InTask(victim, "/tmp/evil")))
	args := []string{"-a", c.Address, "-n", ns, "--all", "--", "sh", "-c", `cat "$NSJ_ROOT/tmp/evil"`}

	screen := runWithStdoutOnPty(t, args...)
	for _, b := range []string{"\x1b", "\r", "\x07"} {
		if strings.Contains(screen, b) {
			t.Errorf("the terminal got a raw %q:\n%q", b, screen)
		}
	}
	for _, want := range []string{
		`aaa-evil: ok\x0d\x1b[Kbbb-victim: LISTEN 0.0.0.0:31337` + "\n",
		`aaa-evil: \x1b]0;pwned\x07` + "\n",
		`aaa-evil: \x1b]52;c;ZWNobyBwd25lZA==\x07` + "\n",
		"bbb-victim: quiet\n",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the terminal lacks the line %q:\n%q", want, screen)
		}
	}

	// Piped, as scripts read it: the container's bytes, unchanged.
	out := harness.Nsj(t, args...).OK(t)
	if !strings.Contains(out, "aaa-evil: ok\r\x1b[Kbbb-victim: LISTEN 0.0.0.0:31337\n") || !strings.Contains(out, "aaa-evil: \x1b]0;pwned\x07\n") {
		t.Errorf("piped output changed the container's bytes: %q", out)
	}
}

// runWithStdoutOnPty runs nsj with its stdout on a new terminal that passes
// bytes as they are (no output processing: "\n" stays "\n") and returns
// what the terminal got.
func runWithStdoutOnPty(t *testing.T, args ...string) string {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Oflag &^= unix.OPOST
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(harness.NsjPath(t), args...)
	cmd.Stdout, cmd.Stderr = slave, &stderr
	screen := make(chan string, 1)
	go func() { b, _ := io.ReadAll(master); screen <- string(b) }() // ends with EIO once the slave is closed
	err = cmd.Run()
	slave.Close()
	if err != nil {
		t.Fatalf("nsj %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	select {
	case s := <-screen:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal's output never ended")
	}
	return ""
}
