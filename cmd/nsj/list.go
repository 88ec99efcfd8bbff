package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/nsj-dev/nsj/runtime"
)

// listEntry is one task of --list -o json.
type listEntry struct {
	Namespace  string            `json:"namespace"`
	ID         string            `json:"id"`
	Name       string            `json:"name,omitempty"` // Docker's or nerdctl's name, or POD/CONTAINER
	PID        uint32            `json:"pid"`
	Status     string            `json:"status"`
	Namespaces []string          `json:"namespaces"` // private types, as the NAMESPACES column
	Image      string            `json:"image,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
}

func list(o *options) error {
	if o.pods {
		return listPods(o)
	}
	ctx, c, done, err := connect(o)
	if err != nil {
		return err
	}
	defer done()
	tasks, err := c.List(ctx, o.allNamespaces)
	if err != nil {
		return err
	}
	switch {
	case o.quiet:
		for _, t := range tasks {
			if o.allNamespaces {
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
			entries = append(entries, listEntry{t.Namespace, t.ID, t.Name, t.PID, t.Status, types, t.Image, t.Labels})
		}
		return printJSON(entries)
	default:
		printTable(tasks, o.allNamespaces)
	}
	return nil
}

func printTable(tasks []runtime.Target, withNamespace bool) {
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
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
	ctx, c, done, err := connect(o)
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
