package integration

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/internal/kubeplugin"
)

// terminal is the user's terminal of kubectl nsj -it: the plugin gets its
// tty side; the test types on, and reads the screen from, its master side.
type terminal struct {
	master, tty *os.File
	mu          sync.Mutex
	screen      bytes.Buffer
}

func openTerminal(t *testing.T, rows, cols uint16) *terminal {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	term := &terminal{master: master, tty: tty}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			term.mu.Lock()
			term.screen.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { tty.Close(); master.Close() })
	return term
}

// waitFor waits until the screen shows want.
func (term *terminal) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		term.mu.Lock()
		screen := term.screen.String()
		term.mu.Unlock()
		if strings.Contains(screen, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal does not show %q within 30s; it shows %q", want, screen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestKubectlNsjOnATerminalGivesItsSizeAndPassesCtrlC(t *testing.T) {
	c := harness.SharedCRI(t)
	web := c.RunPod(t, "shop", "web")
	id := web.Start(t, "app", 0, "sleep", "100000")
	agent := startKubeAgent(t, c, netnsDir(t, c, web))
	target, err := kubeplugin.TargetOf(apiPod(t, c, web, "app", id), "")
	if err != nil {
		t.Fatal(err)
	}
	term := openTerminal(t, 33, 101)
	sizes, restore, err := kubeplugin.RawTerminal(term.tty, term.tty)
	if err != nil {
		t.Fatal(err)
	}
	defer restore()

	argv := kubeplugin.NsjArgs(target, []string{"sh", "-c", "stty size; hostname; sleep 100"}, false)
	ex := agent.executor(t, argv, true, true)
	done := make(chan error, 1)
	go func() {
		s := kubeplugin.Streams{In: term.tty, Out: term.tty, TTY: true, Sizes: sizes}
		done <- kubeplugin.Stream(context.Background(), ex, agent.pod, s)
	}()
	term.waitFor(t, "33 101\r\nweb\r\n")
	if _, err := term.master.Write([]byte{3}); err != nil { // ^C, typed
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if code := kubeplugin.ExitCode(err); code != 130 {
			t.Fatalf("exit status %d (%v), want 130: ^C interrupts the command in the pod", code, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("^C did not stop the command within 30s")
	}
}
