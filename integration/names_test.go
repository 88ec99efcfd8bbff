package integration

import (
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/integration/harness"
)

// nerdctl v2.x is not served by the Go module proxy this project can reach
// (go install github.com/containerd/nerdctl/v2/cmd/nerdctl@v2.3.0: 403), so
// these tests make what nerdctl run --name makes: a container carrying its
// name in the label nerdctl/name, through the containerd client.

func TestNerdctlNameJoinsTheContainer(t *testing.T) {
	c := harness.SharedContainerd(t)
	name, id := harness.UniqueID("api"), harness.UniqueID("nerdctl")
	c.RunTask(t, "default", id, harness.WithLabels(map[string]string{"nerdctl/name": name}))
	if got := strings.TrimSpace(harness.NsjAt(t, c, name, "hostname").OK(t)); got != id {
		t.Fatalf("nsj %s hostname printed %q, want the container's %s", name, got, id)
	}
	table := harness.NsjAt(t, c, "--list", "-n", "default").OK(t)
	if !strings.Contains(table, "NAME") || !strings.Contains(table, " "+name+" ") {
		t.Fatalf("--list does not show the nerdctl name %s:\n%s", name, table)
	}
}

func TestNerdctlPausedContainerHintsNerdctlUnpause(t *testing.T) {
	c := harness.SharedContainerd(t)
	name := harness.UniqueID("paused-api")
	c.RunTask(t, "nsj-nerdctl", harness.UniqueID("nerdctl"), harness.WithLabels(map[string]string{"nerdctl/name": name}), harness.TaskPaused())
	r := harness.NsjAt(t, c, name, "true")
	r.OK(t)
	want := "`nerdctl -a " + c.Address + " -n nsj-nerdctl unpause " + name + "`"
	if !strings.Contains(r.Stderr, want) {
		t.Fatalf("paused warning %q does not say %s", r.Stderr, want)
	}
}

func TestTwoNerdctlNamesAreAmbiguous(t *testing.T) {
	c := harness.SharedContainerd(t)
	name := harness.UniqueID("twice")
	labels := harness.WithLabels(map[string]string{"nerdctl/name": name})
	c.RunTask(t, "nsj-nerdctl-a", harness.UniqueID("one"), labels)
	c.RunTask(t, "nsj-nerdctl-b", harness.UniqueID("two"), labels)
	r := harness.NsjAt(t, c, name, "true")
	r.Fails(t, 125, `"`+name+`" names 2 containers`)
	for _, want := range []string{"nsj -n nsj-nerdctl-a " + name, "nsj -n nsj-nerdctl-b " + name} {
		if !strings.Contains(r.Stderr, want) {
			t.Fatalf("ambiguity error %q does not say %q", r.Stderr, want)
		}
	}
}

func TestContainerAfterTheCommandSaysTheOrder(t *testing.T) {
	c := harness.SharedContainerd(t)
	id := harness.UniqueID("web")
	c.RunTask(t, "nsj-order", id)
	r := harness.NsjAt(t, c, "-n", "nsj-order", "ps", "-ef", id)
	r.Fails(t, 125, `"ps" was taken as the container, but no container is called so, and "-ef" is not a command`)
	if want := "nsj -a " + c.Address + " -n nsj-order " + id + " ps -ef"; !strings.Contains(r.Stderr, want) {
		t.Fatalf("error %q does not show the right order %q", r.Stderr, want)
	}
	harness.NsjAt(t, c, "-n", "nsj-order", "ps", "-ef", "nothing-"+id).Fails(t, 125, "nsj [flags] CONTAINER ps -ef nothing-"+id)
	// A container really called ps is the target, and -ef the command.
	c.RunTask(t, "nsj-order-ps", "ps")
	harness.NsjAt(t, c, "-n", "nsj-order-ps", "ps", "-ef").Fails(t, 127, "-ef: command not found")
	if got := strings.TrimSpace(harness.NsjAt(t, c, "-n", "nsj-order-ps", "ps", "hostname").OK(t)); got != "ps" {
		t.Fatalf("nsj ps hostname in the container called ps printed %q", got)
	}
}
