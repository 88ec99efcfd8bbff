package runtime

import (
	"fmt"

	"github.com/nsj-dev/nsj/runtime/dockerd"
)

// Tools that make containers on top of containerd and name them. Hints
// about a container name its owner's command: a Docker user runs docker
// unpause, not ctr task resume.
const (
	ToolDocker  = "docker"
	ToolNerdctl = "nerdctl"
)

// owner is the tool that made a container and the name it knows it by.
type owner struct {
	tool string // ToolDocker, ToolNerdctl, or "" (containerd's own ctr)
	name string // the tool's name of the container, else its short ID
}

// ownerOf tells the owner from the container's namespace and labels; name
// is Docker's name when it is known.
func ownerOf(ns string, labels map[string]string, name, id string) owner {
	switch {
	case labels[NerdctlNameLabel] != "":
		return owner{ToolNerdctl, labels[NerdctlNameLabel]}
	case ns == DockerNamespace:
		if name == "" {
			name = ShortID(id)
		}
		return owner{ToolDocker, name}
	}
	return owner{}
}

// Owner is the tool that made t (ToolDocker, ToolNerdctl), or "".
func (t *Target) Owner() string { return ownerOf(t.Namespace, t.Labels, t.Name, t.ID).tool }

// ResumeCommand is the command that resumes t when it is paused, in its
// owner's tool: docker unpause NAME, nerdctl unpause NAME, else ctr; nerdctl
// and ctr with -a when t's containerd is not at the first default socket.
func (c *Client) ResumeCommand(t *Target) string {
	c = c.on(t.Socket)
	if o := ownerOf(t.Namespace, t.Labels, t.Name, t.ID); o.tool != "" {
		return c.ownerCommand(o, t.Namespace) + " unpause " + o.name
	}
	return fmt.Sprintf("%s task resume %s", c.ctrCommand(t.Namespace), t.ID)
}

// ownerCommand is the start of a command line of o's tool, reaching this
// containerd and namespace ns (nerdctl's default is the default socket and
// namespace "default"; docker talks to dockerd, which knows both).
func (c *Client) ownerCommand(o owner, ns string) string {
	cmd := o.tool
	if o.tool != ToolNerdctl {
		return cmd
	}
	if c.address != DefaultSockets[0] {
		cmd += " -a " + c.address
	}
	if ns != "default" {
		cmd += " -n " + ns
	}
	return cmd
}

// ownerNotRunning is the error for a container of a known owner that has
// no running task: start it with the owner's tool. status is the task's,
// or StatusNoTask.
func (c *Client) ownerNotRunning(o owner, ns, id, status string) error {
	what := "has no task"
	switch status {
	case StatusCreated:
		what = "is created but not started"
	case StatusStopped:
		what = "is stopped"
	case StatusNoTask:
	default:
		what = fmt.Sprintf("is in state %q", status)
	}
	return newError(ErrNotRunning, "%s container %q (ID %s, namespace %q) %s; start it with: %s start %s",
		toolTitle(o.tool), o.name, ShortID(id), ns, what, c.ownerCommand(o, ns), o.name)
}

// kubeletNotRunning is the error for a container the CRI plugin made (for
// kubelet) that has no running task, or nil for any other container:
// kubelet, not ctr, restarts it, and nsj reaches it by its pod: its running
// instance, or the pod's sandbox (network, IPC, UTS), which stays up while
// the container crash-loops. status is the task's, or StatusNoTask.
func kubeletNotRunning(labels map[string]string, id, status string) error {
	ns, pod := labels[criPodNamespace], labels[criPodName]
	if ns == "" || pod == "" {
		return nil
	}
	what := statusWords(status)
	if labels[criKind] == KindSandbox {
		return newError(ErrNotRunning, "container %s is the sandbox of Kubernetes pod %s/%s, and is %s: the pod is stopped (kubelet starts it again, not ctr); see nsj --list --pods",
			ShortID(id), ns, pod, what)
	}
	ref := K8sPrefix + ns + "/" + pod
	return newError(ErrNotRunning, "container %s is Kubernetes container %q of pod %s/%s, and is %s (kubelet restarts it, not ctr): join its running instance with nsj %s/%s, or the pod's network, even while it crashes, with nsj --sandbox %s",
		ShortID(id), labels[criContainer], ns, pod, what, ref, labels[criContainer], ref)
}

// dockerNotRunning is the error for a Docker name whose container has no
// containerd container: dockerd knows it, stopped or never started.
func dockerNotRunning(dc dockerd.Container) error {
	return newError(ErrNotRunning, "Docker container %q (ID %s) is %s; start it with: docker start %s", dc.Name, ShortID(dc.ID), dc.State, dc.Name)
}

func toolTitle(tool string) string {
	if tool == ToolDocker {
		return "Docker"
	}
	return tool
}

// ShownName is how nsj names t in its output (nsj --all's line prefixes):
// the Kubernetes NAMESPACE/POD/CONTAINER, else the Docker or nerdctl name,
// else the ID, short for a generated one; with withNamespace the containerd
// namespace comes first (not for Kubernetes names, which hold their own).
func ShownName(t *Target, withNamespace bool) string {
	if k := KubernetesName(t); k != "" {
		return k
	}
	name := ShortID(t.ID)
	if t.Name != "" {
		name = t.Name
	}
	if withNamespace {
		return t.Namespace + "/" + name
	}
	return name
}
