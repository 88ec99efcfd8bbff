package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/nsj-dev/nsj/runtime/containerd"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fakeStore is an in-memory containerd that counts calls.
type fakeStore struct {
	ctrs  map[string][]container // by namespace
	tsks  map[string][]taskState // by namespace
	calls map[string]int
}

func (f *fakeStore) count(name string) {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[name]++
}

func (f *fakeStore) container(_ context.Context, ns, id string) (container, error) {
	f.count("container")
	for _, c := range f.ctrs[ns] {
		if c.ID == id {
			return c, nil
		}
	}
	return container{}, fmt.Errorf("container %q: %w", id, errdefs.ErrNotFound)
}

func (f *fakeStore) containers(_ context.Context, ns string, filters ...string) ([]container, error) {
	f.count("containers")
	var out []container
	for _, c := range f.ctrs[ns] {
		ok := len(filters) == 0
		for _, flt := range filters { // containerd ORs them
			ok = ok || fakeFilter(flt, c)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// fakeFilter matches the two kinds of filter nsj sends: id~=REGEXP and
// labels."KEY"=="VALUE".
func fakeFilter(flt string, c container) bool {
	if re, ok := strings.CutPrefix(flt, "id~="); ok {
		return regexp.MustCompile(re).MatchString(c.ID)
	}
	var key, value string
	if _, err := fmt.Sscanf(strings.Replace(strings.TrimPrefix(flt, "labels."), "==", " ", 1), "%q %q", &key, &value); err != nil {
		panic("fake containerd: filter " + flt)
	}
	v, ok := c.Labels[key]
	return ok && v == value
}

func (f *fakeStore) task(_ context.Context, ns, id string) (taskState, error) {
	f.count("task")
	for _, t := range f.tsks[ns] {
		if t.ID == id {
			return t, nil
		}
	}
	return taskState{}, fmt.Errorf("task %q: %w", id, errdefs.ErrNotFound)
}

func (f *fakeStore) tasks(_ context.Context, ns string) ([]taskState, error) {
	f.count("tasks")
	return f.tsks[ns], nil
}

func (f *fakeStore) namespaces(context.Context) ([]string, error) {
	f.count("namespaces")
	var out []string
	for ns := range f.ctrs {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out, nil
}

// ctr makes a container with the containerd default namespaces.
func ctr(id string) container {
	spec := nsSpec(specs.LinuxNamespace{Type: specs.PIDNamespace}, specs.LinuxNamespace{Type: specs.NetworkNamespace},
		specs.LinuxNamespace{Type: specs.MountNamespace})
	b, _ := json.Marshal(spec)
	return container{ID: id, Image: "img/" + id, Labels: map[string]string{"id": id},
		Spec: &anyValue{TypeURL: "types.containerd.io/opencontainers/runtime-spec/1/Spec", Value: b}}
}

func running(id string, pid uint32) taskState {
	return taskState{ID: id, PID: pid, Status: StatusRunning}
}

// world is the containerd the Find tests look at.
func world() *fakeStore {
	return &fakeStore{
		ctrs: map[string][]container{
			"default": {ctr("abc1"), ctr("abd2"), ctr("web"), ctr("web-2"), ctr("notask"), ctr("made"), ctr("done"), ctr("frozen")},
			"k8s.io":  {ctr("3f9a0c"), ctr("dup"), ctr("web-3")},
			"moby":    {ctr("dup"), ctr("8e4b2d"), ctr("dupx")},
			"empty":   nil,
		},
		tsks: map[string][]taskState{
			"default": {running("abc1", 11), running("abd2", 12), running("web", 13), running("web-2", 14),
				{ID: "made", PID: 15, Status: StatusCreated}, {ID: "done", Status: StatusStopped},
				{ID: "frozen", PID: 17, Status: StatusPaused}},
			"k8s.io": {running("3f9a0c", 21), running("dup", 22), running("web-3", 23)},
			"moby":   {running("dup", 31), running("8e4b2d", 32), running("dupx", 33)},
		},
	}
}

func testClient(s store, ns string, explicit bool) *Client {
	return &Client{address: DefaultSockets[0], namespace: ns, explicit: explicit, timeout: DefaultTimeout,
		store: s, conn: containerd.NewConn(nil)}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name     string
		ns       string // explicit namespace; "" = default, not explicit
		ref      string
		wantNS   string
		wantID   string
		wantPID  uint32
		wantKind error
		wantMsg  string
	}{
		{name: "exact", ref: "web", wantNS: "default", wantID: "web", wantPID: 13},
		{name: "exact beats prefix", ref: "web", ns: "default", wantNS: "default", wantID: "web", wantPID: 13},
		{name: "unique prefix", ref: "abc", wantNS: "default", wantID: "abc1", wantPID: 11},
		{name: "ambiguous prefix", ref: "ab", wantKind: ErrAmbiguous,
			wantMsg: `task prefix "ab" is ambiguous in namespace "default": abc1, abd2; give more of the ID`},
		{name: "not found explicit", ns: "default", ref: "zzz", wantKind: ErrNotFound,
			wantMsg: `no task "zzz" in namespace "default" (7 tasks there; see nsj --list -n default)`},
		{name: "not found in empty namespace", ns: "empty", ref: "zzz", wantKind: ErrNotFound,
			wantMsg: `no task "zzz" in namespace "empty" (0 tasks there; see nsj --list -n empty)`},
		{name: "no such namespace", ns: "k8s.i", ref: "zzz", wantKind: ErrNotFound,
			wantMsg: `containerd at /run/containerd/containerd.sock has no namespace "k8s.i" (it has: default, empty, k8s.io, moby); pick one with -n`},
		{name: "bad namespace in ref", ref: "a b/zzz", wantKind: ErrNotFound, wantMsg: `"a b" is not a containerd namespace`},
		{name: "not found anywhere", ref: "zzz", wantKind: ErrNotFound,
			wantMsg: `no task "zzz" in any containerd namespace (searched default, empty, k8s.io, moby; see nsj --list -n NAMESPACE)`},
		{name: "other namespace by prefix", ref: "3f9", wantNS: "k8s.io", wantID: "3f9a0c", wantPID: 21},
		{name: "other namespace exact", ref: "8e4b2d", wantNS: "moby", wantID: "8e4b2d", wantPID: 32},
		{name: "explicit namespace not searched elsewhere", ns: "default", ref: "3f9", wantKind: ErrNotFound},
		{name: "several namespaces", ref: "dup", wantKind: ErrAmbiguous,
			wantMsg: `"dup" matches containers in several namespaces: k8s.io/dup, moby/dup; pick one with -n NAMESPACE or write NAMESPACE/ID`},
		{name: "match in default namespace wins over others", ref: "web-", wantNS: "default", wantID: "web-2", wantPID: 14},
		{name: "namespace/id", ref: "moby/dup", wantNS: "moby", wantID: "dup", wantPID: 31},
		{name: "namespace/prefix", ref: "moby/dupx", wantNS: "moby", wantID: "dupx", wantPID: 33},
		{name: "namespace/id not found", ref: "moby/web", wantKind: ErrNotFound,
			wantMsg: `no task "web" in namespace "moby" (3 tasks there; see nsj --list -n moby)`},
		{name: "no task", ref: "notask", wantKind: ErrNotRunning,
			wantMsg: `container "notask" in namespace "default" has no task; start it with: ctr -n default task start --null-io -d notask`},
		{name: "created", ref: "made", wantKind: ErrNotRunning,
			wantMsg: `task "made" in namespace "default" is created but not started; if it stays so, start it afresh with: ctr -n default task rm -f made && ctr -n default task start --null-io -d made`},
		{name: "stopped", ref: "done", wantKind: ErrNotRunning,
			wantMsg: `task "done" in namespace "default" is stopped; start it again with: ctr -n default task rm -f done && ctr -n default task start --null-io -d done`},
		{name: "paused is returned", ref: "frozen", wantNS: "default", wantID: "frozen", wantPID: 17},
		{name: "bad ref", ref: "a b", wantKind: ErrNotFound, wantMsg: `"a b" is not a container ID`},
		{name: "empty ref", ref: "", wantKind: ErrNotFound},
		{name: "regexp chars", ref: "a.*", wantKind: ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, explicit := ResolveNamespace(tt.ns, env(nil))
			got, err := testClient(world(), ns, explicit).Find(context.Background(), tt.ref)
			if tt.wantKind != nil {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("got %v, %v; want error of kind %v", got, err, tt.wantKind)
				}
				if !strings.HasPrefix(err.Error(), tt.wantMsg) {
					t.Errorf("error\n %s\nwant\n %s", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Namespace != tt.wantNS || got.ID != tt.wantID || got.PID != tt.wantPID {
				t.Errorf("got %s/%s pid %d, want %s/%s pid %d", got.Namespace, got.ID, got.PID, tt.wantNS, tt.wantID, tt.wantPID)
			}
			if got.Image != "img/"+tt.wantID || got.Labels["id"] != tt.wantID || got.Spec == nil {
				t.Errorf("image %q labels %v spec %v: container info missing", got.Image, got.Labels, got.Spec)
			}
			if p := got.PrivateTypes(); !reflect.DeepEqual(p, []string{"net", "pid"}) {
				t.Errorf("private types %v", p)
			}
		})
	}
}

func TestFindNonDefaultAddressInCommands(t *testing.T) {
	c := testClient(world(), "default", false)
	c.address = "/run/k3s/containerd/containerd.sock"
	_, err := c.Find(context.Background(), "done")
	want := "ctr -a /run/k3s/containerd/containerd.sock -n default task rm -f done && ctr -a /run/k3s/containerd/containerd.sock -n default task start --null-io -d done"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want it to contain %q", err, want)
	}
}

// TestFindExactIDCost checks that an exact ID costs one container Get and one
// task Get, however many containers there are.
func TestFindExactIDCost(t *testing.T) {
	for _, n := range []int{1, 1000} {
		s := manyContainers(n)
		if _, err := testClient(s, "default", true).Find(context.Background(), "c-0"); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"container": 1, "task": 1}; !reflect.DeepEqual(s.calls, want) {
			t.Errorf("%d containers: calls %v, want %v", n, s.calls, want)
		}
	}
}

func manyContainers(n int) *fakeStore {
	s := &fakeStore{ctrs: map[string][]container{}, tsks: map[string][]taskState{}}
	for i := range n {
		id := fmt.Sprintf("c-%d", i)
		s.ctrs["default"] = append(s.ctrs["default"], ctr(id))
		s.tsks["default"] = append(s.tsks["default"], running(id, uint32(100+i)))
	}
	return s
}

func BenchmarkFindExactID(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := testClient(manyContainers(n), "default", true)
			for b.Loop() {
				if _, err := c.Find(context.Background(), "c-0"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestList(t *testing.T) {
	tests := []struct {
		name string
		ns   string
		all  bool
		want []string // namespace/id status pid
	}{
		{name: "one namespace", ns: "k8s.io", want: []string{"k8s.io/3f9a0c running 21", "k8s.io/dup running 22", "k8s.io/web-3 running 23"}},
		{name: "empty namespace", ns: "empty", want: nil},
		{name: "no task", ns: "default", want: []string{"default/abc1 running 11", "default/abd2 running 12",
			"default/done stopped 0", "default/frozen paused 17", "default/made created 15", "default/notask no-task 0",
			"default/web running 13", "default/web-2 running 14"}},
		{name: "all namespaces sorted", ns: "moby", all: true, want: []string{"default/abc1 running 11", "default/abd2 running 12",
			"default/done stopped 0", "default/frozen paused 17", "default/made created 15", "default/notask no-task 0",
			"default/web running 13", "default/web-2 running 14",
			"k8s.io/3f9a0c running 21", "k8s.io/dup running 22", "k8s.io/web-3 running 23",
			"moby/8e4b2d running 32", "moby/dup running 31", "moby/dupx running 33"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := world()
			ts, err := testClient(s, tt.ns, true).List(context.Background(), tt.all)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range ts {
				got = append(got, fmt.Sprintf("%s/%s %s %d", x.Namespace, x.ID, x.Status, x.PID))
				if len(x.Namespaces) != len(SpecTypes) {
					t.Errorf("%s: %d namespaces", x.ID, len(x.Namespaces))
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n %v\nwant\n %v", got, tt.want)
			}
			if s.calls["container"]+s.calls["task"] != 0 {
				t.Errorf("List made per-container calls: %v", s.calls)
			}
		})
	}
}

func TestListBadSpec(t *testing.T) {
	s := world()
	s.ctrs["empty"] = []container{{ID: "nospec"}}
	ts, err := testClient(s, "empty", true).List(context.Background(), false)
	if err != nil || len(ts) != 1 || ts[0].Namespaces != nil || ts[0].Status != StatusNoTask {
		t.Errorf("got %+v, %v; want nospec listed without namespaces", ts, err)
	}
}

func TestRecheck(t *testing.T) {
	tests := []struct {
		name    string
		task    *taskState // nil: gone
		wantErr string
		status  string
	}{
		{name: "same", task: &taskState{ID: "x", PID: 10, Status: StatusRunning}, status: StatusRunning},
		{name: "paused since", task: &taskState{ID: "x", PID: 10, Status: StatusPaused}, status: StatusPaused},
		{name: "restarted", task: &taskState{ID: "x", PID: 11, Status: StatusRunning},
			wantErr: `the task restarted while nsj was joining it; try again (task "x" in namespace "ns": pid 10 is now 11)`},
		{name: "exited", task: &taskState{ID: "x", PID: 10, Status: StatusStopped},
			wantErr: `task "x" in namespace "ns" exited while nsj was joining it`},
		{name: "gone", wantErr: `task "x" in namespace "ns" exited and was removed while nsj was joining it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeStore{tsks: map[string][]taskState{}}
			if tt.task != nil {
				s.tsks["ns"] = []taskState{*tt.task}
			}
			tg := &Target{Namespace: "ns", ID: "x", PID: 10, Status: StatusRunning}
			err := testClient(s, "other", true).Recheck(context.Background(), tg)
			if tt.wantErr == "" {
				if err != nil || tg.Status != tt.status {
					t.Errorf("got %v, status %q; want nil, %q", err, tg.Status, tt.status)
				}
				return
			}
			if !errors.Is(err, ErrChanged) || err.Error() != tt.wantErr {
				t.Errorf("got %v, want ErrChanged %q", err, tt.wantErr)
			}
		})
	}
}

// A Kubernetes container named by ID that is not running is pointed to
// its pod, not to ctr task start, which kubelet would undo (issue 21 item 5).
func TestKubernetesContainerNotRunningPointsToItsPod(t *testing.T) {
	cri := func(id, kind string) container {
		c := ctr(id)
		c.Labels = map[string]string{criPodNamespace: "shop", criPodName: "web-7d9f", criKind: kind}
		if kind == KindContainer {
			c.Labels[criContainer] = "nginx"
		}
		return c
	}
	id := strings.Repeat("e8cd", 16)
	s := &fakeStore{
		ctrs: map[string][]container{KubernetesNamespace: {cri(id, KindContainer), cri("crashed", KindContainer), cri("sb", KindSandbox)}},
		tsks: map[string][]taskState{KubernetesNamespace: {{ID: "crashed", Status: StatusStopped}, {ID: "sb", Status: StatusStopped}}},
	}
	tests := []struct{ ref, want string }{
		{id, `container e8cde8cde8cd is Kubernetes container "nginx" of pod shop/web-7d9f, and is exited, its task removed (kubelet restarts it, not ctr): join its running instance with nsj k8s://shop/web-7d9f/nginx, or the pod's network, even while it crashes, with nsj --sandbox k8s://shop/web-7d9f`},
		{"crashed", `container crashed is Kubernetes container "nginx" of pod shop/web-7d9f, and is stopped (kubelet restarts it, not ctr): join its running instance with nsj k8s://shop/web-7d9f/nginx`},
		{"sb", "container sb is the sandbox of Kubernetes pod shop/web-7d9f, and is stopped: the pod is stopped (kubelet starts it again, not ctr); see nsj --list --pods"},
	}
	for _, tt := range tests {
		_, err := testClient(s, KubernetesNamespace, true).Find(context.Background(), tt.ref)
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(fmt.Sprint(err), tt.want) || strings.Contains(fmt.Sprint(err), "task start") {
			t.Errorf("Find(%q) = %v, want %q", tt.ref, err, tt.want)
		}
	}
}
