package base

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/nsj-dev/nsj/"

// imports are the packages of this module that the package in dir (relative
// to the module root) imports from its non-test files.
func imports(t *testing.T, root, dir string) []string {
	t.Helper()
	p, err := build.ImportDir(filepath.Join(root, dir), 0)
	if err != nil {
		t.Fatalf("reading package %s: %v", dir, err)
	}
	var own []string
	for _, imp := range p.Imports {
		if strings.HasPrefix(imp, module) {
			own = append(own, strings.TrimPrefix(imp, module))
		}
	}
	return own
}

// subdirs are the package folders under dir, dir included when it has Go files.
func subdirs(t *testing.T, root, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if m, _ := filepath.Glob(filepath.Join(path, "*.go")); len(m) > 0 {
			rel, _ := filepath.Rel(root, path)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The layers of docs/design.md's package map: leaves import only leaves;
// nsjoin and runtime import leaves, themselves and nothing else of nsj.
func TestLayersImportOnlyDownward(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	lower := func(imp string) bool {
		return strings.HasPrefix(imp, "internal/base/") || imp == "nsjoin" || imp == "runtime" || strings.HasPrefix(imp, "runtime/")
	}
	checked := 0
	for _, dir := range subdirs(t, root, "internal/base") {
		if dir == "internal/base" {
			continue
		}
		checked++
		for _, imp := range imports(t, root, dir) {
			if !strings.HasPrefix(imp, "internal/base/") {
				t.Errorf("leaf %s imports %s: a leaf imports only other leaves (internal/base/...)", dir, imp)
			}
		}
	}
	for _, dir := range append(subdirs(t, root, "nsjoin"), subdirs(t, root, "runtime")...) {
		checked++
		for _, imp := range imports(t, root, dir) {
			if !lower(imp) {
				t.Errorf("%s imports %s: nsjoin and runtime import only leaves (internal/base/...) and each other", dir, imp)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d packages: the walk found too few, is the tree where the test thinks?", checked)
	}
}
