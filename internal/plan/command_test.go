package plan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/exit"
)

// writeFile creates dir/name with mode and returns its path.
func writeFile(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // beyond the umask
		t.Fatal(err)
	}
	return p
}

func TestLookPath(t *testing.T) {
	empty, bin1, bin2 := t.TempDir(), t.TempDir(), t.TempDir()
	tool1 := writeFile(t, bin1, "tool", 0o755)
	tool2 := writeFile(t, bin2, "tool", 0o755)
	only2 := writeFile(t, bin2, "only2", 0o700)
	userX := writeFile(t, bin2, "userx", 0o100)
	noexec := writeFile(t, bin1, "noexec", 0o644)
	writeFile(t, bin2, "later", 0o644)
	laterX := writeFile(t, bin1, "later", 0o755)
	shadowed := writeFile(t, bin2, "shadowed", 0o755)
	writeFile(t, bin1, "shadowed", 0o644)
	if err := os.Mkdir(filepath.Join(bin1, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	adir2 := writeFile(t, bin2, "adir", 0o755)

	tests := []struct {
		name, cmd, path string
		want            string // the path found; "" when an error is expected
		code            int    // the exit.Error code expected
	}{
		{"found in the first PATH dir", "tool", bin1 + ":" + bin2, tool1, 0},
		{"found in the first that has it", "tool", bin2 + ":" + bin1, tool2, 0},
		{"found in a later dir", "only2", empty + ":" + bin1 + ":" + bin2, only2, 0},
		{"executable by its owner only", "userx", bin2, userX, 0},
		{"a directory is skipped", "adir", bin1 + ":" + bin2, adir2, 0},
		{"a later executable wins over a non-executable", "later", bin2 + ":" + bin1, laterX, 0},
		{"non-executable after an executable", "shadowed", bin2 + ":" + bin1, shadowed, 0},
		{"absolute name returned as is", "/no/such/file", bin1, "/no/such/file", 0},
		{"relative name with slash returned as is", "./tool", empty, "./tool", 0},
		{"slash name not looked up", "sub/tool", bin1, "sub/tool", 0},
		{"not found", "nosuchcommand", bin1 + ":" + bin2, "", exit.NotFound},
		{"not found with empty PATH", "tool", "", "", exit.NotFound},
		{"empty name", "", bin1, "", exit.NotFound},
		{"present but not executable", "noexec", empty + ":" + bin1, "", exit.NotExecutable},
		{"directory only", "adir", bin1, "", exit.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookPath(tt.cmd, tt.path)
			if tt.code == 0 {
				if err != nil || got != tt.want {
					t.Fatalf("lookPath(%q, %q) = %q, %v; want %q", tt.cmd, tt.path, got, err, tt.want)
				}
				return
			}
			var ee *exit.Error
			if !errors.As(err, &ee) || ee.Code != tt.code {
				t.Fatalf("lookPath(%q, %q) = %q, %v; want an exit.Error with code %d", tt.cmd, tt.path, got, err, tt.code)
			}
			if tt.code == exit.NotExecutable && (!errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), noexec)) {
				t.Errorf("error %q does not name %s as not permitted", err, noexec)
			}
		})
	}
}

func TestLookPathTakesEmptyPATHEntriesAsDot(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	writeFile(t, dir, "here", 0o755)
	t.Chdir(dir)
	for _, path := range []string{":" + other, other + ":", other + "::" + other} {
		got, err := lookPath("here", path)
		if err != nil {
			t.Errorf("lookPath(here, %q): %v", path, err)
			continue
		}
		// The command runs wherever -w says, so "." must not stay relative.
		if got != filepath.Join(dir, "here") {
			t.Errorf("lookPath(here, %q) = %q, want the absolute %s", path, got, filepath.Join(dir, "here"))
		}
	}
	if _, err := lookPath("here", other); err == nil {
		t.Errorf("lookPath found %q without an empty PATH entry", "here")
	}
}

func TestApplyEnv(t *testing.T) {
	t.Setenv("NSJ_TEST_SET", "from-nsj")
	t.Setenv("NSJ_TEST_EMPTY", "")
	t.Setenv("NSJ_TEST_UNSET", "x")
	os.Unsetenv("NSJ_TEST_UNSET") // t.Setenv restores it afterwards
	t.Setenv("_NSJ_TEST_PRIVATE", "secret")

	base := []string{"PATH=/bin", "HOME=/root", "NSJ_TEST_UNSET=old"}
	tests := []struct {
		name string
		env  []string
		sets []string
		want []string
	}{
		{"nothing to apply", base, nil, base},
		{"set a new key", base, []string{"A=1"}, []string{"PATH=/bin", "HOME=/root", "NSJ_TEST_UNSET=old", "A=1"}},
		{"replace a key", base, []string{"HOME=/home/x"}, []string{"PATH=/bin", "NSJ_TEST_UNSET=old", "HOME=/home/x"}},
		{"empty value", base, []string{"PATH="}, []string{"HOME=/root", "NSJ_TEST_UNSET=old", "PATH="}},
		{"value with =", nil, []string{"A=b=c"}, []string{"A=b=c"}},
		{"later -e wins", nil, []string{"A=1", "A=2"}, []string{"A=2"}},
		{"duplicates in env collapse", []string{"A=1", "B=2", "A=3"}, []string{"A=4"}, []string{"B=2", "A=4"}},
		{"KEY alone copies nsj's value", base, []string{"NSJ_TEST_SET"}, append(slices.Clone(base), "NSJ_TEST_SET=from-nsj")},
		{"KEY alone copies an empty value", nil, []string{"NSJ_TEST_EMPTY"}, []string{"NSJ_TEST_EMPTY="}},
		{"KEY alone unset removes it", base, []string{"NSJ_TEST_UNSET"}, []string{"PATH=/bin", "HOME=/root"}},
		{"KEY alone unset and absent", nil, []string{"NSJ_TEST_UNSET"}, nil},
		{"private KEY=VALUE dropped", base, []string{"_NSJ_JOIN_REQUEST=3"}, base},
		{"private KEY alone dropped", base, []string{"_NSJ_TEST_PRIVATE"}, base},
		{"private dropped, others kept", nil, []string{"_NSJ_X=1", "B=2"}, []string{"B=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.env)
			got := applyEnv(in, tt.sets)
			if len(got) != 0 || len(tt.want) != 0 {
				if !slices.Equal(got, tt.want) {
					t.Errorf("applyEnv(%q, %q) = %q, want %q", tt.env, tt.sets, got, tt.want)
				}
			}
			if !slices.Equal(in, tt.env) {
				t.Errorf("applyEnv changed its input to %q", in)
			}
		})
	}
}

func TestParseNamespaceTypes(t *testing.T) {
	tests := []struct {
		name     string
		in       []string
		want     []string
		explicit bool
		errMsg   string // part of the error; "" when none is expected
	}{
		{"none means the defaults", nil, nil, false, ""},
		{"net and pid", []string{"net", "pid"}, []string{"net", "pid"}, true, ""},
		{"order kept", []string{"uts", "net"}, []string{"uts", "net"}, true, ""},
		{"network is net", []string{"network"}, []string{"net"}, true, ""},
		{"spaces trimmed", []string{" net", "pid "}, []string{"net", "pid"}, true, ""},
		{"duplicates collapsed", []string{"net", "pid", "net"}, []string{"net", "pid"}, true, ""},
		{"alias and name collapsed", []string{"net", "network"}, []string{"net"}, true, ""},
		{"user allowed", []string{"user", "net"}, []string{"user", "net"}, true, ""},
		{"every joinable type", []string{"net", "pid", "uts", "ipc", "cgroup", "time", "user"},
			[]string{"net", "pid", "uts", "ipc", "cgroup", "time", "user"}, true, ""},
		{"mnt rejected", []string{"net", "mnt"}, nil, true, "/proc/1/root"},
		{"mount rejected", []string{"mount"}, nil, true, "/proc/1/root"},
		{"unknown rejected", []string{"netns"}, nil, true, "unknown namespace type"},
		{"upper case rejected", []string{"NET"}, nil, true, "unknown namespace type"},
		{"empty rejected", []string{""}, nil, true, "unknown namespace type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := parseNamespaceTypes(tt.in)
			if tt.errMsg != "" {
				var ee *exit.Error
				if !errors.As(err, &ee) || ee.Code != exit.Failure {
					t.Fatalf("parseNamespaceTypes(%q) = %+v, %v; want an exit.Error with code %d", tt.in, sel, err, exit.Failure)
				}
				if !strings.Contains(err.Error(), tt.errMsg) {
					t.Errorf("error %q does not mention %q", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseNamespaceTypes(%q): %v", tt.in, err)
			}
			if !slices.Equal(sel.Types, tt.want) || sel.Explicit != tt.explicit {
				t.Errorf("parseNamespaceTypes(%q) = %+v, want types %q explicit %v", tt.in, sel, tt.want, tt.explicit)
			}
		})
	}
}
