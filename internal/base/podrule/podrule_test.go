package podrule

import "testing"

func TestDefaultContainer(t *testing.T) {
	annotated := func(name string) map[string]string {
		return map[string]string{AnnotationDefaultContainer: name}
	}
	for _, tt := range []struct {
		name     string
		pod      Pod
		want     string
		wantWhat Outcome
	}{
		{"one container", Pod{Containers: []string{"web"}}, "web", Chosen},
		{"restarted: three instances of one container", Pod{Containers: []string{"web", "web", "web"}}, "web", Chosen},
		{"crash-looping: still the pod's only container", Pod{Containers: []string{"app"}}, "app", Chosen},
		{"several, no annotation", Pod{Containers: []string{"web", "sidecar"}}, "", Several},
		{"several, restarted, no annotation", Pod{Containers: []string{"web", "sidecar", "web"}}, "", Several},
		{"no containers", Pod{}, "", NoContainers},
		{"init containers are not counted", Pod{Containers: []string{"web"}, Others: []string{"migrate"}}, "web", Chosen},
		{"the annotation picks among several", Pod{Containers: []string{"web", "sidecar"}, Annotations: annotated("sidecar")}, "sidecar", Chosen},
		{"the annotation may name an init container", Pod{Containers: []string{"web", "sidecar"}, Others: []string{"migrate"}, Annotations: annotated("migrate")}, "migrate", Chosen},
		{"the annotation names a missing container", Pod{Containers: []string{"web", "sidecar"}, Annotations: annotated("gone")}, "gone", AnnotatedMissing},
		{"a stale annotation is not overruled by a single container", Pod{Containers: []string{"web"}, Annotations: annotated("gone")}, "gone", AnnotatedMissing},
		{"an empty annotation is none", Pod{Containers: []string{"web"}, Annotations: annotated("")}, "web", Chosen},
		{"other annotations do not matter", Pod{Containers: []string{"web", "db"}, Annotations: map[string]string{"x": "db"}}, "", Several},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, what := DefaultContainer(tt.pod)
			if got != tt.want || what != tt.wantWhat {
				t.Errorf("DefaultContainer(%+v) = %q, %d; want %q, %d", tt.pod, got, what, tt.want, tt.wantWhat)
			}
		})
	}
}
