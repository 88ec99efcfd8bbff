package integration

import (
	"regexp"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// The default command is the caller's $SHELL, with job control on the terminal.
func TestInteractiveShellHasJobControl(t *testing.T) {
	tg := harness.StartTarget(t, "sleep 100000")
	s := harness.StartPty(t, []string{"SHELL=/bin/sh", "PS1=nsj$ "}, "-t", tg.PIDArg())
	s.Expect(t, "nsj$ ")
	s.Send(t, "echo flags=$-; hostname\n")
	s.Expect(t, "\nnsj-target")
	s.Send(t, "sleep 100003 &\n")
	s.Send(t, "jobs\n")
	s.Expect(t, "Running")
	s.Send(t, "kill %1; exit 4\n")
	if code := s.Wait(t); code != 4 {
		t.Fatalf("nsj exited %d, want the shell's 4", code)
	}
	out := s.Output()
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
	tg := harness.StartTarget(t, "sleep 100000")
	// An outer shell on the pty runs nsj as one of its jobs.
	s := harness.StartPtyShell(t)
	s.Send(t, harness.NsjPath(t)+" -t "+tg.PIDArg()+" sh -c 'echo st\"\"arted; read line; echo got:$line; exit 5'\n")
	s.Expect(t, "started") // not the echo of the command line, which has st""arted
	s.Send(t, "\x1a")      // ^Z
	s.Expect(t, "Stopped")
	s.Send(t, "fg\n")
	s.Send(t, "hello\n")
	s.Expect(t, "got:hello")
	s.Send(t, "echo status=$?\n")
	s.Expect(t, "status=5")
	s.Send(t, "exit\n")
	s.Wait(t)
}
