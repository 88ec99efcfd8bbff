package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/nsj-dev/nsj/internal/plan"
	"github.com/nsj-dev/nsj/runtime"
)

// misordered explains a command that was not found when the words came in
// the wrong order, as in `nsj ps -ef web`: the container was written last,
// so ps was taken as the container and -ef as the command. If the target
// word is a host command and no container, the error says so and shows the
// right order (exit 125); a real container named like a command (a task
// "ps") keeps the plain not-found error.
func misordered(o *options, notFound error) error {
	if notFound == nil || exit.Code(notFound) != exit.NotFound || o.targetPID != 0 || o.pod != nil || o.target == "" {
		return notFound
	}
	if err := plan.ResolveCommand([]string{o.target}, nil); err != nil {
		return notFound
	}
	ctx, c, done, err := runtime.Open(o.containerd())
	if err != nil {
		return notFound
	}
	defer done()
	if _, err := c.Find(ctx, o.target); !errors.Is(err, runtime.ErrNotFound) {
		return notFound // a container of that name, or nothing to tell
	}
	taken := fmt.Sprintf("%q was taken as the container, but no container is called so", o.target)
	for i := len(o.command) - 1; i >= 0; i-- {
		w := o.command[i]
		if strings.HasPrefix(w, "-") {
			continue
		}
		if _, err := c.Find(ctx, w); err == nil {
			cmd := append([]string{o.target}, slices.Delete(slices.Clone(o.command), i, i+1)...)
			return usageErrorf("%s, and %q is not a command; the container comes before the command: nsj %s", taken, o.command[0], rewrite(os.Args[1:], o, w, cmd))
		}
	}
	return usageErrorf("%s; the container comes before the command: nsj [flags] CONTAINER %s", taken, strings.Join(append([]string{o.target}, o.command...), " "))
}

// rewrite is the command line args with the container word ctr moved before
// the command: the flags as given, then ctr, then cmd.
func rewrite(args []string, o *options, ctr string, cmd []string) string {
	flags := args
	if n := len(o.command) + 1; len(args) >= n && args[len(args)-n] == o.target {
		flags = args[:len(args)-n]
	}
	return strings.Join(append(append(slices.Clone(flags), ctr), cmd...), " ")
}

// forwardAfterTarget explains -L or -R written after the container, as in
// `nsj web -L 8080:127.0.0.1:80`: flags end at the container, so it was
// taken as the command. No command is called -L; the error shows the order.
func forwardAfterTarget(o *options) error {
	if len(o.command) == 0 {
		return nil
	}
	for _, f := range []string{"-L", "-R", "--forward", "--reverse"} {
		if w := o.command[0]; w == f || strings.HasPrefix(w, f+"=") || (len(f) == 2 && strings.HasPrefix(w, f)) {
			return usageErrorf("%s after the container is a word of the command; nsj's flags come before the container: nsj %s SPEC ... %s [COMMAND]", f, f, o.target)
		}
	}
	return nil
}
