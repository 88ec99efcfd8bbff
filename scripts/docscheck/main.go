// Command docscheck (make docs-check) keeps the docs true where a program
// can tell: every repository file, Go test, nsj flag and make target a
// Markdown file names in backticks exists, every number in the table of
// numbers.go is what its command prints again, and the README lists the
// packages scripts/deps.sh installs, and integration/README.md every
// end-to-end test file. It prints one line per finding,
// FILE:LINE: what is wrong, and exits 1 if there is any.
//
// Run from the top of the repository, after make build kubectl-nsj: the
// flags are read from bin/nsj --help and bin/kubectl-nsj --help.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// finding is one thing wrong in a doc.
type finding struct {
	file string
	line int
	msg  string
}

func (f finding) String() string { return fmt.Sprintf("%s:%d: %s", f.file, f.line, f.msg) }

func main() {
	docs, err := markdownFiles(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "docs-check:", err)
		os.Exit(2)
	}
	r, err := newRepo(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "docs-check:", err)
		os.Exit(2)
	}
	var found []finding
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			fmt.Fprintln(os.Stderr, "docs-check:", err)
			os.Exit(2)
		}
		found = append(found, r.checkRefs(doc, string(b))...)
	}
	found = append(found, checkNumbers()...)
	found = append(found, checkPackages()...)
	found = append(found, checkTestIndex()...)
	sort.Slice(found, func(i, j int) bool { return found[i].String() < found[j].String() })
	for _, f := range found {
		fmt.Println(f)
	}
	if len(found) > 0 {
		fmt.Fprintf(os.Stderr, "docs-check: %d findings in %d Markdown files\n", len(found), len(docs))
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "docs-check: %d Markdown files, %d numbers: all true\n", len(docs), len(numbers))
}

// markdownFiles are the repository's *.md files but those of bin/, dist/
// and hidden directories.
func markdownFiles(top string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != top && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
