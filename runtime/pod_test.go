package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/pkg/filters"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// podStore is an in-memory CRI containerd: one namespace, containers
// filtered with containerd's own filter language, calls counted.
type podStore struct {
	ctrs  []container
	tsks  []taskState
	calls map[string]int
}

func (s *podStore) count(name string) {
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[name]++
}

func (s *podStore) container(context.Context, string, string) (container, error) {
	s.count("container")
	return container{}, errors.New("not used by pods")
}

func (s *podStore) containers(_ context.Context, ns string, fs ...string) ([]container, error) {
	s.count("containers")
	f, err := filters.ParseAll(fs...)
	if err != nil {
		return nil, err
	}
	var out []container
	for _, c := range s.ctrs {
		labels := c.Labels
		adaptor := filters.AdapterFunc(func(fp []string) (string, bool) {
			if len(fp) == 2 && fp[0] == "labels" {
				v, ok := labels[fp[1]]
				return v, ok
			}
			return "", false
		})
		if ns == KubernetesNamespace && f.Match(adaptor) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *podStore) task(context.Context, string, string) (taskState, error) {
	s.count("task")
	return taskState{}, errors.New("not used by pods")
}

func (s *podStore) tasks(context.Context, string) ([]taskState, error) {
	s.count("tasks")
	return s.tsks, nil
}

func (s *podStore) namespaces(context.Context) ([]string, error) {
	s.count("namespaces")
	return []string{KubernetesNamespace}, nil
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// member is a CRI container of the fake node: pod "ns/name", its uid,
// container name ("" for the sandbox), age in minutes, spec namespaces.
type member struct {
	id, pod, uid, name string
	minute             int
	nss                []specs.LinuxNamespace
	meta               string // CRI sandbox metadata JSON
}

const netnsFile = "/run/netns/cni-1"

var (
	podNet = []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: netnsFile}, {Type: specs.PIDNamespace},
		{Type: specs.IPCNamespace}, {Type: specs.UTSNamespace}}
	appNet = []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: netnsFile}, {Type: specs.PIDNamespace},
		{Type: specs.IPCNamespace, Path: "/proc/10/ns/ipc"}, {Type: specs.UTSNamespace, Path: "/proc/10/ns/uts"}}
	appSharedPID = []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: netnsFile},
		{Type: specs.PIDNamespace, Path: "/proc/10/ns/pid"}, {Type: specs.IPCNamespace, Path: "/proc/10/ns/ipc"}}
	hostNet = []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}}
)

func (m member) container() container {
	ns, name, _ := strings.Cut(m.pod, "/")
	labels := map[string]string{criPodNamespace: ns, criPodName: name, criPodUID: m.uid, criKind: KindSandbox}
	if m.name != "" {
		labels[criKind], labels[criContainer] = KindContainer, m.name
	}
	b, _ := json.Marshal(nsSpec(m.nss...))
	c := container{ID: m.id, Labels: labels, CreatedAt: epoch.Add(time.Duration(m.minute) * time.Minute),
		Spec: &anyValue{TypeURL: "types.containerd.io/opencontainers/runtime-spec/1/Spec", Value: b}}
	if m.meta != "" {
		c.Extensions = map[string]anyValue{sandboxMetadataExtension: {
			TypeURL: "github.com/containerd/cri/pkg/store/sandbox/Metadata", Value: []byte(m.meta)}}
	}
	return c
}

// node is the fake node the pod tests look at.
func node() *podStore {
	annotated := `{"Version":"v1","Metadata":{"Config":{"annotations":{"kubectl.kubernetes.io/default-container":"app"}}}}`
	members := []member{
		{id: "sb-single", pod: "default/single", uid: "u1", nss: podNet},
		{id: "c-single", pod: "default/single", uid: "u1", name: "nginx", minute: 1, nss: appNet},
		{id: "sb-multi", pod: "shop/multi", uid: "u2", nss: podNet},
		{id: "c-multi-app", pod: "shop/multi", uid: "u2", name: "app", minute: 1, nss: appNet},
		{id: "c-multi-side", pod: "shop/multi", uid: "u2", name: "sidecar", minute: 1, nss: appNet},
		{id: "sb-annot", pod: "shop/annotated", uid: "u3", nss: podNet, meta: annotated},
		{id: "c-annot-app", pod: "shop/annotated", uid: "u3", name: "app", minute: 1, nss: appNet},
		{id: "c-annot-side", pod: "shop/annotated", uid: "u3", name: "sidecar", minute: 1, nss: appNet},
		// restarted: attempt 0 exited, attempt 1 runs, attempt 2 exited again
		{id: "sb-restart", pod: "default/restart", uid: "u4", nss: podNet},
		{id: "c-restart-0", pod: "default/restart", uid: "u4", name: "app", minute: 1, nss: appNet},
		{id: "c-restart-1", pod: "default/restart", uid: "u4", name: "app", minute: 2, nss: appNet},
		{id: "c-restart-2", pod: "default/restart", uid: "u4", name: "app", minute: 3, nss: appNet},
		{id: "sb-crash", pod: "default/crash", uid: "u5", nss: podNet},
		{id: "c-crash", pod: "default/crash", uid: "u5", name: "app", minute: 1, nss: appNet},
		{id: "sb-dead", pod: "default/dead", uid: "u6", nss: podNet},
		{id: "c-dead", pod: "default/dead", uid: "u6", name: "app", minute: 1, nss: appNet},
		// recreated with the same name: the old pod's sandbox is stopped
		{id: "sb-again-old", pod: "default/again", uid: "old", nss: podNet},
		{id: "c-again-old", pod: "default/again", uid: "old", name: "app", minute: 1, nss: appNet},
		{id: "sb-again-new", pod: "default/again", uid: "new", minute: 5, nss: podNet},
		{id: "c-again-new", pod: "default/again", uid: "new", name: "app", minute: 6, nss: appNet},
		{id: "sb-host", pod: "kube-system/proxy", uid: "u7", nss: hostNet},
		{id: "c-host", pod: "kube-system/proxy", uid: "u7", name: "proxy", minute: 1, nss: hostNet},
		{id: "sb-shared", pod: "default/shared", uid: "u8", nss: podNet},
		{id: "c-shared", pod: "default/shared", uid: "u8", name: "app", minute: 1, nss: appSharedPID},
		{id: "sb-empty", pod: "default/empty", uid: "u9", nss: podNet,
			meta: `{"Metadata":{"Config":{"linux":{"security_context":{"namespace_options":{"pid":0}}}}}}`},
	}
	s := &podStore{}
	pid := uint32(100)
	for _, m := range members {
		s.ctrs = append(s.ctrs, m.container())
		switch m.id {
		case "c-restart-0", "c-restart-2", "c-crash", "c-again-old":
			s.tsks = append(s.tsks, taskState{ID: m.id, Status: StatusStopped})
		case "sb-dead", "c-dead", "sb-again-old":
			s.tsks = append(s.tsks, taskState{ID: m.id, Status: StatusStopped})
		case "c-multi-side":
			// no task: CRI removed it after the exit
		default:
			pid++
			s.tsks = append(s.tsks, taskState{ID: m.id, PID: pid, Status: StatusRunning})
		}
	}
	return s
}

func TestFindPod(t *testing.T) {
	tests := []struct {
		name     string
		ref      PodRef
		sandbox  bool
		wantID   string
		wantName string // the container name; "" for the sandbox
		wantWhy  string // part of Fallback
		wantKind error
		wantMsg  string
	}{
		{name: "only container", ref: PodRef{Name: "single"}, wantID: "c-single", wantName: "nginx"},
		{name: "named container", ref: PodRef{Namespace: "shop", Name: "multi", Container: "app"}, wantID: "c-multi-app", wantName: "app"},
		{name: "default-container annotation", ref: PodRef{Namespace: "shop", Name: "annotated"}, wantID: "c-annot-app", wantName: "app"},
		{name: "named beats the annotation", ref: PodRef{Namespace: "shop", Name: "annotated", Container: "sidecar"},
			wantID: "c-annot-side", wantName: "sidecar"},
		{name: "several containers", ref: PodRef{Namespace: "shop", Name: "multi"}, wantKind: ErrAmbiguous,
			wantMsg: "pod shop/multi has several containers: app, sidecar; name one: pod/multi/CONTAINER"},
		{name: "no such container", ref: PodRef{Name: "single", Container: "db"}, wantKind: ErrNotFound,
			wantMsg: `pod default/single has no container "db" (it has: nginx); see nsj --list --pods`},
		{name: "no such pod", ref: PodRef{Name: "nope"}, wantKind: ErrNotFound,
			wantMsg: `no pod default/nope in containerd namespace "k8s.io" (containerd at /run/containerd/containerd.sock); see nsj --list --pods`},
		{name: "other pod namespace", ref: PodRef{Name: "multi"}, wantKind: ErrNotFound, wantMsg: "no pod default/multi"},
		{name: "running instance of a restarted container", ref: PodRef{Name: "restart", Container: "app"}, wantID: "c-restart-1", wantName: "app"},
		{name: "crash-looping: the sandbox", ref: PodRef{Name: "crash"}, wantID: "sb-crash",
			wantWhy: `container "app" of pod default/crash is not running (its newest instance, c-crash, is stopped)`},
		{name: "exited, task removed: the sandbox", ref: PodRef{Namespace: "shop", Name: "multi", Container: "sidecar"}, wantID: "sb-multi",
			wantWhy: "c-multi-side, is exited, its task removed"},
		{name: "no containers: the sandbox", ref: PodRef{Name: "empty"}, wantID: "sb-empty", wantWhy: "pod default/empty has no containers"},
		{name: "--sandbox", ref: PodRef{Name: "single"}, sandbox: true, wantID: "sb-single"},
		{name: "stopped pod", ref: PodRef{Name: "dead"}, wantKind: ErrNotRunning,
			wantMsg: `container "app" of pod default/dead is not running (its newest instance, c-dead, is stopped), and neither is the pod's sandbox (stopped): the pod is stopped`},
		{name: "stopped pod, --sandbox", ref: PodRef{Name: "dead"}, sandbox: true, wantKind: ErrNotRunning,
			wantMsg: "the sandbox of pod default/dead is stopped"},
		{name: "recreated pod: the running one", ref: PodRef{Name: "again"}, wantID: "c-again-new", wantName: "app"},
		{name: "not a name", ref: PodRef{Name: `a"b`}, wantKind: ErrNotFound, wantMsg: "is not a Kubernetes name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := node()
			got, err := testClient(s, KubernetesNamespace, true).FindPod(context.Background(), tt.ref, tt.sandbox)
			if tt.wantKind != nil {
				if !errors.Is(err, tt.wantKind) || !strings.Contains(fmt.Sprint(err), tt.wantMsg) {
					t.Fatalf("got %v, want %v containing %q", err, tt.wantKind, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Target.ID != tt.wantID || got.Container != tt.wantName || got.Sandbox() != (tt.wantName == "") {
				t.Errorf("got %s (container %q), want %s (%q)", got.Target.ID, got.Container, tt.wantID, tt.wantName)
			}
			if !strings.Contains(got.Fallback, tt.wantWhy) || (tt.wantWhy == "") != (got.Fallback == "") {
				t.Errorf("fallback %q, want %q", got.Fallback, tt.wantWhy)
			}
			if s.calls["containers"] != 1 || s.calls["tasks"] != 1 || len(s.calls) != 2 {
				t.Errorf("calls %v, want one containers and one tasks call", s.calls)
			}
		})
	}
}

func TestPodNamespaces(t *testing.T) {
	restore := isOwnNamespace
	t.Cleanup(func() { isOwnNamespace = restore })
	isOwnNamespace = func(typ, path string) bool { return path == "/proc/1/ns/net" }
	s := node()
	s.ctrs = append(s.ctrs,
		member{id: "sb-hostpath", pod: "default/hostpath", uid: "h", nss: []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}}}.container(),
		member{id: "sb-metahost", pod: "default/metahost", uid: "m", nss: podNet,
			meta: `{"Metadata":{"Config":{"linux":{"security_context":{"namespace_options":{"network":2,"pid":1}}}}}}`}.container(),
		member{id: "sb-metanet", pod: "default/metanet", uid: "n", nss: []specs.LinuxNamespace{{Type: specs.NetworkNamespace}},
			meta: `{"Metadata":{"NetNSPath":"/var/run/netns/cni-9"}}`}.container())
	tests := []struct {
		pod         string
		netns       string
		host, share bool
	}{
		{pod: "default/single", netns: netnsFile},
		{pod: "kube-system/proxy", host: true},
		{pod: "default/hostpath", host: true},
		{pod: "default/metahost", host: true},
		{pod: "default/shared", netns: netnsFile, share: true},
		{pod: "default/empty", netns: netnsFile, share: true}, // no containers: CRI's pid mode POD
		{pod: "default/metanet", netns: "/var/run/netns/cni-9"},
	}
	pods, err := testClient(s, KubernetesNamespace, true).ListPods(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Pod{}
	for _, p := range pods {
		byName[p.Namespace+"/"+p.Name] = p
	}
	for _, tt := range tests {
		p := byName[tt.pod]
		if p.NetNSPath != tt.netns || p.HostNetwork != tt.host || p.SharedPID != tt.share {
			t.Errorf("%s: netns %q, host %v, shared pid %v; want %q, %v, %v", tt.pod, p.NetNSPath, p.HostNetwork, p.SharedPID,
				tt.netns, tt.host, tt.share)
		}
	}
}

func TestListPods(t *testing.T) {
	tests := []struct {
		podNamespace string
		want         []string // namespace/name/uid: containers
	}{
		{podNamespace: "shop", want: []string{"shop/annotated/u3: c-annot-app c-annot-side", "shop/multi/u2: c-multi-app c-multi-side"}},
		{podNamespace: "kube-system", want: []string{"kube-system/proxy/u7: c-host"}},
		{podNamespace: "none"},
		{want: []string{"default/again/old: c-again-old", "default/again/new: c-again-new", "default/crash/u5: c-crash",
			"default/dead/u6: c-dead", "default/empty/u9:", "default/restart/u4: c-restart-2 c-restart-1 c-restart-0",
			"default/shared/u8: c-shared", "default/single/u1: c-single", "kube-system/proxy/u7: c-host",
			"shop/annotated/u3: c-annot-app c-annot-side", "shop/multi/u2: c-multi-app c-multi-side"}},
	}
	for _, tt := range tests {
		t.Run(tt.podNamespace, func(t *testing.T) {
			s := node()
			pods, err := testClient(s, KubernetesNamespace, true).ListPods(context.Background(), tt.podNamespace)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pods {
				line := p.Namespace + "/" + p.Name + "/" + p.UID + ":"
				for _, c := range p.Containers {
					line += " " + c.ID
				}
				got = append(got, line)
				if p.Sandbox == nil || p.Sandbox.Labels[criKind] != KindSandbox {
					t.Errorf("%s: sandbox %v", line, p.Sandbox)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			if s.calls["containers"] != 1 || s.calls["tasks"] != 1 {
				t.Errorf("calls %v, want one containers and one tasks call", s.calls)
			}
		})
	}
}

func TestShortID(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 4)
	for in, want := range map[string]string{long: "0123456789ab", "web-7d9f": "web-7d9f", long[:63] + "X": long[:63] + "X"} {
		if got := ShortID(in); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", in, got, want)
		}
	}
}
