package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// number is a number a doc quotes and the command that produces it again.
// The doc's number (the first group of pattern) must be within tolerance
// (a fraction) of what the command prints, divided by scale.
type number struct {
	doc, pattern, command string
	scale, tolerance      float64
}

// numbers are the numbers docs quote that docscheck recomputes. Each doc
// says the command next to the number.
var numbers = []number{
	{"docs/security.md", `nsj's ([0-9.]+) MB binary`, "stat -c %s bin/nsj", 1e6, 0.1},
	{"docs/distroless.md", `some ([0-9]+) tools in one static binary`, "busybox --list | wc -l", 1, 0.1},
	{"docs/design.md", `nsj's own client ([0-9]+)`, "go list -deps ./cmd/nsj | wc -l", 1, 0.02},
}

func checkNumbers() []finding {
	var out []finding
	for _, n := range numbers {
		b, err := os.ReadFile(n.doc)
		if err != nil {
			out = append(out, finding{n.doc, 0, err.Error()})
			continue
		}
		loc := regexp.MustCompile(n.pattern).FindSubmatchIndex(b)
		if loc == nil {
			out = append(out, finding{n.doc, 0, fmt.Sprintf("no text matches %q: update docscheck's numbers table with the doc", n.pattern)})
			continue
		}
		line := 1 + strings.Count(string(b[:loc[0]]), "\n")
		quoted, _ := strconv.ParseFloat(string(b[loc[2]:loc[3]]), 64)
		printed, err := exec.Command("sh", "-c", n.command).Output()
		if err != nil {
			out = append(out, finding{n.doc, line, fmt.Sprintf("%s: %v", n.command, err)})
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(printed)), 64)
		if err != nil {
			out = append(out, finding{n.doc, line, fmt.Sprintf("%s printed %q, not a number", n.command, printed)})
			continue
		}
		if now := v / n.scale; math.Abs(quoted-now) > n.tolerance*now {
			out = append(out, finding{n.doc, line, fmt.Sprintf("says %s, but `%s` gives %.3g now", string(b[loc[2]:loc[3]]), n.command, now)})
		}
	}
	return out
}

// checkPackages compares the packages README.md lists for make test with
// those scripts/deps.sh installs.
func checkPackages() []finding {
	readme, err1 := os.ReadFile("README.md")
	deps, err2 := os.ReadFile("scripts/deps.sh")
	if err1 != nil || err2 != nil {
		return []finding{{"README.md", 0, errors.Join(err1, err2).Error()}}
	}
	m := regexp.MustCompile("(?s)Debian/Ubuntu packages `([^`]+)`").FindSubmatchIndex(readme)
	if m == nil {
		return []finding{{"README.md", 0, "lists no \"Debian/Ubuntu packages `...`\" for make test"}}
	}
	listed := strings.Fields(string(readme[m[2]:m[3]]))
	var installed []string
	for _, set := range []string{"DEMO", "TEST"} {
		d := regexp.MustCompile(`(?s)\n` + set + `=\(([^)]*)\)`).FindSubmatch(deps)
		if d == nil {
			return []finding{{"scripts/deps.sh", 0, "no " + set + "=(...) list"}}
		}
		for _, w := range strings.Fields(string(d[1])) {
			if !strings.HasPrefix(w, `"$`) {
				installed = append(installed, w)
			}
		}
	}
	if strings.Join(sorted(listed), " ") != strings.Join(sorted(installed), " ") {
		line := 1 + strings.Count(string(readme[:m[0]]), "\n")
		return []finding{{"README.md", line, fmt.Sprintf("lists packages %v; scripts/deps.sh installs %v", sorted(listed), sorted(installed))}}
	}
	return nil
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
