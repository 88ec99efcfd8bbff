package runtime

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/runtime/dockerd"
)

// fakeDockerd knows containers by name and counts the questions.
type fakeDockerd struct {
	byName map[string]dockerd.Container
	asked  int
}

func (f *fakeDockerd) Inspect(_ context.Context, name string) (dockerd.Container, error) {
	f.asked++
	if c, ok := f.byName[name]; ok {
		return c, nil
	}
	for _, c := range f.byName { // dockerd takes ID prefixes too
		if strings.HasPrefix(c.ID, name) {
			return c, nil
		}
	}
	return dockerd.Container{}, dockerd.ErrNoSuchContainer
}

func (f *fakeDockerd) List(context.Context) ([]dockerd.Container, error) {
	f.asked++
	var out []dockerd.Container
	for _, c := range f.byName {
		out = append(out, c)
	}
	return out, nil
}

const (
	dockerWebID = "4567d6d29d43a353bfcca1f818796927091a0d4bb223b2bd813ecec5ea9871c4"
	dockerDbID  = "9999d6d29d43a353bfcca1f818796927091a0d4bb223b2bd813ecec5ea9871c4"
	nerdAPIID   = "aaaa11112222333344445555666677778888999900001111222233334444abcd"
	nerdAPI2ID  = "bbbb11112222333344445555666677778888999900001111222233334444abcd"
)

// namedWorld is world() plus Docker's "web" (running), "db" (paused) and
// "old" (exited, no containerd container), and nerdctl's "api" (running)
// and "cache" in two namespaces.
func namedWorld() (*fakeStore, *fakeDockerd) {
	s := world()
	nerd := func(id, name string) container {
		c := ctr(id)
		c.Labels = map[string]string{"id": id, NerdctlNameLabel: name}
		return c
	}
	s.ctrs["moby"] = append(s.ctrs["moby"], ctr(dockerWebID), ctr(dockerDbID))
	s.tsks["moby"] = append(s.tsks["moby"], running(dockerWebID, 41), taskState{ID: dockerDbID, PID: 42, Status: StatusPaused})
	s.ctrs["default"] = append(s.ctrs["default"], nerd(nerdAPIID, "api"), nerd(nerdAPI2ID, "cache"))
	s.tsks["default"] = append(s.tsks["default"], taskState{ID: nerdAPIID, PID: 51, Status: StatusPaused}, running(nerdAPI2ID, 52))
	s.ctrs["k8s.io"] = append(s.ctrs["k8s.io"], nerd("cache-b", "cache"))
	s.tsks["k8s.io"] = append(s.tsks["k8s.io"], running("cache-b", 53))
	d := &fakeDockerd{byName: map[string]dockerd.Container{
		"web": {ID: dockerWebID, Name: "web", Image: "nginx:1", State: "running"},
		"db":  {ID: dockerDbID, Name: "db", Image: "postgres:17", State: "paused"},
		"old": {ID: "7777d6d29d43a353bfcca1f818796927091a0d4bb223b2bd813ecec5ea9871c4", Name: "old", State: "exited"},
	}}
	return s, d
}

func namedClient(s store, d dockerAsker, ns string) *Client {
	explicit := ns != ""
	if ns == "" {
		ns = "default"
	}
	c := testClient(s, ns, explicit)
	c.docker, c.dockerChecked = d, true
	return c
}

func TestFindNames(t *testing.T) {
	tests := []struct {
		name     string
		ns       string // explicit namespace
		ref      string
		wantID   string
		wantName string
		wantImg  string
		wantKind error
		wantMsg  string
	}{
		{name: "nerdctl name", ref: "api", wantID: nerdAPIID, wantName: "api", wantImg: "img/" + nerdAPIID},
		{name: "Docker name", ref: "db", wantID: dockerDbID, wantName: "db", wantImg: "img/" + dockerDbID},
		{name: "Docker name with -n moby", ns: "moby", ref: "web", wantID: dockerWebID, wantName: "web"},
		{name: "ID with -n default beats Docker's name", ns: "default", ref: "web", wantID: "web"},
		{name: "an ID here and a Docker name there", ref: "web", wantKind: ErrAmbiguous,
			wantMsg: `"web" names 2 containers: container ID "web" in namespace "default" (pick it with: nsj -n default web), ` +
				`Docker name "web" in namespace "moby" (ID 4567d6d29d43) (pick it with: nsj -n moby web)`},
		{name: "two nerdctl names", ref: "cache", wantKind: ErrAmbiguous,
			wantMsg: `"cache" names 2 containers: nerdctl name "cache" in namespace "default" (ID bbbb11112222) (pick it with: nsj -n default cache), ` +
				`nerdctl name "cache" in namespace "k8s.io" (ID cache-b) (pick it with: nsj -n k8s.io cache)`},
		{name: "NAMESPACE/ID is never a name", ref: "moby/web", wantKind: ErrNotFound},
		{name: "stopped Docker container", ref: "old", wantKind: ErrNotRunning,
			wantMsg: `Docker container "old" (ID 7777d6d29d43) is exited; start it with: docker start old`},
		{name: "Docker ID prefix is a prefix, not a name", ref: "4567d6", wantID: dockerWebID},
		{name: "prefix after names", ref: "ap", wantKind: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, d := namedWorld()
			got, err := namedClient(s, d, tt.ns).Find(context.Background(), tt.ref)
			if tt.wantKind != nil {
				if !errors.Is(err, tt.wantKind) || !strings.HasPrefix(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, %v; want %v error\n %s", got, err, tt.wantKind, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.wantID || got.Name != tt.wantName || (tt.wantImg != "" && got.Image != tt.wantImg) {
				t.Errorf("got %s name %q image %q; want %s name %q image %q", got.ID, got.Name, got.Image, tt.wantID, tt.wantName, tt.wantImg)
			}
		})
	}
}

// TestFindGeneratedIDAsksNoNames: a full 64-hex ID costs one container Get
// and one task Get, without -n too, and dockerd is not asked.
func TestFindGeneratedIDAsksNoNames(t *testing.T) {
	s, d := namedWorld()
	s.calls = nil
	c := namedClient(s, d, "")
	c.namespace = "moby"
	if _, err := c.Find(context.Background(), dockerWebID); err != nil {
		t.Fatal(err)
	}
	if len(s.calls) != 2 || s.calls["container"] != 1 || s.calls["task"] != 1 || d.asked != 0 {
		t.Errorf("calls %v, dockerd asked %d times; want one container and one task Get", s.calls, d.asked)
	}
}

func TestResumeAndStartCommandsNameTheOwner(t *testing.T) {
	s, d := namedWorld()
	c := namedClient(s, d, "")
	for _, tc := range []struct{ ref, want string }{
		{"db", "docker unpause db"},
		{"api", "nerdctl unpause api"},
		{"frozen", "ctr -n default task resume frozen"},
	} {
		got, err := c.Find(context.Background(), tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		if cmd := c.ResumeCommand(got); cmd != tc.want {
			t.Errorf("%s: resume with %q, want %q", tc.ref, cmd, tc.want)
		}
	}
	c.address = "/run/k3s/containerd/containerd.sock"
	frozen, _ := c.Find(context.Background(), "frozen")
	if cmd := c.ResumeCommand(frozen); cmd != "ctr -a /run/k3s/containerd/containerd.sock -n default task resume frozen" {
		t.Errorf("resume at another socket with %q", cmd)
	}
	api, _ := c.Find(context.Background(), "api")
	if cmd := c.ResumeCommand(api); cmd != "nerdctl -a /run/k3s/containerd/containerd.sock unpause api" {
		t.Errorf("nerdctl resume at another socket with %q", cmd)
	}
	s.tsks["moby"][len(s.tsks["moby"])-2].Status = StatusStopped
	c.namespace, c.explicit = "moby", true
	_, err := c.Find(context.Background(), "web")
	if err == nil || !strings.Contains(err.Error(), "start it with: docker start web") {
		t.Errorf("stopped Docker task: %v", err)
	}
}

func TestListNames(t *testing.T) {
	s, d := namedWorld()
	s.ctrs["k8s.io"] = append(s.ctrs["k8s.io"], container{ID: "k8sctr", Labels: map[string]string{
		criPodName: "web-7d9", criContainer: "nginx", criPodNamespace: "shop"}})
	ts, err := namedClient(s, d, "moby").List(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range ts {
		got[x.ID] = x.Name + " " + x.Image
	}
	for id, want := range map[string]string{
		dockerWebID: "web img/" + dockerWebID, // containerd's image kept
		nerdAPIID:   "api img/" + nerdAPIID,
		"k8sctr":    "web-7d9/nginx ",
		"web":       " img/web",
	} {
		if got[id] != want {
			t.Errorf("%s: name and image %q, want %q", id, got[id], want)
		}
	}
	if d.asked != 1 {
		t.Errorf("dockerd asked %d times, want once", d.asked)
	}
	s.ctrs["moby"][len(s.ctrs["moby"])-1].Image = ""
	ts, _ = namedClient(s, d, "moby").List(context.Background(), false)
	for _, x := range ts {
		if x.ID == dockerDbID && (x.Name != "db" || x.Image != "postgres:17") {
			t.Errorf("Docker container without image in containerd: name %q image %q", x.Name, x.Image)
		}
	}
	d.asked = 0
	namedClient(s, d, "default").List(context.Background(), false)
	if d.asked != 0 {
		t.Errorf("dockerd asked about a namespace without Docker containers")
	}
}
