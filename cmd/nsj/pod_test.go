package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/runtime"
)

func TestParsePodTargets(t *testing.T) {
	tests := []struct {
		args    []string
		want    runtime.PodRef
		command []string
		check   func(*options) bool
	}{
		{args: []string{"pod/web", "ss"}, want: runtime.PodRef{Name: "web"}, command: []string{"ss"}},
		{args: []string{"pod/web/nginx", "ss", "-tlnp"}, want: runtime.PodRef{Name: "web", Container: "nginx"}, command: []string{"ss", "-tlnp"}},
		{args: []string{"--pod-namespace", "shop", "pod/web"}, want: runtime.PodRef{Namespace: "shop", Name: "web"}},
		{args: []string{"k8s://web"}, want: runtime.PodRef{Name: "web"}},
		{args: []string{"k8s://shop/web"}, want: runtime.PodRef{Namespace: "shop", Name: "web"}},
		{args: []string{"k8s://shop/web/nginx", "sh"}, want: runtime.PodRef{Namespace: "shop", Name: "web", Container: "nginx"}, command: []string{"sh"}},
		{args: []string{"--pod-namespace", "shop", "k8s://shop/web"}, want: runtime.PodRef{Namespace: "shop", Name: "web"}},
		{args: []string{"--sandbox", "pod/web", "tcpdump"}, want: runtime.PodRef{Name: "web"}, command: []string{"tcpdump"},
			check: func(o *options) bool { return o.sandbox }},
		{args: []string{"--inspect", "k8s://shop/web"}, want: runtime.PodRef{Namespace: "shop", Name: "web"},
			check: func(o *options) bool { return o.inspect }},
		{args: []string{"-n", "other", "pod/web"}, want: runtime.PodRef{Name: "web"},
			check: func(o *options) bool { return o.ask().Containerd.Namespace == "other" }},
		{args: []string{"pod/web"}, want: runtime.PodRef{Name: "web"},
			check: func(o *options) bool { return o.ask().Containerd.Namespace == "k8s.io" && o.namespace == "" }},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if o.pod == nil || *o.pod != tt.want || !slices.Equal(o.command, tt.command) {
				t.Fatalf("pod %+v, command %q; want %+v, %q", o.pod, o.command, tt.want, tt.command)
			}
			if tt.check != nil && !tt.check(o) {
				t.Errorf("options %+v", o)
			}
		})
	}
}

func TestListPodsFlags(t *testing.T) {
	o, err := parseArgs([]string{"--list", "--pods", "--pod-namespace", "shop", "-o", "json"})
	if err != nil || !o.list || !o.pods || o.podNamespace != "shop" || o.output != "json" || o.pod != nil {
		t.Fatalf("got %+v, %v", o, err)
	}
}

func TestPodFlagsRejected(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"pod/"}, `"pod/": name a pod as pod/NAME`},
		{[]string{"pod/a/b/c"}, "pod/NAME or pod/NAME/CONTAINER"},
		{[]string{"pod//c"}, "pod/NAME or pod/NAME/CONTAINER"},
		{[]string{"k8s://"}, "k8s://NAME, k8s://NAMESPACE/NAME"},
		{[]string{"k8s://a/b/c/d"}, "k8s://NAMESPACE/NAME/CONTAINER"},
		{[]string{"--pod-namespace", "x", "k8s://shop/web"}, `names pod namespace "shop", --pod-namespace "x"; give one`},
		{[]string{"--sandbox", "pod/web/nginx"}, `--sandbox joins the pod's sandbox, not container "nginx"`},
		{[]string{"--sandbox", "3f2a", "sh"}, "--sandbox goes with nsj pod/NAME or --inspect pod/NAME, not nsj TASK"},
		{[]string{"--pods"}, "--pods goes with --list --pods, not nsj TASK"},
		{[]string{"--pods", "pod/web"}, "--pods goes with --list --pods, not nsj pod/NAME"},
		{[]string{"--list", "--pods", "-A"}, "-A goes with --list or --all, not --list --pods"},
		{[]string{"--list", "--pods", "extra"}, "--list --pods takes no arguments"},
		{[]string{"--list", "--pods", "--sandbox"}, "--sandbox goes with nsj pod/NAME or --inspect pod/NAME, not --list --pods"},
		{[]string{"--list", "--pods", "-o", "yaml"}, `--output "yaml"`},
		{[]string{"--inspect", "pod/web", "sh"}, "--inspect takes one target"},
		{[]string{"-j", "2", "pod/web", "sh"}, "-j goes with --all, not nsj pod/NAME"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) { wantUsageError(t, tt.args, tt.want) })
	}
}
