package integration

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptySession runs nsj on a new terminal, as an operator's interactive shell.
type ptySession struct {
	cmd *exec.Cmd
	tty *os.File
	mu  sync.Mutex
	out bytes.Buffer
}

func startPty(t *testing.T, env []string, args ...string) *ptySession {
	t.Helper()
	cmd := exec.Command(nsjPath(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return startOnPty(t, cmd)
}

// startOnPty starts cmd on a new terminal and records what it shows.
func startOnPty(t *testing.T, cmd *exec.Cmd) *ptySession {
	t.Helper()
	s := &ptySession{cmd: cmd}
	f, err := pty.Start(s.cmd)
	if err != nil {
		t.Fatalf("starting %s on a pty: %v", cmd.Path, err)
	}
	s.tty = f
	go s.record()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		f.Close()
	})
	return s
}

// record keeps what the terminal shows, until it hangs up.
func (s *ptySession) record() {
	buf := make([]byte, 4096)
	for {
		n, err := s.tty.Read(buf)
		s.mu.Lock()
		s.out.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *ptySession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// expect waits until the terminal has shown want.
func (s *ptySession) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(s.output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", want, s.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *ptySession) send(t *testing.T, text string) {
	t.Helper()
	if _, err := io.WriteString(s.tty, text); err != nil {
		t.Fatalf("typing %q: %v", text, err)
	}
}

func (s *ptySession) wait(t *testing.T) int {
	t.Helper()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatalf("nsj did not exit; the terminal shows:\n%s", s.output())
	}
	return s.cmd.ProcessState.ExitCode()
}

// The default command is the caller's $SHELL, with job control on the terminal.
func TestInteractiveShellHasJobControl(t *testing.T) {
	tg := startTarget(t, "sleep 100000")
	s := startPty(t, []string{"SHELL=/bin/sh", "PS1=nsj$ "}, "-t", tg.pidArg())
	s.expect(t, "nsj$ ")
	s.send(t, "echo flags=$-; hostname\n")
	s.expect(t, "\nnsj-target")
	s.send(t, "sleep 100003 &\n")
	s.send(t, "jobs\n")
	s.expect(t, "Running")
	s.send(t, "kill %1; exit 4\n")
	if code := s.wait(t); code != 4 {
		t.Fatalf("nsj exited %d, want the shell's 4", code)
	}
	out := s.output()
	for _, bad := range []string{"can't access tty", "job control turned off", "no job control"} {
		if strings.Contains(out, bad) {
			t.Fatalf("the shell warned %q:\n%s", bad, out)
		}
	}
	// The shell's reply, not the echo of "echo flags=$-", which has a $.
	if !regexp.MustCompile(`flags=[a-zA-Z]*m[a-zA-Z]*\r?\n`).MatchString(out) {
		t.Fatalf("the shell's $- lacks m (monitor mode):\n%s", out)
	}
}

// ^Z stops the command and nsj with it, as the caller's shell expects of a
// job; fg brings both back.
func TestCtrlZStopsAndFgResumes(t *testing.T) {
	tg := startTarget(t, "sleep 100000")
	// An outer shell on the pty runs nsj as one of its jobs.
	s := startPtyShell(t)
	s.send(t, nsjPath(t)+" -t "+tg.pidArg()+" sh -c 'echo st\"\"arted; read line; echo got:$line; exit 5'\n")
	s.expect(t, "started") // not the echo of the command line, which has st""arted
	s.send(t, "\x1a")      // ^Z
	s.expect(t, "Stopped")
	s.send(t, "fg\n")
	s.send(t, "hello\n")
	s.expect(t, "got:hello")
	s.send(t, "echo status=$?\n")
	s.expect(t, "status=5")
	s.send(t, "exit\n")
	s.wait(t)
}

// startPtyShell starts an interactive host shell (not nsj) on a pty.
func startPtyShell(t *testing.T) *ptySession {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-i")
	cmd.Env = append(os.Environ(), "PS1=host$ ")
	s := startOnPty(t, cmd)
	s.expect(t, "host$ ")
	return s
}
