package kubeplugin

import (
	"slices"
	"testing"
)

func TestCaptureArgsPickThePodsOnTheNode(t *testing.T) {
	c := &Capture{Selector: "app=web,tier!=canary", Namespace: "shop", Container: "app", Flags: []string{"-i", "eth0", "-c", "10"}, Filter: "port 80"}
	got, err := c.Args()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"nsj", "capture", "--stop-at-eof", "-w", "-", "-n", ContainerdNamespace, "--all",
		"--selector", "io.cri-containerd.kind=container", "--pod-namespace", "shop",
		"--selector", "io.kubernetes.container.name=app", "--selector", "app=web", "--selector", "tier!=canary",
		"-i", "eth0", "-c", "10", "--", "port 80"}
	if !slices.Equal(got, want) {
		t.Errorf("argv %q\nwant %q", got, want)
	}
	pod := &Capture{Pod: "cart-0", Container: "app", Namespace: "shop"}
	got, _ = pod.Args()
	if want := []string{"nsj", "capture", "--stop-at-eof", "-w", "-", "-n", ContainerdNamespace, "--pod-namespace", "shop", "pod/cart-0/app", "--", ""}; !slices.Equal(got, want) {
		t.Errorf("argv %q\nwant %q", got, want)
	}
	if _, err := (&Capture{Selector: "a>1"}).Args(); err == nil {
		t.Error("a selector nsj cannot apply was passed on")
	}
}
