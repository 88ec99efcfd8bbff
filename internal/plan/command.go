package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/nsjoin"
)

// command is the host command to run, resolved before anything is joined.
type command struct {
	path string   // what execve(2) gets
	args []string // argv, as the user typed it
	env  []string // the caller's environment with -e applied (--fs container: the container's, fsenv.go)
}

// ResolveCommand checks, as Join does first, that the command (default:
// $SHELL, else /bin/sh) is found in the PATH it gets (nsj's own, or the one
// given with -e).
func ResolveCommand(command, env []string) error {
	_, err := resolveCommand(&Ask{Command: command, Env: env})
	return err
}

// resolveCommand picks the command (default: $SHELL, else /bin/sh) and
// finds it in the caller's PATH (or the PATH given with -e).
func resolveCommand(a *Ask) (*command, error) {
	args := a.Command
	if len(args) == 0 {
		sh := os.Getenv("SHELL")
		if sh == "" {
			sh = "/bin/sh"
		}
		args = []string{sh}
	}
	c := &command{args: args, env: applyEnv(nsjoin.WithoutPrivate(os.Environ()), a.Env)}
	path, err := lookPath(args[0], envValue(c.env, "PATH"))
	if err != nil {
		return nil, err
	}
	c.path = path
	return c, nil
}

// CommandPath is the PATH the command gets: nsj's own, or the one given
// with -e.
func CommandPath(sets []string) string {
	return envValue(applyEnv(nsjoin.WithoutPrivate(os.Environ()), sets), "PATH")
}

// defaultPath is searched when PATH is empty, as execvp(3) does.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// lookPath finds name as a shell would. A name with a slash is taken as it
// is: the constructor's execve reports what is wrong with it.
func lookPath(name, pathEnv string) (string, error) {
	if name == "" {
		return "", &exit.Error{Code: exit.NotFound, Err: errors.New("empty command name")}
	}
	if strings.Contains(name, "/") {
		return name, nil
	}
	if pathEnv == "" {
		pathEnv = defaultPath
	}
	denied := ""
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		// Absolute: the command may run in another directory (-w).
		p, err := filepath.Abs(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			continue
		}
		if st.Mode()&0o111 != 0 {
			return p, nil
		}
		if denied == "" {
			denied = p
		}
	}
	if denied != "" {
		return "", &exit.Error{Code: exit.NotExecutable, Err: fmt.Errorf("%s: %w", denied, fs.ErrPermission)}
	}
	return "", &exit.Error{Code: exit.NotFound, Err: fmt.Errorf("%s: command not found in the host's PATH (%s)", name, pathEnv)}
}

// applyEnv applies -e entries: KEY=VALUE sets, KEY alone copies nsj's own
// value (or removes KEY when nsj has none).
func applyEnv(env, sets []string) []string {
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		if !ok {
			v, found := os.LookupEnv(key)
			if !found {
				env = setEnv(env, key, "", false)
				continue
			}
			value = v
		}
		if strings.HasPrefix(key, nsjoin.PrivateEnvPrefix) {
			continue
		}
		env = setEnv(env, key, value, true)
	}
	return env
}

// setEnv replaces or removes KEY in env; with keep it is appended if absent.
func setEnv(env []string, key, value string, keep bool) []string {
	out := env[:0:0]
	for _, e := range env {
		if k, _, _ := strings.Cut(e, "="); k != key {
			out = append(out, e)
		}
	}
	if keep {
		out = append(out, key+"="+value)
	}
	return out
}

// setByUser reports whether an -e entry names key.
func setByUser(sets []string, key string) bool {
	for _, s := range sets {
		if k, _, _ := strings.Cut(s, "="); k == key {
			return true
		}
	}
	return false
}

func envValue(env []string, key string) string {
	for _, e := range env {
		if k, v, _ := strings.Cut(e, "="); k == key {
			return v
		}
	}
	return ""
}

// request builds the join request for the opened namespaces.
func (c *command) request(a *Ask, nss []*nsjoin.Namespace) *nsjoin.JoinRequest {
	req := &nsjoin.JoinRequest{Path: c.path, Args: c.args, Env: c.env, Dir: a.Dir, MountSysfs: a.Sysfs, Debug: a.Debug}
	for _, ns := range nss {
		req.Namespaces = append(req.Namespaces, nsjoin.NamespaceFD{Type: ns.Type, FD: int(ns.File.Fd())})
		if ns.Type == "pid" {
			req.MountProc = true
		}
	}
	return req
}
