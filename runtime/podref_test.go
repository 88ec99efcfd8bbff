package runtime

import (
	"strings"
	"testing"
)

func TestParsePodRef(t *testing.T) {
	tests := []struct {
		in, podNamespace string
		want             PodRef
		err              string // "" when in is accepted
	}{
		{in: "pod/web", want: PodRef{Name: "web"}},
		{in: "pod/web/nginx", podNamespace: "shop", want: PodRef{Namespace: "shop", Name: "web", Container: "nginx"}},
		{in: "k8s://web", want: PodRef{Name: "web"}},
		{in: "k8s://shop/web/nginx", want: PodRef{Namespace: "shop", Name: "web", Container: "nginx"}},
		{in: "k8s://shop/web", podNamespace: "shop", want: PodRef{Namespace: "shop", Name: "web"}},
		{in: "pod/", err: `"pod/": name a pod as pod/NAME`},
		{in: "pod/a/b/c", err: "pod/NAME or pod/NAME/CONTAINER"},
		{in: "k8s://a/b/c/d", err: "k8s://NAMESPACE/NAME/CONTAINER"},
		{in: "k8s://shop/web", podNamespace: "x", err: `names pod namespace "shop", --pod-namespace "x"; give one`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if !IsPodRef(tt.in) {
				t.Fatalf("IsPodRef(%q) = false", tt.in)
			}
			got, err := ParsePodRef(tt.in, tt.podNamespace)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %+v, %v; want an error about %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if IsPodRef("3f2a") || IsPodRef("podman") {
		t.Error("a task ID taken for a pod")
	}
}
