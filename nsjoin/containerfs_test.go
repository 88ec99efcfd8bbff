package nsjoin

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// elfBytes is a minimal little-endian ELF64 file of type typ: one PT_LOAD
// program header and, with interp, a PT_INTERP one pointing at it.
func elfBytes(typ elf.Type, interp string) []byte {
	phnum := uint16(1)
	if interp != "" {
		phnum = 2
	}
	hdr := elf.Header64{
		Type: uint16(typ), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Phoff: 64, Ehsize: 64, Phentsize: 56, Phnum: phnum, Shentsize: 64,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS], hdr.Ident[elf.EI_DATA], hdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	dataOff := uint64(64 + 56*int(phnum))
	progs := []elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Align: 0x1000}}
	if interp != "" {
		n := uint64(len(interp) + 1)
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP), Flags: uint32(elf.PF_R), Off: dataOff, Filesz: n, Memsz: n, Align: 1})
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, hdr)
	binary.Write(&b, binary.LittleEndian, progs)
	b.WriteString(interp + "\x00")
	return b.Bytes()
}

func TestOpenStaticAcceptsOnlyStaticExecutables(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    error // nil: accepted
		mention string
	}{
		{"static executable", elfBytes(elf.ET_EXEC, ""), 0o755, nil, ""},
		{"static PIE", elfBytes(elf.ET_DYN, ""), 0o755, nil, ""},
		{"dynamic executable", elfBytes(elf.ET_EXEC, "/lib64/ld-linux-x86-64.so.2"), 0o755, ErrDynamic, "/lib64/ld-linux-x86-64.so.2"},
		{"dynamic PIE", elfBytes(elf.ET_DYN, "/lib/ld-musl-x86_64.so.1"), 0o755, ErrDynamic, "ld-musl"},
		{"relocatable object", elfBytes(elf.ET_REL, ""), 0o755, ErrNotELF, "ET_REL"},
		{"shell script", []byte("#!/bin/sh\necho hi\n"), 0o755, ErrScript, "#!/bin/sh"},
		{"script with a space", []byte("#! /usr/bin/env python3\n"), 0o755, ErrScript, "python3"},
		{"text", []byte("echo hi\n"), 0o755, ErrNotELF, ""},
		{"empty", nil, 0o755, ErrNotELF, ""},
		{"truncated ELF header", elfBytes(elf.ET_EXEC, "")[:20], 0o755, ErrNotELF, ""},
		{"static but not executable", elfBytes(elf.ET_EXEC, ""), 0o644, fs.ErrPermission, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, tt.content, tt.mode); err != nil {
				t.Fatal(err)
			}
			f, err := OpenStatic(path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("OpenStatic: %v", err)
				}
				f.Close()
				return
			}
			if err == nil {
				f.Close()
				t.Fatalf("OpenStatic accepted it")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("OpenStatic: %v; want %v, naming %s and %q", err, tt.want, path, tt.mention)
			}
		})
	}
	if _, err := OpenStatic(dir); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("OpenStatic(a directory): %v, want a permission error", err)
	}
	if _, err := OpenStatic(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenStatic(a missing file): %v, want not-exist", err)
	}
}

// The fd OpenStatic returns is close-on-exec: the re-executed nsj gets it
// only through the join request (Exec clears the flag on purpose).
func TestOpenStaticIsCloseOnExec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "static")
	if err := os.WriteFile(path, elfBytes(elf.ET_EXEC, ""), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := OpenStatic(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Fatalf("fd flags %#x (%v): not close-on-exec", flags, err)
	}
}
