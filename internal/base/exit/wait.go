package exit

import "golang.org/x/sys/unix"

// Reap waits for child pid (again after EINTR) and returns its exit
// status as a shell gives it: 128+N for a child killed by signal N.
func Reap(pid int) int {
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			break
		}
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
