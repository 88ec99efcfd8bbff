package harness

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// PtySession runs nsj on a new terminal, as an operator's interactive shell.
type PtySession struct {
	Cmd *exec.Cmd // the program on the terminal
	TTY *os.File  // the master side: what is typed, what it shows
	mu  sync.Mutex
	out bytes.Buffer
}

// StartPty runs nsj with args (and env added to the environment) on a new
// terminal.
func StartPty(t *testing.T, env []string, args ...string) *PtySession {
	t.Helper()
	cmd := exec.Command(NsjPath(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return StartOnPty(t, cmd)
}

// StartOnPty starts cmd on a new terminal and records what it shows.
func StartOnPty(t *testing.T, cmd *exec.Cmd) *PtySession {
	t.Helper()
	s := &PtySession{Cmd: cmd}
	f, err := pty.Start(s.Cmd)
	if err != nil {
		t.Fatalf("starting %s on a pty: %v", cmd.Path, err)
	}
	s.TTY = f
	go s.record()
	t.Cleanup(func() {
		s.Cmd.Process.Kill()
		s.Cmd.Wait()
		f.Close()
	})
	return s
}

// Watch records what master, the terminal of the started cmd, shows.
func Watch(cmd *exec.Cmd, master *os.File) *PtySession {
	s := &PtySession{Cmd: cmd, TTY: master}
	go s.record()
	return s
}

// record keeps what the terminal shows, until it hangs up.
func (s *PtySession) record() {
	buf := make([]byte, 4096)
	for {
		n, err := s.TTY.Read(buf)
		s.mu.Lock()
		s.out.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *PtySession) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// Expect waits until the terminal has shown want.
func (s *PtySession) Expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(s.Output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", want, s.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *PtySession) Send(t *testing.T, text string) {
	t.Helper()
	if _, err := io.WriteString(s.TTY, text); err != nil {
		t.Fatalf("typing %q: %v", text, err)
	}
}

func (s *PtySession) Wait(t *testing.T) int {
	t.Helper()
	done := make(chan struct{})
	go func() { s.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatalf("nsj did not exit; the terminal shows:\n%s", s.Output())
	}
	return s.Cmd.ProcessState.ExitCode()
}

// StartPtyShell starts an interactive host shell (not nsj) on a pty.
func StartPtyShell(t *testing.T) *PtySession {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-i")
	cmd.Env = append(os.Environ(), "PS1=host$ ")
	s := StartOnPty(t, cmd)
	s.Expect(t, "host$ ")
	return s
}
