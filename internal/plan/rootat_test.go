package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootAtTakesOnlyAnEmptyOrMissingDirectoryOffPath(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{"empty", "full/bin"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("empty", filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir, path string
		err       string // "" when accepted
	}{
		{dir: "missing", path: "/usr/bin:/bin"},
		{dir: "empty", path: "/usr/bin:/bin"},
		{dir: "empty", path: "relative/bin:" + base + "/emptyish/bin"}, // neither is under DIR
		{dir: "full", path: "/usr/bin", err: "is not empty: the container's root would hide its files"},
		{dir: "link", path: "/usr/bin", err: "is a symbolic link"},
		{dir: "file", path: "/usr/bin", err: "not a directory"},
		{dir: "missing", path: "/usr/bin:" + base + "/missing/bin", err: "holds $PATH entry " + base + "/missing/bin: host commands would run the container's files"},
		{dir: "empty", path: base + "/empty", err: "holds $PATH entry " + base + "/empty:"},
		{dir: "full", path: base + "/full//bin/", err: "holds $PATH entry " + base + "/full/bin:"},
	} {
		t.Run(tc.dir+" "+tc.path, func(t *testing.T) {
			err := CheckRootAt(filepath.Join(base, tc.dir), tc.path)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasSuffix(err.Error(), RootAtHint)):
				t.Fatalf("%v, want an error about %q ending in the hint", err, tc.err)
			}
		})
	}
}
