package kubeplugin

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// checkFanOut validates the command line of kubectl nsj -l SELECTOR:
// pos are the words before "--" (there must be none: -l picks the pods),
// dash is where "--" was (-1 if it was not given), args the whole line.
func (o *Options) checkFanOut(pos []string, dash int, args []string) error {
	switch {
	case len(pos) > 0 && dash < 0:
		return missingDash(args, 0)
	case len(pos) > 0:
		return Errorf("%q and -l %s: -l picks the pods; name no pod with it (kubectl nsj POD -- COMMAND joins one)", strings.Join(pos, " "), o.Selector)
	case o.AllNamespaces && o.Namespace != "":
		return Errorf("-A and -n %s: -A takes the pods of every namespace, -n those of one; give one of them", o.Namespace)
	case len(o.Command) == 0:
		return Errorf("-l runs a command in every matching pod: kubectl nsj -l %s -- COMMAND [ARG...]", o.Selector)
	case o.Stdin || o.TTY:
		return Errorf("-i and -t go with one pod: kubectl nsj -l runs the command in many at once, without stdin or a terminal")
	case o.Output != "" && o.Output != "json":
		return Errorf("-o %q: kubectl nsj -l prints text (the default) or json", o.Output)
	case o.Output == "json" && o.NoPrefix:
		return Errorf("--no-prefix is for text output; -o json records name the pod and container in a field of their own")
	case o.Jobs < 0:
		return Errorf("-j %d: run at least one container at a time", o.Jobs)
	}
	_, err := SelectorLabels(o.Selector)
	return err
}

// SelectorLabels reads a label selector of KEY=VALUE terms (also KEY==VALUE),
// all of which must match: what nsj --all --selector takes on the node,
// where it sees each container's pod labels. Set-based and inequality
// terms are refused.
func SelectorLabels(selector string) ([]string, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, Errorf("-l %q: %w; write KEY=VALUE[,KEY=VALUE...]", selector, err)
	}
	reqs, _ := sel.Requirements()
	if len(reqs) == 0 {
		return nil, Errorf("-l %q: no label; write KEY=VALUE[,KEY=VALUE...]", selector)
	}
	var out []string
	for _, r := range reqs {
		op := r.Operator()
		if (op != selection.Equals && op != selection.DoubleEquals) || r.Values().Len() != 1 {
			return nil, Errorf("-l %q: %q is not KEY=VALUE; kubectl nsj -l takes KEY=VALUE terms only, all of which must match", selector, r.String())
		}
		out = append(out, r.Key()+"="+r.Values().List()[0])
	}
	return out, nil
}
