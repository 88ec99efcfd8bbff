// Command nsj-playground starts and stops, for a person, a throwaway
// containerd with a few named containers to try nsj on: `make playground`
// runs `nsj-playground up`, `make playground-down` runs `nsj-playground down`.
//
// up starts a containerd of its own (socket, root and state in a new
// directory under /tmp, cgroups under its own parent; the node's
// /run/containerd socket is left alone), detached, and runs in its
// namespace "default" three containers named as nerdctl names them (label
// nerdctl/name): web, a busybox httpd with a network (a veth pair, host side
// playgroundLink), db, a busybox with loopback only, and app, without a
// shell or any tool (distroless-like). It records what it made in the state
// directory and prints the lines to paste into a shell and the commands to
// try. When the playground is already up it prints them again and changes
// nothing. down removes every container, stops the containerd by its
// recorded process, removes the veth pair, the cgroups, what is mounted
// under its directory and the directories, and the state directory.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nsj-dev/nsj/integration/harness"
)

func main() {
	dir := flag.String("dir", "/var/lib/nsj-playground", "state `directory`: the recorded containerd")
	bin := flag.String("bin", "bin", "the `directory` of nsj, put on PATH by the printed export")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: nsj-playground [-dir DIR] [-bin DIR] up|down\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "up" && flag.Arg(0) != "down") {
		flag.Usage()
		os.Exit(2)
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "nsj-playground: the playground starts containerd: run it as root (sudo make playground)")
		os.Exit(1)
	}
	s := stateDir(*dir)
	var err error
	if flag.Arg(0) == "up" {
		err = up(s, *bin)
	} else {
		err = down(s)
	}
	harness.RunAtExit()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nsj-playground:", err)
		os.Exit(1)
	}
}

// State is what down needs to find the playground again.
type State struct {
	Containerd harness.ContainerdState
	Bin        string // nsj's directory, for the PATH export
}

// stateDir is the state directory of one playground.
type stateDir string

func (d stateDir) path(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// load reads the recorded state; ok is false when no playground is recorded.
func (d stateDir) load() (s State, ok bool, err error) {
	b, err := os.ReadFile(d.path("state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, false, fmt.Errorf("%s: %w", d.path("state.json"), err)
	}
	return s, true, nil
}

func (d stateDir) save(s State) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := d.path("state.json.new")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.path("state.json"))
}
