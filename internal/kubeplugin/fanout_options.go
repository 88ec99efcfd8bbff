package kubeplugin

import (
	"strings"

	"github.com/nsj-dev/nsj/internal/base/selector"
	"k8s.io/apimachinery/pkg/labels"
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

// SelectorLabels reads a label selector as the API server does and returns
// its terms as nsj --all --selector takes them, one a flag (all must
// match): nsj reads the same grammar (internal/base/selector) and applies it on
// the node to each container's pod labels. The comparisons < and >, which
// the API server takes but nsj does not, are refused here.
func SelectorLabels(sel string) ([]string, error) {
	parsed, err := labels.Parse(sel)
	if err != nil {
		return nil, Errorf("-l %q: %w; write KEY=VALUE, KEY!=VALUE, KEY, !KEY, KEY in (V1,V2) or KEY notin (V1,V2), joined by commas", sel, err)
	}
	reqs, _ := parsed.Requirements()
	if len(reqs) == 0 {
		return nil, Errorf("-l %q: no label; write KEY=VALUE[,KEY=VALUE...]", sel)
	}
	terms, err := selector.Parse(parsed.String())
	if err != nil {
		return nil, Errorf("-l %q: %w", sel, err)
	}
	out := make([]string, len(terms))
	for i, r := range terms {
		out[i] = r.String()
	}
	return out, nil
}
