package runtime

import (
	"errors"
	"slices"
	"testing"
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
		{"a value may hold '='", []string{"app=web=1"}, "", nil, "app=web=1"},
		{"pod namespace: its containers, not sandboxes", nil, "shop", []string{"shop-api"}, `pod namespace "shop"`},
		{"pod namespace and a label", []string{"app=web"}, "shop", nil, `app=web, pod namespace "shop"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSelector(tt.exprs, tt.podNS)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tk := range s.Select(tasks) {
				got = append(got, tk.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("selected %q, want %q", got, tt.want)
			}
			if s.String() != tt.String {
				t.Errorf("String() = %q, want %q", s.String(), tt.String)
			}
		})
	}
}

func TestParseSelectorRejectsWhatIsNotKeyValue(t *testing.T) {
	for _, expr := range []string{"app", "", "=web"} {
		if _, err := ParseSelector([]string{"ok=1", expr}, ""); !errors.Is(err, ErrBadSelector) {
			t.Errorf("ParseSelector(%q) = %v, want ErrBadSelector", expr, err)
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
