package plan

import (
	"fmt"
	"os"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The environment of a --fs container command (docs/security.md, defence
// 19). The container's root can read it (/proc/PID/environ: same user), so
// it holds nothing of the operator's but what the operator hands over:
//
//   - the container's own process.env from its OCI spec, as runc exec gives
//     it (none for -t PID: /proc/PID/environ is memory the container writes
//     at will, not its manager's word, so nothing of it is taken);
//   - then each -e entry (KEY=VALUE, or KEY: nsj's own value);
//   - then TERM from nsj's environment, unless -e names it: the command's
//     terminal copies the operator's (relay.c);
//   - PATH is noPath unless -e PATH (fs.go): the container's PATH would
//     make a host shell run the container's programs. The command itself is
//     found on the host, in nsj's PATH or -e PATH, never in this one
//     (resolveCommand).
//
// NSJ_ROOT is set after (root.go). --privileged changes the privileges
// only: the environment is this one too.

// containerEnv builds that environment; spec is nil for -t PID.
func containerEnv(spec *specs.Spec, sets []string) ([]string, error) {
	var env []string
	if spec != nil && spec.Process != nil {
		for _, e := range spec.Process.Env {
			key, value, ok := strings.Cut(e, "=")
			if !ok || key == "" || strings.ContainsRune(e, 0) {
				return nil, exit.Errorf(exit.Failure, "the container's OCI spec: process.env entry %q is not KEY=VALUE; runc refuses it too", e)
			}
			env = setEnv(env, key, value, true)
		}
	}
	env = applyEnv(env, sets)
	if term, ok := os.LookupEnv("TERM"); ok && !setByUser(sets, "TERM") {
		env = setEnv(env, "TERM", term, true)
	}
	return env, nil
}

// describeEnv is the --debug line about it.
func describeEnv(spec *specs.Spec, env []string) string {
	if spec == nil {
		return fmt.Sprintf("--fs container: the command's environment is -e and TERM only (%d variables): nothing of the process's environ, which the container writes at will", len(env))
	}
	return fmt.Sprintf("--fs container: the command's environment is the container's process.env, then -e and TERM (%d variables)", len(env))
}
