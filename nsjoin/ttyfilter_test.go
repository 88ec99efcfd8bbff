package nsjoin

import (
	"runtime"
	"syscall"
	"testing"
)

// The filter of ttyfilter.c refuses TIOCSTI and TIOCLINUX in every calling
// convention the kernel takes, whatever the fd, and nothing else.
func TestTTYFilterRefusesTerminalInjectionOnly(t *testing.T) {
	probes := []struct {
		call string
		want syscall.Errno // with the filter; EBADF: the call reached the kernel's ioctl
	}{
		{"ioctl(-1, TIOCSTI)", syscall.EPERM},
		{"ioctl(-1, TIOCLINUX)", syscall.EPERM},
		{"ioctl(-1, 1<<32 | TIOCSTI)", syscall.EPERM},
		{"ioctl(-1, TCGETS)", syscall.EBADF},
		{"getpid()", 0},
	}
	if runtime.GOARCH == "amd64" {
		probes = append(probes, []struct {
			call string
			want syscall.Errno
		}{
			{"x32 ioctl(-1, TIOCSTI)", syscall.EPERM},
			{"x32 ioctl (64-bit number)(-1, TIOCSTI)", syscall.EPERM},
			{"i386 ioctl(-1, TIOCSTI)", syscall.EPERM},
		}...)
	}
	got, err := ttyFilterProbe(len(probes))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range probes {
		switch {
		case i >= len(got) && p.call[:4] == "i386":
			t.Logf("%s: the kernel has no 32-bit emulation (the call killed the probe)", p.call)
		case i >= len(got):
			t.Errorf("%s: the probe died before it", p.call)
		case got[i] != p.want:
			t.Errorf("%s: errno %d (%v), want %d (%v)", p.call, got[i], got[i], p.want, p.want)
		}
	}
}
