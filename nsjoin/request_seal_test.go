package nsjoin

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The constructor trusts only a request in a memfd sealed as Exec seals it.
func TestConstructorTrustsOnlyASealedMemfd(t *testing.T) {
	valid, err := (&JoinRequest{Path: "/bin/true", Args: []string{"true"}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		open func(t *testing.T) int
		want bool
	}{
		{"sealed memfd (Exec's)", func(t *testing.T) int { return fdOrFail(t)(writeSealed(valid)) }, true},
		{"unsealed memfd", func(t *testing.T) int { return memfd(t, valid, 0) }, false},
		{"memfd sealed but writable", func(t *testing.T) int {
			return memfd(t, valid, unix.F_SEAL_SEAL|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW)
		}, false},
		{"memfd sealed against writes, not further seals", func(t *testing.T) int {
			return memfd(t, valid, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE)
		}, false},
		{"regular file", func(t *testing.T) int {
			path := filepath.Join(t.TempDir(), "request")
			if err := os.WriteFile(path, valid, 0o600); err != nil {
				t.Fatal(err)
			}
			return fdOrFail(t)(unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0))
		}, false},
		{"shmem file", func(t *testing.T) int {
			f, err := os.CreateTemp("/dev/shm", "nsj-request")
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(f.Name())
			f.Write(valid)
			return fdOrFail(t)(unix.Dup(int(f.Fd())))
		}, false},
		{"pipe", func(t *testing.T) int {
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unix.Close(p[1]) })
			return p[0]
		}, false},
		{"closed fd", func(t *testing.T) int { return 1 << 20 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd := tc.open(t)
			defer unix.Close(fd)
			if got := sealedInC(fd); got != tc.want {
				t.Errorf("trusted: %v, want %v", got, tc.want)
			}
		})
	}
}

// memfd holds b in a memfd with the given seals.
func memfd(t *testing.T, b []byte, seals int) int {
	fd := fdOrFail(t)(unix.MemfdCreate("test-request", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING))
	if _, err := unix.Write(fd, b); err != nil {
		t.Fatal(err)
	}
	if seals != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			t.Fatal(err)
		}
	}
	return fd
}

func fdOrFail(t *testing.T) func(int, error) int {
	return func(fd int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
}
