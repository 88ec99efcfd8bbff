// Command joinpath counts the files one join passes through, from nsj's
// main to the execve in the C constructor (issue 20's measure). It reads
// three inputs that scripts/joinpath.sh makes:
//
//	go.tsv   the Go call graph of ./cmd/nsj, one call a line:
//	         caller, caller's file, callee, callee's file, call line
//	         (golang.org/x/tools/cmd/callgraph -algo=vta)
//	c/*.ci   the C call graph of nsjoin/*.c (gcc -fcallgraph-info)
//	deps.txt each package of ./cmd/nsj and the packages it imports
//	         (go list -deps)
//
// The walk keeps only the functions from which the exec can be reached
// (the path of a join, not its error reports), enters them depth-first in
// call-site order, each once, and counts the calls (steps), the files, the
// calls from a package up into one that imports it (climbs), and each
// arrival, by a call or a return, in a file the walk was in and had left
// (returns).
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// call is one call site: the callee and the line it is called from.
type call struct {
	callee string
	line   int
}

// graph is a call graph: each function's file and its calls.
type graph struct {
	file  map[string]string
	calls map[string][]call
}

func newGraph() *graph {
	return &graph{file: map[string]string{}, calls: map[string][]call{}}
}

func (g *graph) add(caller, callerFile, callee, calleeFile string, line int) {
	for f, file := range map[string]string{caller: callerFile, callee: calleeFile} {
		if g.file[f] == "" {
			g.file[f] = file
		}
	}
	for _, c := range g.calls[caller] {
		if c.callee == callee {
			return
		}
	}
	g.calls[caller] = append(g.calls[caller], call{callee, line})
}

// reaching is the set of functions from which target is called.
func (g *graph) reaching(target string) map[string]bool {
	back := map[string][]string{}
	for f, cs := range g.calls {
		for _, c := range cs {
			back[c.callee] = append(back[c.callee], f)
		}
	}
	seen := map[string]bool{}
	todo := back[target]
	for len(todo) > 0 {
		f := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if !seen[f] {
			seen[f] = true
			todo = append(todo, back[f]...)
		}
	}
	return seen
}

// walk is the depth-first walk's count.
type walk struct {
	steps, climbs, returns int
	files                  map[string]bool
	left                   map[string]bool
	here                   string
	trace                  []string
}

// arrive moves the walk into file, counting a return to a file it left.
func (w *walk) arrive(file string) {
	if file == w.here {
		return
	}
	if w.left[file] {
		w.returns++
	}
	if w.here != "" {
		w.left[w.here] = true
	}
	w.here, w.files[file] = file, true
}

// enter walks f and, in call-site order, what it calls on the path.
func (w *walk) enter(g *graph, on map[string]bool, done map[string]bool, f string, climb func(from, to string) bool, depth int) {
	done[f] = true
	cs := append([]call(nil), g.calls[f]...)
	sort.Slice(cs, func(i, j int) bool {
		return cs[i].line < cs[j].line || cs[i].line == cs[j].line && cs[i].callee < cs[j].callee
	})
	for _, c := range cs {
		if !on[c.callee] || done[c.callee] {
			continue
		}
		w.steps++
		mark := ""
		if climb(f, c.callee) {
			w.climbs++
			mark = " ↑ climb"
		}
		w.trace = append(w.trace, fmt.Sprintf("%s%s (%s)%s", strings.Repeat(" ", depth), c.callee, g.file[c.callee], mark))
		w.arrive(g.file[c.callee])
		w.enter(g, on, done, c.callee, climb, depth+1)
		w.arrive(g.file[f])
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: joinpath DIR ROOT (DIR holds go.tsv, deps.txt and c/*.ci of the tree at ROOT; see scripts/joinpath.sh)")
		os.Exit(125)
	}
	dir, root := os.Args[1], os.Args[2]+"/"
	imports, err := readDeps(filepath.Join(dir, "deps.txt"))
	check(err)
	gg, err := readGo(filepath.Join(dir, "go.tsv"), root)
	check(err)
	cg, err := readC(filepath.Join(dir, "c"), root)
	check(err)
	climb := func(from, to string) bool {
		p, q := pkgOf(from), pkgOf(to)
		return p != q && imports[q][p]
	}
	fmt.Println("exec path:  ", count(gg, cg, climb, false))
	fmt.Println("all it calls:", count(gg, cg, climb, true))
}

// count walks one join: from nsj's main to the exec of its own binary, the
// hand-over, and from the constructor to execve. With all, it also walks
// every function of the module that a function on that path calls.
func count(gg, cg *graph, climb func(from, to string) bool, all bool) string {
	const entry, goExec = "github.com/nsj-dev/nsj/cmd/nsj.main", "syscall.Exec"
	const ctor, cExec = "/nsjoin/join.c:nsj_join", "execve"
	w := &walk{files: map[string]bool{}, left: map[string]bool{}}
	w.arrive(gg.file[entry])
	w.enter(gg, onPath(gg, goExec, all), map[string]bool{}, entry, climb, 0)
	goSteps, goFiles := w.steps, len(w.files)
	// The exec of nsj's own binary hands over to the constructor.
	w.steps++
	w.trace = append(w.trace, "exec → "+ctor)
	w.arrive(cg.file[ctor])
	w.enter(cg, onPath(cg, cExec, all), map[string]bool{}, ctor, func(string, string) bool { return false }, 0)
	if os.Getenv("JOINPATH_TRACE") != "" {
		fmt.Println(strings.Join(w.trace, "\n"))
	}
	return fmt.Sprintf("steps %d, files %d, climbs %d, returns %d (Go: %d steps in %d files)",
		w.steps, len(w.files), w.climbs, w.returns, goSteps, goFiles)
}

// onPath is the functions a walk enters: those from which target is called,
// and with all, every function that one of them calls, but no other way
// out of nsj's main than the join.
func onPath(g *graph, target string, all bool) map[string]bool {
	on := g.reaching(target)
	on[target] = true
	if !all {
		return on
	}
	todo := []string{}
	for f := range on {
		todo = append(todo, f)
	}
	for len(todo) > 0 {
		f := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, c := range g.calls[f] {
			if !on[c.callee] && !strings.HasPrefix(f, "github.com/nsj-dev/nsj/cmd/nsj.main") && !strings.HasSuffix(f, "cmd/nsj.run") && !strings.HasSuffix(f, "cmd/nsj.dispatch") {
				on[c.callee] = true
				todo = append(todo, c.callee)
			}
		}
	}
	return on
}

// pkgOf is the package of a function as callgraph names it:
// pkg.F, pkg.F$1, (*pkg.T).M, pkg.F[T].
func pkgOf(f string) string {
	f = strings.TrimLeft(f, "(*")
	f, _, _ = strings.Cut(f, "[")
	i := max(strings.LastIndex(f, "/"), 0)
	return f[:i+strings.Index(f[i:], ".")]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "joinpath:", err)
		os.Exit(1)
	}
}

// readDeps reads "pkg imp imp ..." lines into each package's transitive imports.
func readDeps(path string) (map[string]map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the package list: %w", err)
	}
	direct := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 {
			direct[f[0]] = f[1:]
		}
	}
	all := map[string]map[string]bool{}
	var visit func(p string) map[string]bool
	visit = func(p string) map[string]bool {
		if s, ok := all[p]; ok {
			return s
		}
		s := map[string]bool{}
		all[p] = s
		for _, q := range direct[p] {
			s[q] = true
			for r := range visit(q) {
				s[r] = true
			}
		}
		return s
	}
	for p := range direct {
		visit(p)
	}
	return all, nil
}

// readGo reads the Go call graph, keeping calls between the module's
// non-test functions and the calls of syscall.Exec.
func readGo(path, root string) (*graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the Go call graph: %w", err)
	}
	defer f.Close()
	g := newGraph()
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		c := strings.Split(s.Text(), "\t")
		if len(c) != 5 || !strings.HasPrefix(c[1], root) || strings.HasSuffix(c[1], "_test.go") {
			continue
		}
		mine := strings.HasPrefix(c[3], root) && !strings.HasSuffix(c[3], "_test.go")
		if !mine && c[2] != "syscall.Exec" {
			continue
		}
		line, _ := strconv.Atoi(c[4])
		g.add(c[0], strings.TrimPrefix(c[1], root), c[2], strings.TrimPrefix(c[3], root), line)
	}
	return g, s.Err()
}

var (
	ciNode = regexp.MustCompile(`^node: \{ title: "([^"]+)" label: "[^\\]+\\n([^:]+):`)
	ciEdge = regexp.MustCompile(`^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)" label: "[^:]+:(\d+):`)
)

// readC reads gcc's call graphs of the C files; static functions are
// named by their file, as gcc names them, relative to root.
func readC(dir, root string) (*graph, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.ci"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no C call graph in %s (gcc -fcallgraph-info)", dir)
	}
	g := newGraph()
	name := func(n string) string { return strings.Replace(n, root, "/", 1) }
	var texts []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading the C call graph: %w", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			// A definition (not an ellipse, which is only declared here).
			if m := ciNode.FindStringSubmatch(l); m != nil && !strings.Contains(l, "ellipse") {
				g.file[name(m[1])] = strings.TrimPrefix(m[2], root)
			}
		}
		texts = append(texts, string(b))
	}
	for _, t := range texts {
		for _, l := range strings.Split(t, "\n") {
			if m := ciEdge.FindStringSubmatch(l); m != nil {
				line, _ := strconv.Atoi(m[3])
				from, to := name(m[1]), name(m[2])
				g.add(from, g.file[from], to, g.file[to], line)
			}
		}
	}
	return g, nil
}
