package runtime

import (
	"errors"
	"slices"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/selector"
)

func TestSelectorPicksJoinableTasksWithEveryLabel(t *testing.T) {
	pod := func(ns string) map[string]string {
		return map[string]string{criPodNamespace: ns, criPodName: "p", criContainer: "c"}
	}
	tasks := []Target{
		{ID: "web", Status: StatusRunning, Labels: map[string]string{"app": "web", "tier": "front"}},
		{ID: "web-paused", Status: StatusPaused, Labels: map[string]string{"app": "web"}},
		{ID: "web-stopped", Status: StatusStopped, Labels: map[string]string{"app": "web"}},
		{ID: "web-created", Status: StatusCreated, Labels: map[string]string{"app": "web"}},
		{ID: "web-bare", Status: StatusNoTask, Labels: map[string]string{"app": "web"}},
		{ID: "db", Status: StatusRunning, Labels: map[string]string{"app": "db", "empty": ""}},
		{ID: "plain", Status: StatusRunning},
		{ID: "shop-api", Status: StatusRunning, Labels: pod("shop")},
		{ID: "kube-dns", Status: StatusRunning, Labels: pod("kube-system")},
		{ID: "shop-sandbox", Status: StatusRunning, Labels: map[string]string{criPodNamespace: "shop", criPodName: "p", criKind: KindSandbox}},
	}
	tests := []struct {
		name   string
		exprs  []string
		podNS  string
		want   []string
		String string
	}{
		{"nothing wanted: every joinable task", nil, "", []string{"web", "web-paused", "db", "plain", "shop-api", "kube-dns", "shop-sandbox"}, ""},
		{"one label", []string{"app=web"}, "", []string{"web", "web-paused"}, "app=web"},
		{"labels are ANDed", []string{"app=web", "tier=front"}, "", []string{"web"}, "app=web, tier=front"},
		{"a value must be equal", []string{"app=we"}, "", nil, "app=we"},
		{"an empty value matches an empty label", []string{"empty="}, "", []string{"db"}, "empty="},
		{"an empty value does not match a missing label", []string{"tier="}, "", nil, "tier="},
		{"inequality: another value or none", []string{"app!=web"}, "", []string{"db", "plain", "shop-api", "kube-dns", "shop-sandbox"}, "app!=web"},
		{"terms joined by commas, as kubectl -l", []string{"app=web,tier=front"}, "", []string{"web"}, "app=web, tier=front"},
		{"a bare key: the label is there", []string{"tier"}, "", []string{"web"}, "tier"},
		{"!key: the label is not there", []string{"!app"}, "", []string{"plain", "shop-api", "kube-dns", "shop-sandbox"}, "!app"},
		{"in", []string{"app in (db,web)"}, "", []string{"web", "web-paused", "db"}, "app in (db,web)"},
		{"pod namespace: its containers, not sandboxes", nil, "shop", []string{"shop-api"}, `pod namespace "shop"`},
		{"pod namespace and a label", []string{"app=web"}, "shop", nil, `app=web, pod namespace "shop"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := checkSelect(t, tt.exprs, tt.podNS, tasks, tt.want)
			if s.String() != tt.String {
				t.Errorf("String() = %q, want %q", s.String(), tt.String)
			}
		})
	}
}

func TestParseSelectorRejectsWhatIsNoSelector(t *testing.T) {
	for _, expr := range []string{"app=web=1", "", "=web", "app>1"} {
		if _, err := ParseSelector([]string{"ok=1", expr}, ""); !errors.Is(err, selector.ErrSyntax) {
			t.Errorf("ParseSelector(%q) = %v, want selector.ErrSyntax", expr, err)
		}
	}
}

func TestKubernetesNameNeedsAllThreeLabels(t *testing.T) {
	tests := []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{criPodNamespace: "shop", criPodName: "api-7d9f", criContainer: "server"}, "shop/api-7d9f/server"},
		{map[string]string{criPodNamespace: "shop", criPodName: "api-7d9f"}, ""}, // a pod's sandbox
		{map[string]string{"app": "web"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := KubernetesName(&Target{ID: "x", Labels: tt.labels}); got != tt.want {
			t.Errorf("KubernetesName(%v) = %q, want %q", tt.labels, got, tt.want)
		}
	}
}

func TestSelectorMatchesKubernetesContainersByTheirPodsLabels(t *testing.T) {
	sandbox := func(uid, status string, labels map[string]string) Target {
		l := map[string]string{criPodNamespace: "shop", criPodName: "p-" + uid, criPodUID: uid, criKind: KindSandbox}
		for k, v := range labels {
			l[k] = v
		}
		return Target{Namespace: KubernetesNamespace, ID: "sb-" + uid + "-" + status, Status: status, Labels: l}
	}
	app := func(uid, name string, imageLabels map[string]string) Target {
		l := map[string]string{criPodNamespace: "shop", criPodName: "p-" + uid, criPodUID: uid, criContainer: name, criKind: KindContainer}
		for k, v := range imageLabels {
			l[k] = v
		}
		return Target{Namespace: KubernetesNamespace, ID: uid + "-" + name, Status: StatusRunning, Labels: l}
	}
	kindContainer := criKind + "=" + KindContainer
	web, other := map[string]string{"app": "web"}, map[string]string{"app": "other"}
	tasks := []Target{
		sandbox("u1", StatusRunning, web), app("u1", "labelled-pod", other), // pod app=web, image app=other
		sandbox("u2", StatusRunning, nil), app("u2", "labelled-image", web), // image app=web only
		app("u3", "no-sandbox-listed", web),
		sandbox("u4", StatusStopped, web), sandbox("u4", StatusRunning, other), app("u4", "resandboxed", nil),
		{ID: "plain", Status: StatusRunning, Labels: web}, // not Kubernetes: its own labels
		{Namespace: "elsewhere", ID: "u1-same-uid", Status: StatusRunning, // another containerd namespace
			Labels: map[string]string{criPodUID: "u1", criKind: KindContainer}},
	}
	tests := []struct {
		name  string
		exprs []string
		podNS string
		want  []string
	}{
		{"the pod's label, not the image's", []string{"app=web"}, "", []string{"sb-u1-running", "u1-labelled-pod", "plain"}},
		{"the image's label is not seen; a pod with two sandboxes has the running one's", []string{"app=other"}, "", []string{"sb-u4-running", "u4-resandboxed"}},
		{"pod namespace and the pod's label", []string{"app=web"}, "shop", []string{"u1-labelled-pod"}},
		{"kubelet's own labels are on the sandbox too", []string{criPodName + "=p-u2"}, "shop", []string{"u2-labelled-image"}},
		{"the container's own CRI labels", []string{kindContainer, criContainer + "=labelled-pod"}, "", []string{"u1-labelled-pod"}},
		{"kind=container leaves sandboxes out", []string{kindContainer}, "shop", []string{"u1-labelled-pod", "u2-labelled-image", "u4-resandboxed"}},
		{"an app container without its sandbox matches no selector, not even !KEY", []string{"!app"}, "shop", []string{"u2-labelled-image"}},
		{"no label wanted: every joinable task", nil, "shop", []string{"u1-labelled-pod", "u2-labelled-image", "u3-no-sandbox-listed", "u4-resandboxed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSelect(t, tt.exprs, tt.podNS, tasks, tt.want)
		})
	}
}

// checkSelect parses a selector and checks the IDs of the tasks it selects.
func checkSelect(t *testing.T, exprs []string, podNS string, tasks []Target, want []string) Selector {
	t.Helper()
	s, err := ParseSelector(exprs, podNS)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range s.Select(tasks) {
		got = append(got, tk.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("selected %q, want %q", got, want)
	}
	return s
}
