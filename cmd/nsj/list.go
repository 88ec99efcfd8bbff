package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
)

// listEntry is one task of --list -o json.
type listEntry struct {
	Namespace  string            `json:"namespace"`
	ID         string            `json:"id"`
	PID        uint32            `json:"pid"`
	Status     string            `json:"status"`
	Namespaces []string          `json:"namespaces"` // private types, as the NAMESPACES column
	Image      string            `json:"image,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
}

func list(o *options) error {
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
			entries = append(entries, listEntry{t.Namespace, t.ID, t.PID, t.Status, types, t.Image, t.Labels})
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
	fmt.Fprintln(w, "TASK\tPID\tSTATUS\tNAMESPACES\tIMAGE")
	for i := range tasks {
		t := &tasks[i]
		if withNamespace {
			fmt.Fprintf(w, "%s\t", t.Namespace)
		}
		image := t.Image
		if image == "" {
			image = "-"
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", t.ID, t.PID, t.Status, typesColumn(t), image)
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
	ctx, c, done, err := connect(podConnection(o))
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
