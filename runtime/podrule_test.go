package runtime

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// A pod whose default-container annotation names a container it does not
// have is refused, as kubectl nsj refuses it (internal/base/podrule), even when
// the pod has one container: the annotation's author meant another one.
func TestFindPodRefusesAStaleDefaultContainerAnnotation(t *testing.T) {
	stale := `{"Version":"v1","Metadata":{"Config":{"annotations":{"kubectl.kubernetes.io/default-container":"gone"}}}}`
	s := node()
	for _, m := range []member{
		{id: "sb-stale", pod: "default/stale", uid: "s1", nss: podNet, meta: stale},
		{id: "c-stale", pod: "default/stale", uid: "s1", name: "app", minute: 1, nss: appNet},
	} {
		s.ctrs = append(s.ctrs, m.container())
		s.tsks = append(s.tsks, taskState{ID: m.id, PID: 900, Status: StatusRunning})
	}
	_, err := testClient(s, KubernetesNamespace, true).FindPod(context.Background(), PodRef{Name: "stale"}, false)
	want := `pod default/stale names "gone" as its default container (annotation kubectl.kubernetes.io/default-container), but has no such container (it has: app); name one: pod/stale/CONTAINER`
	if !errors.Is(err, ErrNotFound) || fmt.Sprint(err) != want {
		t.Fatalf("got %v, want ErrNotFound: %s", err, want)
	}
	got, err := testClient(s, KubernetesNamespace, true).FindPod(context.Background(), PodRef{Name: "stale", Container: "app"}, false)
	if err != nil || got.Target.ID != "c-stale" {
		t.Fatalf("naming the container: %v, %v; want c-stale", got, err)
	}
}
