// Package complete answers nsj's shell completion: it holds the scripts
// for bash, zsh and fish, and lists the candidates for the word under the
// cursor, given the words before it, read as nsj's flag set reads them:
// flag names and values, running task IDs and containerd namespaces (asked
// of containerd briefly), or a directive for the shell to complete files,
// directories or commands itself.
package complete

import (
	"context"
	"embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/spf13/pflag"
)

// The completion scripts are thin: they hand the words typed so far to
// `nsj --complete -- WORD...` and show what it prints, one candidate a line,
// or let the shell complete files, directories or commands itself when the
// only line is one of these directives.
const (
	Files    = "__files__"
	Dirs     = "__dirs__"
	Commands = "__commands__"
)

//go:embed completion/nsj.bash completion/nsj.zsh completion/nsj.fish
var completionScripts embed.FS

// Script is the completion script for shell: bash, zsh or fish.
func Script(shell string) ([]byte, error) {
	b, err := completionScripts.ReadFile("completion/nsj." + shell)
	if err != nil {
		return nil, fmt.Errorf("--completion %q: use bash, zsh or fish", shell)
	}
	return b, nil
}

// Connect opens a containerd connection; the command line hands its own
// (cmd/nsj/connect.go), so that a completion looks where a run would.
type Connect func(runtime.Options) (context.Context, *runtime.Client, func(), error)

// Candidates are the completions of cur, the word under the cursor, after
// the words before it; flags is nsj's flag set, connect reaches containerd
// for task IDs and namespaces.
func Candidates(flags *pflag.FlagSet, before []string, cur string, connect Connect) []string {
	return candidates(flags, before, cur, connect)
}

// typed is what the words before the cursor say.
type typed struct {
	address, namespace string
	pending            *pflag.Flag // the cursor is on this flag's value
	positional         int         // words after the flags so far
	pid                bool        // -t given: the first positional word is the command
	noTarget           bool        // --list, --version, ...: no TASK follows
	connect            Connect
}

// scan reads the words before the cursor as nsj parses them.
func scan(fs *pflag.FlagSet, words []string) typed {
	var st typed
	for i := 0; i < len(words); i++ {
		w := words[i]
		if st.positional > 0 || w == "--" || !strings.HasPrefix(w, "-") || w == "-" {
			if w != "--" || st.positional > 0 {
				st.positional++
			}
			continue
		}
		f, value, hasValue := lookupFlag(fs, w)
		if f == nil {
			continue
		}
		if takesValue(f) && !hasValue {
			if i+1 == len(words) {
				st.pending = f
				break
			}
			i++
			value = words[i]
		}
		st.note(f.Name, value)
	}
	return st
}

// lookupFlag finds the flag a word names: --name, --name=value, -x, -xVALUE.
func lookupFlag(fs *pflag.FlagSet, w string) (*pflag.Flag, string, bool) {
	if strings.HasPrefix(w, "--") {
		name, value, ok := strings.Cut(w[2:], "=")
		return fs.Lookup(name), value, ok
	}
	f := fs.ShorthandLookup(w[1:2])
	if len(w) > 2 && f != nil && takesValue(f) {
		return f, strings.TrimPrefix(w[2:], "="), true
	}
	return f, "", false
}

func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

func (st *typed) note(name, value string) {
	switch name {
	case "address":
		st.address = value
	case "namespace":
		st.namespace = value
	case "target-pid":
		st.pid = true
	case "list", "version", "help", "completion":
		st.noTarget = true
	}
}

func candidates(fs *pflag.FlagSet, before []string, cur string, connect Connect) []string {
	st := scan(fs, before)
	st.connect = connect
	switch {
	case st.pending != nil:
		return flagValues(st, st.pending.Name, cur)
	case st.noTarget:
		return flagNames(fs, cur)
	case st.pid && st.positional == 0 && !strings.HasPrefix(cur, "-"), st.positional == 1 && !st.pid:
		return []string{Commands}
	case st.positional > 0:
		return []string{Files}
	case strings.HasPrefix(cur, "-"):
		return flagNames(fs, cur)
	}
	return tasks(st)
}

func flagNames(fs *pflag.FlagSet, cur string) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out = append(out, "--"+f.Name)
			if f.Shorthand != "" && !strings.HasPrefix(cur, "--") {
				out = append(out, "-"+f.Shorthand)
			}
		}
	})
	return out
}

func flagValues(st typed, name, cur string) []string {
	switch name {
	case "namespace":
		return namespaces(st)
	case "address":
		return []string{Files}
	case "wd", "root-at":
		return []string{Dirs}
	case "output":
		return []string{"table", "json"}
	case "log-level":
		return []string{"debug", "info", "warn", "error"}
	case "completion":
		return []string{"bash", "zsh", "fish"}
	case "fs":
		return []string{"host", "container"}
	case "ns":
		// A comma-separated list: complete its last element.
		done := cur[:strings.LastIndex(cur, ",")+1]
		var out []string
		for _, typ := range nsjoin.Types {
			if typ != "mnt" && !slices.Contains(strings.Split(done, ","), typ) {
				out = append(out, done+typ)
			}
		}
		return out
	}
	return nil
}

// completionClient connects with the -a and -n typed so far, briefly: a completion
// must not hang on a dead daemon.
func completionClient(st typed) (context.Context, *runtime.Client, func(), error) {
	return st.connect(runtime.Options{Address: st.address, Namespace: st.namespace, Timeout: 2 * time.Second})
}

// tasks offers the IDs of the running tasks: in the namespace typed (or
// $CONTAINERD_NAMESPACE), else in every namespace, as nsj searches them.
func tasks(st typed) []string {
	ctx, c, done, err := completionClient(st)
	if err != nil {
		return nil
	}
	defer done()
	_, explicit := runtime.ResolveNamespace(st.namespace, os.Getenv)
	list, err := c.List(ctx, !explicit)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range list {
		if runtime.Joinable(t.Status) && !slices.Contains(out, t.ID) {
			out = append(out, t.ID)
		}
	}
	return out
}

// namespaces offers the namespaces of every containerd of the node (of the
// one -a names), as nsj searches them.
func namespaces(st typed) []string {
	ctx, c, done, err := completionClient(st)
	if err != nil {
		return nil
	}
	defer done()
	names, err := c.NodeNamespaces(ctx)
	if err != nil {
		return nil
	}
	return names
}
