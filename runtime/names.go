package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/nsj-dev/nsj/runtime/dockerd"
	"github.com/sirupsen/logrus"
)

// NerdctlNameLabel is the label where nerdctl keeps a container's name.
const NerdctlNameLabel = "nerdctl/name"

// generatedID reports whether id looks like the IDs Docker, nerdctl and
// Kubernetes make: 64 hex digits. Nobody names a container so: such a word
// is taken as an ID only, and Find pays no name lookups for it.
func generatedID(id string) bool {
	return len(id) == 64 && strings.Trim(id, "0123456789abcdef") == ""
}

// How a candidate matched the word.
const (
	viaID      = "ID"
	viaNerdctl = "nerdctl name"
	viaDocker  = "Docker name"
)

// candidate is a container that a word may name, where it is, and how it
// matched.
type candidate struct {
	match
	client *Client // the containerd it is on
	via    string  // viaID, viaNerdctl, viaDocker; "" for an ID prefix
	name   string  // the owner's name, for a name match
	image  string  // from dockerd, for a Docker name match
}

// isName says whether c matched as a nerdctl or Docker name.
func (c candidate) isName() bool { return c.via == viaNerdctl || c.via == viaDocker }

// where names c's containerd, namespace and ID: "SOCKET NAMESPACE/ID".
func (c candidate) where() string { return c.client.address + " " + c.match.name() }

// candidates are the containers that a word may name on every containerd
// searched, by kind; choose (choose.go) picks among all of them at once.
type candidates struct {
	word     string
	home     string      // the namespace searched first on each containerd
	ids      []candidate // exact container IDs
	names    []candidate // nerdctl and Docker names
	prefixes []candidate // IDs the word is a prefix of
	searched []searchedOn
	// docker is dockerd's container of that name, asked once for the
	// node (dockerAsked); dockerIdle is set when no containerd has it
	// (stopped, or never started).
	dockerd     func() dockerAsker // the node's dockerd, or nil
	dockerSkip  func() error       // why there is none to ask, or nil
	dockerAsked bool
	dockerNote  error // why dockerd was not asked about word, for a not-found error
	docker      *dockerd.Container
	dockerIdle  *dockerd.Container
}

// word is a parsed target word.
type word struct {
	ref      string
	ns       string // where to look first
	explicit bool   // only in ns (-n, $CONTAINERD_NAMESPACE or NAMESPACE/ID)
	idOnly   bool   // written NAMESPACE/ID: an ID or ID prefix, not a name
}

// nameStage says whether w may be a name worth looking up.
func (w word) nameStage() bool { return !w.idOnly && !generatedID(w.ref) }

// collect adds to cs what w may name in this containerd: the exact ID in
// w.ns (one Get: with -n, or for a generated ID, that is all it costs),
// then, unless w.explicit, in every namespace one List filtered to IDs
// starting with the word or carrying it as nerdctl name, and dockerd's
// container of that name if namespace moby is searched. It returns what it
// saw: the namespaces searched, w.ns first, and those it listed, for a
// not-found error (notfound.go).
func (c *Client) collect(ctx context.Context, w word, cs *candidates) (searchedOn, error) {
	seen := searchedOn{client: c, namespaces: []string{w.ns}}
	ctr, err := c.store.container(ctx, w.ns, w.ref)
	homeExact := err == nil // beats exact IDs elsewhere here (but not names)
	switch {
	case homeExact:
		cs.ids = append(cs.ids, candidate{match: match{ns: w.ns, ctr: ctr, exact: true}, client: c, via: viaID})
		if w.explicit || !w.nameStage() {
			return seen, nil
		}
	case !errdefs.IsNotFound(err):
		return searchedOn{}, c.callError(err, fmt.Sprintf("get container %q in namespace %q", w.ref, w.ns))
	}
	if !w.explicit {
		all, err := c.store.namespaces(ctx)
		if err != nil {
			return searchedOn{}, c.callError(err, "list containerd namespaces")
		}
		seen.all, seen.listed = all, true
		for _, ns := range all {
			if ns != w.ns {
				seen.namespaces = append(seen.namespaces, ns)
			}
		}
	}
	for _, ns := range seen.namespaces {
		if err := c.listCandidates(ctx, w, ns, !homeExact, cs); err != nil {
			return searchedOn{}, err
		}
	}
	if w.nameStage() && slices.Contains(seen.namespaces, DockerNamespace) {
		c.dockerCandidate(ctx, w.ref, cs)
	}
	return seen, nil
}

// listCandidates adds what namespace ns holds for w, in one List: filters
// are OR'ed, so the containers whose ID starts with the word and those whose
// nerdctl name it is come back together. Without idsToo (an exact ID was
// found in the first namespace), only names are sought.
func (c *Client) listCandidates(ctx context.Context, w word, ns string, idsToo bool, cs *candidates) error {
	var filters []string
	if idsToo {
		filters = append(filters, "id~=^"+w.ref)
	}
	if w.nameStage() {
		filters = append(filters, fmt.Sprintf(`labels.%q==%q`, NerdctlNameLabel, w.ref))
	}
	if len(filters) == 0 {
		return nil
	}
	ctrs, err := c.store.containers(ctx, ns, filters...)
	if err != nil {
		return c.callError(err, fmt.Sprintf("list containers in namespace %q", ns))
	}
	for _, ctr := range ctrs {
		m := candidate{match: match{ns: ns, ctr: ctr, exact: ctr.ID == w.ref}, client: c}
		if w.nameStage() && ctr.Labels[NerdctlNameLabel] == w.ref {
			n := m
			n.via, n.name = viaNerdctl, w.ref
			cs.names = append(cs.names, n)
		}
		switch {
		case !idsToo || !strings.HasPrefix(ctr.ID, w.ref):
		case m.exact:
			m.via = viaID
			cs.ids = append(cs.ids, m)
		default:
			cs.prefixes = append(cs.prefixes, m)
		}
	}
	return nil
}

// dockerCandidate adds Docker's container named word if this containerd
// holds it (in namespace moby). dockerd is asked once for the node, and
// only here: never for an exact ID given with -n, nor for a generated ID.
// A dockerd that cannot be asked is logged and left out: the containerd
// stages still work.
func (c *Client) dockerCandidate(ctx context.Context, word string, cs *candidates) {
	dc := cs.askDockerd(ctx)
	if dc == nil {
		return
	}
	ctr, err := c.store.container(ctx, DockerNamespace, dc.ID)
	if err != nil {
		if errdefs.IsNotFound(err) {
			cs.dockerIdle = dc
		} else {
			logrus.Warnf("Docker container %q (%s): %v", word, dc.ID, err)
		}
		return
	}
	cs.names = append(cs.names, candidate{match: match{ns: DockerNamespace, ctr: ctr, exact: dc.ID == word},
		client: c, via: viaDocker, name: dc.Name, image: dc.Image})
}

// askDockerd asks dockerd, the first time, what Docker container cs.word
// names: nil if none (or no dockerd).
func (cs *candidates) askDockerd(ctx context.Context) *dockerd.Container {
	if cs.dockerAsked {
		return cs.docker
	}
	cs.dockerAsked = true
	d := cs.dockerd()
	if d == nil {
		cs.dockerNote = cs.dockerSkip()
		return nil
	}
	dc, err := d.Inspect(ctx, cs.word)
	if errors.Is(err, dockerd.ErrNoSuchContainer) {
		return nil
	}
	if err != nil {
		logrus.Warnf("Docker names not looked up: %v", err)
		return nil
	}
	if dc.Name != cs.word {
		return nil // dockerd took the word as an ID or ID prefix: the ID stages cover those
	}
	cs.docker = &dc
	return cs.docker
}

// dockerd returns the client of the node's dockerd, or nil if there is
// none, or none nsj can ask (c.dockerSkip then says why: DOCKER_HOST names
// a transport or socket nsj cannot use).
func (c *Client) dockerd() dockerAsker {
	if !c.dockerChecked {
		c.dockerChecked = true
		d, err := findDockerd()
		if d != nil {
			c.docker = d
		}
		c.dockerSkip = err
	}
	return c.docker
}

// dockerdSkipped is why dockerd is not asked, or nil.
func (c *Client) dockerdSkipped() error {
	c.dockerd()
	return c.dockerSkip
}

// findDockerd finds dockerd's API (DOCKER_HOST or its default socket).
var findDockerd = func() (*dockerd.Client, error) { return dockerd.Find(os.Getenv, os.Stat) }

// dockerAsker is what nsj asks dockerd (a fake in tests).
type dockerAsker interface {
	Inspect(ctx context.Context, name string) (dockerd.Container, error)
	List(ctx context.Context) ([]dockerd.Container, error)
}

// labelName is the name a container's labels give it: nerdctl's, or
// POD/CONTAINER for a Kubernetes container.
func labelName(labels map[string]string) string {
	if name := labels[NerdctlNameLabel]; name != "" {
		return name
	}
	if pod, ctr := labels[criPodName], labels[criContainer]; pod != "" && ctr != "" {
		return pod + "/" + ctr
	}
	return ""
}

// addDockerNames gives Docker's containers among ts (namespace moby) their
// Docker name and, as containerd's records have none, their image: one
// question to dockerd, only if there are such containers and a dockerd.
func (c *Client) addDockerNames(ctx context.Context, ts []Target) {
	var docker []*Target
	for i := range ts {
		if ts[i].Namespace == DockerNamespace && ts[i].Name == "" {
			docker = append(docker, &ts[i])
		}
	}
	if len(docker) == 0 {
		return
	}
	if c.dockerd() == nil {
		if c.dockerSkip != nil {
			logrus.Warnf("Docker names and images not shown: dockerd was not asked: %v", c.dockerSkip)
		}
		return
	}
	list, err := c.dockerd().List(ctx)
	if err != nil {
		logrus.Warnf("Docker names not shown: %v", err)
		return
	}
	byID := make(map[string]dockerd.Container, len(list))
	for _, dc := range list {
		byID[dc.ID] = dc
	}
	for _, t := range docker {
		if dc, ok := byID[t.ID]; ok {
			t.Name = dc.Name
			if t.Image == "" {
				t.Image = dc.Image
			}
		}
	}
}
