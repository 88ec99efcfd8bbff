package integration

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
	"golang.org/x/sys/unix"
)

// Under --fs container the command has the container's privileges, so the
// container's root may open its /proc/PID/fd (docs/security.md, defence
// 17). nsj gives it a pseudo-terminal of its own and relays it, as
// `runc exec -t` does: the operator's terminal is never among its fds.

// operatorTerminal is an operator's terminal on which nsj runs: the test
// holds the master (what the operator types and sees) and keeps the slave
// open as well, so that the terminal outlives nsj whoever else holds it.
type operatorTerminal struct {
	*harness.PtySession
	slave *os.File
}

func startOnTerminal(t *testing.T, args ...string) *operatorTerminal {
	t.Helper()
	return startWithInput(t, nil, args...)
}

// startWithInput is startOnTerminal with stdin from in (nil: the terminal).
func startWithInput(t *testing.T, in io.Reader, args ...string) *operatorTerminal {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	if err := pty.Setsize(master, &pty.Winsize{Rows: 33, Cols: 111}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(harness.NsjPath(t), args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	ctty := 0 // the child's fd of its controlling terminal
	if in != nil {
		cmd.Stdin, ctty = in, 1
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := harness.Watch(cmd, master)
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); master.Close() })
	return &operatorTerminal{PtySession: s, slave: slave}
}

// termios is the operator terminal's modes now.
func (o *operatorTerminal) termios(t *testing.T) unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(o.slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return *tio
}

// The attack: the container's init opens /proc/PID/fd/0 and fd/1 of the
// command the operator runs from a terminal, and keeps them. After nsj has
// exited the operator types a password into the host's shell; the
// container must neither read it nor write to the operator's terminal. It
// keeps writing to the command's terminal meanwhile: nsj must exit all the
// same once the command has.
func TestFsContainerRootCannotKeepTheOperatorsTerminal(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	a := harness.StartAttacker(t, c, "grabtty", nil)
	start := time.Now()
	o := startOnTerminal(t, "-a", c.Address, "-n", a.Task.Namespace, "--fs", "container", a.Task.ID, busybox, "sh", "-c", "sleep 2")
	if code := o.Wait(t); code != 0 {
		t.Fatalf("nsj exited %d:\n%s", code, o.Output())
	}
	t.Logf("nsj ran for %v", time.Since(start))
	o.Send(t, "operator-password-42\n")
	time.Sleep(200 * time.Millisecond)
	r := a.Stop(t)
	if !strings.Contains(r.Log, "GRAB ") {
		t.Fatalf("the attacker opened no fd of the command: the test proves nothing:\n%s", r.Log)
	}
	if strings.Contains(r.Log, "operator-password-42") {
		t.Errorf("the container read what the operator typed after nsj exited:\n%s", r.Log)
	}
	if strings.Contains(o.Output(), "GRABBED-TERMINAL-WRITE") {
		t.Errorf("the container wrote to the operator's terminal after nsj exited:\n%s\nterminal:\n%q", r.Log, o.Output())
	}
	t.Logf("attacker:\n%s", r.Log)
	// A hung-up terminal: reads see end-of-file, writes fail.
	for _, line := range strings.Split(r.Log, "\n") {
		if (strings.HasPrefix(line, "READ ") && !strings.Contains(line, `got=""`) && !strings.Contains(line, "err=")) ||
			(strings.HasPrefix(line, "WRITE ") && !strings.Contains(line, "err=")) {
			t.Errorf("the command's terminal is not hung up once nsj exited: %s\n%s", line, r.Log)
		}
	}
}

// Interactive use through the relay: a busybox shell in a distroless
// container answers, sees the operator terminal's size and its changes,
// gets ^C, passes its exit status on, and the operator's terminal has its
// modes back afterwards.
func TestFsContainerShellWorksThroughItsOwnTerminal(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("relay"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	o := startOnTerminal(t, "-a", c.Address, "-n", fsNS, "--debug", "--fs", "container", "-e", "PS1=relay$ ", tk.ID, busybox, "sh")
	before := o.termios(t)
	o.Expect(t, "relay$ ")
	o.Send(t, "echo h''i; stty size\n")
	o.Expect(t, "\r\nhi\r\n")
	o.Expect(t, "33 111\r\n")
	if tio := o.termios(t); tio.Lflag&unix.ICANON != 0 || tio.Lflag&unix.ECHO != 0 {
		t.Errorf("the operator's terminal is not in raw mode while nsj relays: lflag %#x", tio.Lflag)
	}
	if err := pty.Setsize(o.TTY, &pty.Winsize{Rows: 44, Cols: 122}); err != nil {
		t.Fatal(err)
	}
	o.Cmd.Process.Signal(syscall.SIGWINCH)
	time.Sleep(100 * time.Millisecond)
	o.Send(t, "stty size\n")
	o.Expect(t, "44 122\r\n")
	o.Send(t, "sleep 100\n")
	o.Expect(t, "sleep 100\r\n")
	time.Sleep(300 * time.Millisecond)
	o.Send(t, "\x03") // ^C, a raw byte the command's terminal turns into SIGINT
	o.Send(t, "echo after=$?\n")
	o.Expect(t, "after=130")
	o.Send(t, "exit 7\n")
	if code := o.Wait(t); code != 7 {
		t.Fatalf("nsj exited %d, want the shell's 7:\n%s", code, o.Output())
	}
	if after := o.termios(t); after != before {
		t.Errorf("the operator's terminal modes changed:\nbefore %+v\nafter  %+v", before, after)
	}
	out := o.Output()
	if !strings.Contains(out, "the command gets a pseudo-terminal of its own; nsj relays it") {
		t.Errorf("--debug does not say that nsj relays a terminal:\n%s", out)
	}
}

// nsj killed with SIGTERM, SIGHUP or SIGINT from outside forwards it, and
// gives the operator's terminal its modes back before it exits.
func TestFsContainerRelayRestoresTheTerminalOnSignals(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("relay-term"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			o := startOnTerminal(t, "-a", c.Address, "-n", fsNS, "--fs", "container", tk.ID, busybox, "sh", "-c", "echo st''arted; exec sleep 100")
			before := o.termios(t)
			o.Expect(t, "started")
			harness.WaitFor(t, 5*time.Second, "raw mode", func() bool { return o.termios(t).Lflag&unix.ICANON == 0 })
			o.Cmd.Process.Signal(sig)
			if code := o.Wait(t); code != 128+int(sig) {
				t.Fatalf("nsj exited %d, want %d:\n%s", code, 128+int(sig), o.Output())
			}
			if after := o.termios(t); after != before {
				t.Errorf("the operator's terminal modes after %v:\nbefore %+v\nafter  %+v", sig, before, after)
			}
		})
	}
}

// With stdin redirected the command still gets a terminal of its own for
// its output, and the operator's terminal keeps its modes: nsj reads no
// keys from it, and its ^C signals nsj, which forwards it.
func TestFsContainerRelayWithRedirectedStdinLeavesTheTerminalAsItIs(t *testing.T) {
	c := harness.SharedContainerd(t)
	busybox := harness.StaticBusybox(t)
	tk := c.RunTask(t, fsNS, harness.UniqueID("relay-stdin"), harness.WithArgs("/sleep", "100000"), harness.WithSpecOpts(oci.WithRootFSPath(harness.DistrolessRootfs(t))))
	o := startWithInput(t, strings.NewReader("piped-input\n"), "-a", c.Address, "-n", fsNS, "--fs", "container", tk.ID, busybox,
		"sh", "-c", "cat; [ -t 0 ] || [ ! -t 1 ] || echo std''out-is-a-tty; exec sleep 100")
	before := o.termios(t)
	o.Expect(t, "piped-input")
	o.Expect(t, "stdout-is-a-tty")
	if now := o.termios(t); now != before {
		t.Errorf("the operator's terminal modes changed while stdin is redirected:\nbefore %+v\nnow    %+v", before, now)
	}
	o.Send(t, "\x03") // the terminal's ^C: SIGINT to nsj, forwarded
	if code := o.Wait(t); code != 128+int(syscall.SIGINT) {
		t.Fatalf("nsj exited %d, want 130:\n%s", code, o.Output())
	}
}
