package main

import (
	"bufio"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// repo is what docs may name: files, Go tests and benchmarks, make
// targets, and the flags of nsj and kubectl-nsj (with whether each takes
// a value).
type repo struct {
	files     map[string]bool // paths from the top, and directories
	basenames map[string]bool
	funcs     map[string]bool // TestX and BenchmarkX
	targets   map[string]bool
	flags     map[string]bool // nsj's: "--name" or "-n" -> takes a value
	kubectl   map[string]bool // kubectl-nsj's, the same way
}

// foreign are flags of other programs that docs name alone in backticks,
// and whose they are.
var foreign = map[string]string{
	"--network": "docker run", "--pid": "docker run", "--build-arg": "docker build",
	"--containerd": "dockerd", "--authorization-mode": "kube-apiserver", "--target": "kubectl debug",
}

var (
	codeSpan   = regexp.MustCompile("`([^`]+)`")
	repoPath   = regexp.MustCompile(`^(\.ci|cmd|docs|integration|internal|nsjoin|runtime|scripts)/\S*$`)
	sourceName = regexp.MustCompile(`^[A-Za-z0-9_]+\.(go|c|h|sh)$`)
	funcName   = regexp.MustCompile(`^(Test|Benchmark)[A-Za-z0-9_]*\*?$`)
	longFlag   = regexp.MustCompile(`^--[a-z][a-z0-9-]*`)
	testFunc   = regexp.MustCompile(`(?m)^func ((Test|Benchmark)[A-Za-z0-9_]+)\(`)
	makeTarget = regexp.MustCompile(`(?m)^([a-z0-9][a-z0-9-]*):`)
	helpFlag   = regexp.MustCompile(`^\s+(?:-([a-zA-Z]), )?--([a-z][a-z0-9-]*)(?:[ =](\S+))?`)
)

func newRepo(top string) (*repo, error) {
	r := &repo{files: map[string]bool{}, basenames: map[string]bool{}, funcs: map[string]bool{}, targets: map[string]bool{}, flags: map[string]bool{}, kubectl: map[string]bool{}}
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != top && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".ci" || d.Name() == "bin" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		r.files[filepath.ToSlash(p)] = true
		r.basenames[d.Name()] = true
		if strings.HasSuffix(p, "_test.go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range testFunc.FindAllStringSubmatch(string(b), -1) {
				r.funcs[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mk, err := os.ReadFile(filepath.Join(top, "Makefile"))
	if err != nil {
		return nil, err
	}
	for _, m := range makeTarget.FindAllStringSubmatch(string(mk), -1) {
		r.targets[m[1]] = true
	}
	if err := readFlags("bin/nsj", r.flags); err != nil {
		return nil, err
	}
	if err := readFlags("bin/nsj", r.flags, "cp"); err != nil { // nsj cp's own flags
		return nil, err
	}
	if err := readFlags("bin/kubectl-nsj", r.kubectl); err != nil {
		return nil, err
	}
	// The subcommands' own flags (nsj capture, kubectl nsj capture).
	if err := readFlags("bin/nsj", r.flags, "capture"); err != nil {
		return nil, err
	}
	if err := readFlags("bin/kubectl-nsj", r.kubectl, "capture"); err != nil {
		return nil, err
	}
	return r, nil
}

// readFlags reads into flags those of bin [SUBCOMMAND] --help: "  -a,
// --address SOCKET ...".
func readFlags(bin string, flags map[string]bool, sub ...string) error {
	out, err := exec.Command(bin, append(sub, "--help")...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return err // make build kubectl-nsj first
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		m := helpFlag.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		value := m[3] != "" && !strings.HasPrefix(m[3], "[") && strings.ToUpper(m[3]) == m[3]
		flags["--"+m[2]] = value
		if m[1] != "" {
			flags["-"+m[1]] = value
		}
	}
	return nil
}

// checkRefs checks what the backticked spans of doc name.
func (r *repo) checkRefs(doc, text string) []finding {
	var out []finding
	for i, line := range strings.Split(text, "\n") {
		for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
			if msg := r.checkSpan(strings.TrimSpace(m[1])); msg != "" {
				out = append(out, finding{doc, i + 1, msg})
			}
		}
		if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") { // a code block line
			if msg := r.checkCommand(strings.TrimSpace(line)); msg != "" {
				out = append(out, finding{doc, i + 1, msg})
			}
		}
	}
	return out
}

// checkSpan says what is wrong with what span names, or "".
func (r *repo) checkSpan(span string) string {
	word := strings.TrimRight(strings.Fields(span + " x")[0], ".,:;)")
	switch {
	case repoPath.MatchString(word):
		return r.checkPath(word)
	case sourceName.MatchString(word) && !strings.Contains(span, " "):
		if !r.basenames[word] {
			return "no file named " + word + " in the repository"
		}
	case funcName.MatchString(word) && len(word) > 5:
		return r.checkFunc(word)
	case longFlag.MatchString(word) && !strings.Contains(word, "="):
		return r.checkFlag(longFlag.FindString(word))
	}
	return r.checkCommand(span)
}

func (r *repo) checkPath(p string) string {
	p = strings.TrimSuffix(strings.SplitN(p, ":", 2)[0], "/")
	if strings.ContainsAny(p, "*…") {
		glob := strings.ReplaceAll(p, "…", "*")
		if m, _ := filepath.Glob(glob); len(m) == 0 {
			return p + " matches no file in the repository"
		}
		return ""
	}
	if !r.files[p] {
		return p + " does not exist in the repository"
	}
	return ""
}

func (r *repo) checkFunc(name string) string {
	if prefix, ok := strings.CutSuffix(name, "*"); ok {
		for f := range r.funcs {
			if strings.HasPrefix(f, prefix) {
				return ""
			}
		}
		return "no test or benchmark named " + name
	}
	if !r.funcs[name] {
		return "no test or benchmark named " + name
	}
	return ""
}

func (r *repo) checkFlag(flag string) string {
	_, nsj := r.flags[flag]
	_, kubectl := r.kubectl[flag]
	if nsj || kubectl {
		return ""
	}
	if _, ok := foreign[flag]; ok {
		return ""
	}
	return "nsj and kubectl nsj have no flag " + flag + " (nor is it in docscheck's list of other programs' flags)"
}

// checkCommand checks a command line: make's target, and the flags of nsj
// up to its first word that is not a flag (TASK, or the command after --).
func (r *repo) checkCommand(line string) string {
	words := strings.Fields(line)
	if len(words) > 0 && (words[0] == "sudo" || words[0] == "$") {
		words = words[1:]
	}
	switch {
	case len(words) >= 2 && words[0] == "make":
		for _, w := range words[1:] {
			if strings.Contains(w, "=") || strings.HasPrefix(w, "-") {
				continue
			}
			if !r.targets[w] {
				return "the Makefile has no target " + w
			}
			break
		}
	case len(words) >= 2 && words[0] == "nsj":
		return r.checkNsjFlags(words[1:])
	}
	return ""
}

func (r *repo) checkNsjFlags(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" || strings.ContainsAny(a, "<>|[…") {
			return ""
		}
		name, _, inline := strings.Cut(a, "=")
		if !strings.HasPrefix(name, "--") && len(name) > 2 { // -qA, or -t1: a value attached
			for _, c := range name[1:] {
				value, ok := r.flags["-"+string(c)]
				if !ok {
					return "nsj has no flag -" + string(c) + " (in " + a + ")"
				}
				if value {
					break // the rest is its value
				}
			}
			continue
		}
		value, ok := r.flags[name]
		if !ok {
			return "nsj has no flag " + name
		}
		if value && !inline {
			i++
		}
	}
	return ""
}
