package runtime

import (
	"context"
	"errors"
	"maps"
	"testing"
)

// TestNotFoundAsksOnlyWhatTheLookupDidNotSee: the calls Find makes for a
// word that names nothing are the lookup's and, after it, only what the
// message needs and the lookup did not ask, each once: nothing more where
// the lookup listed the namespaces; where one namespace was given, its
// tasks counted, and the containerd's namespaces asked only if it has
// none; on a node of several, one Namespaces each.
func TestNotFoundAsksOnlyWhatTheLookupDidNotSee(t *testing.T) {
	lookup := map[string]int{"container": 1, "containers": 1} // the exact ID in the namespace given, then one List
	with := func(extra map[string]int) map[string]int {
		m := maps.Clone(lookup)
		for k, v := range extra {
			m[k] += v
		}
		return m
	}
	tests := []struct {
		name       string
		ns         string // given; "": none
		node       bool   // twoContainerds, else world() alone
		ref        string
		first, sec map[string]int
	}{
		{name: "every namespace listed", ref: "zzz",
			first: map[string]int{"container": 1, "namespaces": 1, "containers": 4}},
		{name: "namespace given, there", ns: "default", ref: "zzz", first: with(map[string]int{"tasks": 1})},
		{name: "namespace given, empty", ns: "empty", ref: "zzz", first: with(map[string]int{"tasks": 1, "namespaces": 1})},
		{name: "namespace given, missing", ns: "k8s.i", ref: "zzz", first: with(map[string]int{"tasks": 1, "namespaces": 1})},
		{name: "node, namespace on one", ns: "k8s.io", node: true, ref: "nope",
			first: with(map[string]int{"namespaces": 1, "tasks": 1}), sec: with(map[string]int{"namespaces": 1})},
		{name: "node, namespace on none", ns: "Moby", node: true, ref: "web",
			first: with(map[string]int{"namespaces": 1}), sec: with(map[string]int{"namespaces": 1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, explicit := ResolveNamespace(tt.ns, env(nil))
			first, second := world(), dockerWorld()
			c := testClient(first, ns, explicit)
			if tt.node {
				c = twoContainerds(tt.ns, second)
				c.store = first
			}
			c.dockerChecked = true // no dockerd
			if _, err := c.Find(context.Background(), tt.ref); !errors.Is(err, ErrNotFound) {
				t.Fatalf("got %v, want not found", err)
			}
			if !maps.Equal(first.calls, tt.first) {
				t.Errorf("calls %v, want %v", first.calls, tt.first)
			}
			if tt.node && !maps.Equal(second.calls, tt.sec) {
				t.Errorf("second containerd: calls %v, want %v", second.calls, tt.sec)
			}
		})
	}
}
