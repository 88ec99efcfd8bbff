package main

import (
	"os"
	"path/filepath"
	"strings"
)

// testIndex is the doc that lists every end-to-end test file by feature.
const testIndex = "integration/README.md"

// checkTestIndex finds the integration/*_test.go files that testIndex does
// not name in backticks (that it names none that is missing, checkRefs
// finds).
func checkTestIndex() []finding {
	b, err := os.ReadFile(testIndex)
	if err != nil {
		return []finding{{testIndex, 0, "cannot read it: " + err.Error()}}
	}
	files, err := filepath.Glob("integration/*_test.go")
	if err != nil || len(files) == 0 {
		return []finding{{testIndex, 0, "no integration/*_test.go files found"}}
	}
	var found []finding
	for _, f := range files {
		if !strings.Contains(string(b), "`"+filepath.Base(f)+"`") {
			found = append(found, finding{testIndex, 0, filepath.Base(f) + " is not listed: add it to its feature's row"})
		}
	}
	return found
}
