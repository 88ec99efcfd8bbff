package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/sirupsen/logrus"
)

// ListPods returns the pods in the client's namespace (the CLI makes that
// KubernetesNamespace), of pod namespace podNamespace or of every one (""),
// on every containerd of the node (ListPodsOnNode).
func (c *Client) ListPods(ctx context.Context, podNamespace string) ([]Pod, error) {
	l, err := c.ListPodsOnNode(ctx, podNamespace)
	return l.Pods, err
}

// PodListing is what ListPodsOnNode found on the containerds of the node.
type PodListing struct {
	Pods     []Pod
	Searched []Searched // each containerd that answered, and the namespace asked
}

// ListPodsOnNode lists the pods of each containerd of the node in turn,
// each containerd's sorted by pod namespace, name and sandbox age: one
// Containers call with a label filter and one Tasks call on each. A
// containerd that does not answer is left out with a warning, unless it is
// the only one.
func (c *Client) ListPodsOnNode(ctx context.Context, podNamespace string) (PodListing, error) {
	filter := fmt.Sprintf("labels.%q", criPodName)
	if podNamespace != "" {
		filter += "," + labelFilter(criPodNamespace, podNamespace)
	}
	found, err := c.podsOnNode(ctx, filter)
	if err != nil {
		return PodListing{}, err
	}
	var l PodListing
	for _, f := range found {
		sortPods(f.pods)
		l.Pods = append(l.Pods, f.pods...)
		l.Searched = append(l.Searched, Searched{Socket: f.client.address, Namespaces: []string{c.namespace}})
	}
	return l, nil
}

func sortPods(pods []Pod) {
	sort.SliceStable(pods, func(i, j int) bool {
		a, b := &pods[i], &pods[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.created.Before(b.created)
	})
}

// podsOn is the pods that one containerd of the node holds.
type podsOn struct {
	client *Client
	pods   []Pod
}

// podsOnNode asks each containerd of the node for the pods whose
// containers filter matches, as candidatesOnNode asks for tasks: one that
// does not answer is left out with a warning when there are others; if
// none answers, the first one's error is returned.
func (c *Client) podsOnNode(ctx context.Context, filter string) ([]podsOn, error) {
	var found []podsOn
	err := c.eachOnNode(func(s *Client) error {
		sctx, cancel := s.withTimeout(ctx)
		defer cancel()
		pods, err := s.pods(sctx, filter)
		if err == nil {
			found = append(found, podsOn{s, pods})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// pods lists the containers that filter matches and the namespace's tasks,
// and groups them into pods by pod UID.
func (c *Client) pods(ctx context.Context, filter string) ([]Pod, error) {
	ctrs, err := c.store.containers(ctx, c.namespace, filter)
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("list the pods' containers in namespace %q", c.namespace))
	}
	tasks, err := c.store.tasks(ctx, c.namespace)
	if err != nil {
		return nil, c.callError(err, fmt.Sprintf("list tasks in namespace %q", c.namespace))
	}
	pods := groupPods(c.namespace, ctrs, tasks)
	for i := range pods {
		pods[i].setSocket(c.address)
	}
	return pods, nil
}

// setSocket records, on the pod and its containers, which containerd has them.
func (p *Pod) setSocket(socket string) {
	p.Socket = socket
	if p.Sandbox != nil {
		p.Sandbox.Socket = socket
	}
	for i := range p.Containers {
		p.Containers[i].Socket = socket
	}
}

// podMember is a container of a pod with what grouping needs of it.
type podMember struct {
	t   Target
	ctr container
}

// groupPods makes a Pod of each pod UID among ctrs, in order of first
// appearance.
func groupPods(ns string, ctrs []container, tasks []taskState) []Pod {
	byID := make(map[string]*taskState, len(tasks))
	for i := range tasks {
		byID[tasks[i].ID] = &tasks[i]
	}
	type group struct {
		sandboxes, apps []podMember
	}
	groups := map[string]*group{}
	var order []string
	for _, ctr := range ctrs {
		key := ctr.Labels[criPodNamespace] + "/" + ctr.Labels[criPodName] + "/" + ctr.Labels[criPodUID]
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		t, err := newTarget(ns, ctr, byID[ctr.ID])
		if err != nil {
			logrus.Warnf("%v", err)
		}
		if ctr.Labels[criKind] == KindSandbox {
			g.sandboxes = append(g.sandboxes, podMember{t, ctr})
		} else {
			g.apps = append(g.apps, podMember{t, ctr})
		}
	}
	out := make([]Pod, 0, len(order))
	for _, key := range order {
		g := groups[key]
		out = append(out, newPod(g.sandboxes, g.apps))
	}
	return out
}

// newPod builds a pod from its sandboxes (the running one, else the newest,
// is taken) and app containers.
func newPod(sandboxes, apps []podMember) Pod {
	var p Pod
	first := append(append([]podMember{}, sandboxes...), apps...)[0].ctr
	p.Namespace, p.Name, p.UID = first.Labels[criPodNamespace], first.Labels[criPodName], first.Labels[criPodUID]
	var sb *podMember
	for i := range sandboxes {
		s := &sandboxes[i]
		if sb == nil || Joinable(s.t.Status) && !Joinable(sb.t.Status) ||
			Joinable(s.t.Status) == Joinable(sb.t.Status) && s.ctr.CreatedAt.After(sb.ctr.CreatedAt) {
			sb = s
		}
	}
	sort.SliceStable(apps, func(i, j int) bool {
		a, b := apps[i].ctr, apps[j].ctr
		if a.Labels[criContainer] != b.Labels[criContainer] {
			return a.Labels[criContainer] < b.Labels[criContainer]
		}
		return a.CreatedAt.After(b.CreatedAt)
	})
	for _, a := range apps {
		p.Containers = append(p.Containers, a.t)
	}
	var meta *sandboxMetadata
	if sb != nil {
		p.Sandbox, p.created = &sb.t, sb.ctr.CreatedAt
		meta = readSandboxMetadata(sb.ctr)
	}
	p.podNamespaces(meta)
	return p
}

// podNamespaces sets NetNSPath, HostNetwork, SharedPID and Annotations
// from the sandbox's spec and the containers' specs, and from what CRI
// recorded of the pod's config (meta, if any).
func (p *Pod) podNamespaces(meta *sandboxMetadata) {
	spec := p.Sandbox
	if spec == nil && len(p.Containers) > 0 {
		spec = &p.Containers[0]
	}
	if spec != nil && spec.Spec != nil {
		net := spec.namespace("net")
		p.HostNetwork = !net.Private || net.Path != "" && isOwnNamespace("net", net.Path)
		if !p.HostNetwork {
			p.NetNSPath = net.Path
		}
	}
	pidKnown := false
	for i := range p.Containers {
		if c := &p.Containers[i]; c.Spec != nil {
			pidKnown, p.SharedPID = true, c.namespace("pid").Path != ""
			break
		}
	}
	if meta == nil {
		return
	}
	cfg := meta.Metadata.Config
	p.Annotations = cfg.Annotations
	if nso := cfg.Linux.SecurityContext.NamespaceOptions; nso != nil {
		p.HostNetwork = p.HostNetwork || nso.Network == criNamespaceNode
		if !pidKnown {
			p.SharedPID = nso.Pid == criNamespacePod
		}
	}
	switch {
	case p.HostNetwork:
		p.NetNSPath = ""
	case p.NetNSPath == "":
		p.NetNSPath = meta.Metadata.NetNSPath
	}
}

// CRI's NamespaceMode values.
const (
	criNamespacePod  = 0
	criNamespaceNode = 2
)

// sandboxMetadataExtension is the container extension where CRI keeps a
// sandbox's metadata: the pod's config as kubelet sent it (JSON, the same
// in containerd 1.6 to 2.x).
const sandboxMetadataExtension = "io.cri-containerd.sandbox.metadata"

// sandboxMetadata is the part of CRI's sandbox metadata nsj reads.
type sandboxMetadata struct {
	Metadata struct {
		Config struct {
			Annotations map[string]string `json:"annotations"`
			Linux       struct {
				SecurityContext struct {
					NamespaceOptions *struct {
						Network int `json:"network"`
						Pid     int `json:"pid"`
					} `json:"namespace_options"`
				} `json:"security_context"`
			} `json:"linux"`
		} `json:"Config"`
		NetNSPath string `json:"NetNSPath"`
	} `json:"Metadata"`
}

// readSandboxMetadata decodes the CRI metadata of a sandbox container; nil
// if it has none or it cannot be read.
func readSandboxMetadata(ctr container) *sandboxMetadata {
	ext, ok := ctr.Extensions[sandboxMetadataExtension]
	if !ok {
		return nil
	}
	var m sandboxMetadata
	if err := json.Unmarshal(ext.Value, &m); err != nil {
		logrus.Debugf("sandbox %s: CRI metadata (%s) not read: %v", ctr.ID, ext.TypeURL, err)
		return nil
	}
	return &m
}

// isOwnNamespace reports whether the namespace file at path is nsj's own
// namespace of type typ (for a pod's network: the host's). A variable, so
// that tests can stand in for /proc.
var isOwnNamespace = func(typ, path string) bool {
	a, err := nsStat(path)
	if err != nil {
		return false
	}
	b, err := nsStat("/proc/self/ns/" + typ)
	return err == nil && a.Ino == b.Ino && a.Dev == b.Dev
}

// namespace returns the container's Namespace of type typ (zero if its spec
// could not be read).
func (t *Target) namespace(typ string) Namespace {
	for _, n := range t.Namespaces {
		if n.Type == typ {
			return n
		}
	}
	return Namespace{Type: typ}
}
