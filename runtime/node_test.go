package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
)

// deadStore is a containerd that does not answer.
type deadStore struct{ fakeStore }

func (deadStore) container(context.Context, string, string) (container, error) {
	return container{}, fmt.Errorf("connect: %w", errdefs.ErrUnavailable)
}

func (deadStore) namespaces(context.Context) ([]string, error) {
	return nil, fmt.Errorf("connect: %w", errdefs.ErrUnavailable)
}

// twoContainerds is a node with world() on the first default socket and
// Docker's containerd on the last: moby/only-b, and "web" again.
func twoContainerds(ns string, second store) *Client {
	explicit := ns != ""
	if ns == "" {
		ns = DefaultNamespace
	}
	c := testClient(world(), ns, explicit)
	b := testClient(second, ns, explicit)
	b.address = DockerContainerdSocket
	c.others = []*Client{b}
	return c
}

func dockerWorld() *fakeStore {
	return &fakeStore{
		ctrs: map[string][]container{"moby": {ctr("only-b"), ctr("web"), ctr("abc9")}},
		tsks: map[string][]taskState{"moby": {running("only-b", 41), running("web", 42), running("abc9", 43)}},
	}
}

func TestFindOnNode(t *testing.T) {
	a, b := DefaultSockets[0], DockerContainerdSocket
	tests := []struct {
		name       string
		ns         string
		second     store
		ref        string
		wantSocket string
		wantID     string
		wantKind   error
		wantMsg    string
	}{
		{name: "only on the second", ref: "only-b", wantSocket: b, wantID: "only-b"},
		{name: "only on the first", ref: "abd2", wantSocket: a, wantID: "abd2"},
		{name: "exact beats prefix on another", ref: "abc9", wantSocket: b, wantID: "abc9"},
		{name: "same ID on both", ref: "web", wantKind: ErrAmbiguous,
			wantMsg: `"web" matches containers on several containerds: ` + a + " default/web, " + b + " moby/web; pick one with -a SOCKET (and -n NAMESPACE)"},
		{name: "nowhere", ref: "nope", wantKind: ErrNotFound,
			wantMsg: `no task "nope" on any containerd of this node (searched ` + a + ": default, empty, k8s.io, moby; " + b + ": default, moby; see nsj --list)"},
		{name: "namespace on the second only", ns: "moby", ref: "only-b", wantSocket: b, wantID: "only-b"},
		{name: "namespace on one, task missing", ns: "k8s.io", ref: "nope", wantKind: ErrNotFound,
			wantMsg: `no task "nope" in namespace "k8s.io" (3 tasks there; see nsj --list -n k8s.io)`},
		{name: "namespace nowhere, case", ns: "Moby", ref: "web", wantKind: ErrNotFound,
			wantMsg: `no containerd of this node has namespace "Moby" (` + a + " has: default, empty, k8s.io, moby; " + b + " has: moby); pick one with -n (names are case-sensitive: -n moby)"},
		{name: "second does not answer", second: &deadStore{}, ref: "web", wantSocket: a, wantID: "web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			second := tt.second
			if second == nil {
				second = dockerWorld()
			}
			got, err := twoContainerds(tt.ns, second).Find(context.Background(), tt.ref)
			if tt.wantKind != nil {
				if !errors.Is(err, tt.wantKind) || err.Error() != tt.wantMsg {
					t.Fatalf("got %v\nwant %s", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Socket != tt.wantSocket || got.ID != tt.wantID {
				t.Errorf("got %s %s, want %s %s", got.Socket, got.ID, tt.wantSocket, tt.wantID)
			}
		})
	}
}

func TestListNode(t *testing.T) {
	l, err := twoContainerds("", dockerWorld()).ListNode(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Searched) != 2 || l.Searched[1].Socket != DockerContainerdSocket || strings.Join(l.Searched[1].Namespaces, ",") != "moby" {
		t.Errorf("searched %+v", l.Searched)
	}
	last := l.Tasks[len(l.Tasks)-1]
	if len(l.Tasks) != 17 || last.Socket != DockerContainerdSocket || last.ID != "web" {
		t.Errorf("%d tasks, last %s %s", len(l.Tasks), last.Socket, last.ID)
	}
	l, err = twoContainerds("", &deadStore{}).ListNode(context.Background(), true)
	if err != nil || len(l.Searched) != 1 || len(l.Tasks) != 14 {
		t.Errorf("with the second dead: %+v, %v", l.Searched, err)
	}
}

func TestAmbiguousPrefixInOneNamespace(t *testing.T) {
	s := &fakeStore{ctrs: map[string][]container{"default": nil, "moby": {ctr("140f"), ctr("14ef")}}}
	_, err := testClient(s, DefaultNamespace, false).Find(context.Background(), "14")
	want := `task prefix "14" is ambiguous in namespace "moby": 140f, 14ef; give more of the ID`
	if !errors.Is(err, ErrAmbiguous) || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestMissingNamespace(t *testing.T) {
	tests := []struct{ ns, want string }{
		{"moby", ""},
		{"docker", `containerd at /run/containerd/containerd.sock has no namespace "docker" (it has: default, empty, k8s.io, moby); pick one with -n (Docker's containers are in -n moby)`},
		{"MOBY", `containerd at /run/containerd/containerd.sock has no namespace "MOBY" (it has: default, empty, k8s.io, moby); pick one with -n (names are case-sensitive: -n moby)`},
		{"other", `containerd at /run/containerd/containerd.sock has no namespace "other" (it has: default, empty, k8s.io, moby); pick one with -n`},
	}
	for _, tt := range tests {
		err := testClient(world(), tt.ns, true).MissingNamespace(context.Background())
		if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
			t.Errorf("-n %s: got %v, want %q", tt.ns, err, tt.want)
		}
	}
	if err := testClient(world(), "nope", false).MissingNamespace(context.Background()); err != nil {
		t.Errorf("namespace not given: %v", err)
	}
}

// TestFindNamesOnNode: names are resolved on every containerd, and the
// candidates of all are chosen among at once: world() on the first socket
// (with default/web, an ID), namedWorld's Docker containers on Docker's.
func TestFindNamesOnNode(t *testing.T) {
	a, b := DefaultSockets[0], DockerContainerdSocket
	docker, d := namedWorld()
	docker.ctrs = map[string][]container{"moby": docker.ctrs["moby"][3:]}
	docker.tsks = map[string][]taskState{"moby": docker.tsks["moby"][3:], "default": {{ID: "held", PID: 44, Status: StatusPaused}}}
	docker.ctrs["default"] = []container{ctr("held")}
	c := twoContainerds("", docker)
	c.docker, c.dockerChecked = d, true
	got, err := c.Find(context.Background(), "db")
	if err != nil || got.Socket != b || got.ID != dockerDbID || got.Name != "db" {
		t.Fatalf("Docker name on Docker's containerd: %+v, %v", got, err)
	}
	if cmd := c.ResumeCommand(got); cmd != "docker unpause db" {
		t.Errorf("paused Docker container: resume with %q", cmd)
	}
	held, err := c.Find(context.Background(), "held")
	if err != nil {
		t.Fatal(err)
	}
	if cmd := c.ResumeCommand(held); cmd != "ctr -a "+b+" -n default task resume held" {
		t.Errorf("paused ctr task on Docker's containerd: resume with %q", cmd)
	}
	_, err = c.Find(context.Background(), "web")
	want := `"web" names 2 containers: container ID "web" in namespace "default" (pick it with: nsj -a ` + a + ` -n default web), ` +
		`Docker name "web" in namespace "moby" (ID 4567d6d29d43) (pick it with: nsj -a ` + b + ` -n moby web)`
	if !errors.Is(err, ErrAmbiguous) || err.Error() != want {
		t.Errorf("an ID here and a Docker name there:\ngot  %v\nwant %s", err, want)
	}
}

// NodeNamespaces has those of every containerd, each once; one that does
// not answer is left out.
func TestNodeNamespaces(t *testing.T) {
	got, err := twoContainerds("", &fakeStore{ctrs: map[string][]container{"buildkit": nil, "moby": nil}}).NodeNamespaces(context.Background())
	slices.Sort(got)
	if err != nil || strings.Join(got, ",") != "buildkit,default,empty,k8s.io,moby" {
		t.Errorf("NodeNamespaces = %q, %v", got, err)
	}
	got, err = twoContainerds("", &deadStore{}).NodeNamespaces(context.Background())
	slices.Sort(got)
	if err != nil || strings.Join(got, ",") != "default,empty,k8s.io,moby" {
		t.Errorf("with the second dead: %q, %v", got, err)
	}
}
