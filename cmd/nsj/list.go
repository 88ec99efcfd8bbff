package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
)

// listEntry is one task of --list -o json.
type listEntry struct {
	Socket     string            `json:"socket,omitempty"` // when more than one containerd answered
	Namespace  string            `json:"namespace"`
	ID         string            `json:"id"`
	Name       string            `json:"name,omitempty"` // Docker's or nerdctl's name, or POD/CONTAINER
	PID        uint32            `json:"pid"`
	Status     string            `json:"status"`
	Namespaces []string          `json:"namespaces"` // private types, as the NAMESPACES column
	Image      string            `json:"image,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
}

// everyNamespace says whether --list and --all go over every containerd
// namespace: with -A, and when no namespace was given (-n,
// $CONTAINERD_NAMESPACE), as a target is searched.
func everyNamespace(o *options, c *runtime.Client) bool {
	return o.allNamespaces || !c.NamespaceGiven()
}

func list(o *options) error {
	ctx, c, done, err := runtime.Open(o.containerd())
	if err != nil {
		return err
	}
	defer done()
	every := everyNamespace(o, c)
	l, err := c.ListNode(ctx, every)
	if err != nil {
		return err
	}
	if len(l.Tasks) == 0 {
		if err := c.MissingNamespace(ctx); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "nsj: no containers (searched %s)\n", searchedText(l.Searched))
	}
	withSocket := len(l.Searched) > 1
	tasks := l.Tasks
	switch {
	case o.quiet:
		for _, t := range tasks {
			if every {
				fmt.Printf("%s/%s\n", t.Namespace, t.ID)
			} else {
				fmt.Println(t.ID)
			}
		}
	case o.output == "json":
		entries := make([]listEntry, 0, len(tasks))
		for _, t := range tasks {
			types := t.PrivateTypes()
			if types == nil {
				types = []string{}
			}
			e := listEntry{"", t.Namespace, t.ID, t.Name, t.PID, t.Status, types, t.Image, t.Labels}
			if withSocket {
				e.Socket = t.Socket
			}
			entries = append(entries, e)
		}
		return printJSON(entries)
	default:
		printTable(tasks, every, withSocket)
	}
	return nil
}

// searchedText says which containerds and namespaces --list asked, such
// as "containerd at /run/containerd/containerd.sock: namespaces default, moby".
func searchedText(searched []runtime.Searched) string {
	parts := make([]string, len(searched))
	for i, s := range searched {
		what := "no namespaces"
		if len(s.Namespaces) > 0 {
			what = "namespaces " + strings.Join(s.Namespaces, ", ")
		}
		parts[i] = fmt.Sprintf("containerd at %s: %s", s.Socket, what)
	}
	return strings.Join(parts, "; ")
}

func printTable(tasks []runtime.Target, withNamespace, withSocket bool) {
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
	if withSocket {
		fmt.Fprint(w, "SOCKET\t")
	}
	if withNamespace {
		fmt.Fprint(w, "NAMESPACE\t")
	}
	withName := slices.ContainsFunc(tasks, func(t runtime.Target) bool { return t.Name != "" })
	fmt.Fprint(w, "TASK\t")
	if withName {
		fmt.Fprint(w, "NAME\t")
	}
	fmt.Fprintln(w, "PID\tSTATUS\tNAMESPACES\tIMAGE")
	for i := range tasks {
		t := &tasks[i]
		if withSocket {
			fmt.Fprintf(w, "%s\t", t.Socket)
		}
		if withNamespace {
			fmt.Fprintf(w, "%s\t", t.Namespace)
		}
		image := t.Image
		if image == "" {
			image = "-"
		}
		fmt.Fprintf(w, "%s\t", t.ID)
		if withName {
			fmt.Fprintf(w, "%s\t", cmp.Or(t.Name, "-"))
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", t.PID, t.Status, typesColumn(t), image)
	}
	w.Flush()
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// inspect prints one task as JSON, with each namespace's inode and path.
func inspect(o *options) error {
	if o.pod != nil {
		return inspectPod(o)
	}
	ctx, c, done, err := runtime.Open(o.containerd())
	if err != nil {
		return err
	}
	defer done()
	t, err := c.Find(ctx, o.target)
	if err != nil {
		return err
	}
	if err := t.Inspect(); err != nil {
		return err
	}
	return printJSON(t)
}

// typesColumn is what --list shows of a task's namespaces.
func typesColumn(t *runtime.Target) string {
	if types := t.PrivateTypes(); len(types) > 0 {
		return strings.Join(types, ",")
	}
	return "-"
}

// inspectPod prints the container a pod target resolves to, as --inspect
// prints a task.
func inspectPod(o *options) error {
	ctx, c, done, err := runtime.Open(o.containerd().ForPods())
	if err != nil {
		return err
	}
	defer done()
	pt, err := c.FindPod(ctx, *o.pod, o.sandbox)
	if err != nil {
		return err
	}
	if pt.Fallback != "" {
		logrus.Warnf("%s; showing the pod's sandbox", pt.Fallback)
	}
	if err := pt.Target.Inspect(); err != nil {
		return err
	}
	return printJSON(pt.Target)
}
