package main

import (
	"strings"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
)

// checkFanOut validates the command line of kubectl nsj -l SELECTOR:
// pos are the words before "--" (there must be none: -l picks the pods),
// dash is where "--" was (-1 if it was not given), args the whole line.
func (o *Options) checkFanOut(pos []string, dash int, args []string) error {
	switch {
	case len(pos) > 0 && dash < 0:
		return missingDash(args, 0)
	case len(pos) > 0:
		return kubeplugin.Errorf("%q and -l %s: -l picks the pods; name no pod with it (kubectl nsj POD -- COMMAND joins one)", strings.Join(pos, " "), o.Selector)
	case o.AllNamespaces && o.Namespace != "":
		return kubeplugin.Errorf("-A and -n %s: -A takes the pods of every namespace, -n those of one; give one of them", o.Namespace)
	case len(o.Command) == 0:
		return kubeplugin.Errorf("-l runs a command in every matching pod: kubectl nsj -l %s -- COMMAND [ARG...]", o.Selector)
	case o.Stdin || o.TTY:
		return kubeplugin.Errorf("-i and -t go with one pod: kubectl nsj -l runs the command in many at once, without stdin or a terminal")
	case o.Output != "" && o.Output != "json":
		return kubeplugin.Errorf("-o %q: kubectl nsj -l prints text (the default) or json", o.Output)
	case o.Output == "json" && o.NoPrefix:
		return kubeplugin.Errorf("--no-prefix is for text output; -o json records name the pod and container in a field of their own")
	case o.Jobs < 0:
		return kubeplugin.Errorf("-j %d: run at least one container at a time", o.Jobs)
	}
	_, err := kubeplugin.SelectorLabels(o.Selector)
	return err
}
