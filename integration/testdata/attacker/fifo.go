package main

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// trapPath is the file -mode fifo replaces: the Go runtime and crypto read
// it, and a failed join of nsj's used to start Go in the container's mounts.
const trapPath = "/dev/urandom"

// fifoTrap (-mode fifo) replaces /dev/urandom with a FIFO and watches for a
// reader: a non-blocking open for writing succeeds only while some process
// has the FIFO open for reading (or waits in open to do so). It then logs
// FIFO-OPENED and keeps its end open without writing, so the reader hangs
// in read, as it would in open with nobody at the other end. When the file
// stop appears it writes HELD (1 if it caught a reader) and DONE.
func (a *attacker) fifoTrap(stop string) {
	os.Remove(trapPath)
	if err := unix.Mkfifo(trapPath, 0o666); err != nil {
		a.logf("ERROR mkfifo %s: %v", trapPath, err)
		a.logf("DONE")
		select {}
	}
	a.logf("READY mode=%s pid=%d", a.mode, a.self)
	held := 0
	for !exists(stop) {
		if held == 0 {
			if _, err := unix.Open(trapPath, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
				held = 1
				a.logf("FIFO-OPENED %s: a process opened it for reading", trapPath)
			}
		}
		time.Sleep(time.Millisecond)
	}
	a.logf("HELD %d", held)
	a.logf("DONE")
	select {}
}
