package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/nsj-dev/nsj/runtime"
)

// sandboxName stands for a pod's sandbox in the CONTAINER column.
const sandboxName = "(sandbox)"

// podEntry is one container (or sandbox) of --list --pods -o json.
type podEntry struct {
	Socket       string `json:"socket,omitempty"` // when more than one containerd answered
	PodNamespace string `json:"pod_namespace"`
	Pod          string `json:"pod"`
	PodUID       string `json:"pod_uid"`
	Container    string `json:"container"` // "" for the sandbox
	Kind         string `json:"kind"`      // sandbox or container
	Namespace    string `json:"namespace"` // containerd's
	Task         string `json:"task"`      // the container ID
	PID          uint32 `json:"pid"`
	Status       string `json:"status"` // the task's, or exited
	NetNS        string `json:"netns"`  // private or host
	NetNSPath    string `json:"netns_path,omitempty"`
	SharedPID    bool   `json:"shared_pid"`
}

// listPods prints the pods on the node, on every containerd: each
// sandbox, then the pod's containers (old instances of restarted ones too,
// newest first). An empty list says on stderr where nsj looked.
func listPods(o *options) error {
	ctx, c, done, err := runtime.Open(o.containerd().ForPods())
	if err != nil {
		return err
	}
	defer done()
	l, err := c.ListPodsOnNode(ctx, o.podNamespace)
	if err != nil {
		return err
	}
	if len(l.Pods) == 0 {
		fmt.Fprintf(os.Stderr, "nsj: no pods%s (searched %s)\n", inPodNamespace(o.podNamespace), searchedText(l.Searched))
	}
	entries := podEntries(l.Pods, len(l.Searched) > 1)
	switch {
	case o.quiet:
		printPodRefs(entries)
	case o.output == "json":
		return printJSON(entries)
	default:
		printPodTable(entries)
	}
	return nil
}

// inPodNamespace is " in pod namespace NS", or "" for every one.
func inPodNamespace(ns string) string {
	if ns == "" {
		return ""
	}
	return fmt.Sprintf(" in pod namespace %q", ns)
}

// podEntries are the lines of the list; withSocket names each one's
// containerd.
func podEntries(pods []runtime.Pod, withSocket bool) []podEntry {
	entries := []podEntry{}
	for i := range pods {
		p := &pods[i]
		add := func(t *runtime.Target, kind, name string) {
			e := podEntry{PodNamespace: p.Namespace, Pod: p.Name, PodUID: p.UID, Container: name, Kind: kind,
				Namespace: t.Namespace, Task: t.ID, PID: t.PID, Status: podStatus(t.Status), NetNS: "private",
				NetNSPath: p.NetNSPath, SharedPID: p.SharedPID}
			if p.HostNetwork {
				e.NetNS = "host"
			}
			if withSocket {
				e.Socket = p.Socket
			}
			entries = append(entries, e)
		}
		if p.Sandbox != nil {
			add(p.Sandbox, runtime.KindSandbox, "")
		}
		for j := range p.Containers {
			t := &p.Containers[j]
			add(t, runtime.KindContainer, runtime.ContainerName(t))
		}
	}
	return entries
}

// podStatus is the task's status; "exited" when it has none: CRI removes
// the task of a container that exited.
func podStatus(s string) string {
	if s == runtime.StatusNoTask {
		return "exited"
	}
	return s
}

func printPodTable(entries []podEntry) {
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
	withSocket := len(entries) > 0 && entries[0].Socket != ""
	if withSocket {
		fmt.Fprint(w, "SOCKET\t")
	}
	fmt.Fprintln(w, "POD-NAMESPACE\tPOD\tCONTAINER\tTASK\tPID\tSTATUS\tNETNS")
	for _, e := range entries {
		if withSocket {
			fmt.Fprintf(w, "%s\t", e.Socket)
		}
		name := e.Container
		if e.Kind == runtime.KindSandbox {
			name = sandboxName
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.PodNamespace, e.Pod, name, runtime.ShortID(e.Task), e.PID, e.Status, e.NetNS)
	}
	w.Flush()
}

// printPodRefs prints k8s://NAMESPACE/POD/CONTAINER once per container name.
func printPodRefs(entries []podEntry) {
	seen := map[string]bool{}
	for _, e := range entries {
		ref := fmt.Sprintf("%s%s/%s/%s", runtime.K8sPrefix, e.PodNamespace, e.Pod, e.Container)
		if e.Kind == runtime.KindContainer && !seen[ref] {
			seen[ref] = true
			fmt.Println(ref)
		}
	}
}
