package integration

import (
	"strings"
	"testing"
)

// nerdctl v2.x is not served by the Go module proxy this project can reach
// (go install github.com/containerd/nerdctl/v2/cmd/nerdctl@v2.3.0: 403), so
// these tests make what nerdctl run --name makes: a container carrying its
// name in the label nerdctl/name, through the containerd client.

func TestNerdctlNameJoinsTheContainer(t *testing.T) {
	c := sharedContainerd(t)
	name, id := uniqueID("api"), uniqueID("nerdctl")
	c.RunTask(t, "default", id, WithLabels(map[string]string{"nerdctl/name": name}))
	if got := strings.TrimSpace(nsjAt(t, c, name, "hostname").ok(t)); got != id {
		t.Fatalf("nsj %s hostname printed %q, want the container's %s", name, got, id)
	}
	table := nsjAt(t, c, "--list", "-n", "default").ok(t)
	if !strings.Contains(table, "NAME") || !strings.Contains(table, " "+name+" ") {
		t.Fatalf("--list does not show the nerdctl name %s:\n%s", name, table)
	}
}

func TestNerdctlPausedContainerHintsNerdctlUnpause(t *testing.T) {
	c := sharedContainerd(t)
	name := uniqueID("paused-api")
	c.RunTask(t, "nsj-nerdctl", uniqueID("nerdctl"), WithLabels(map[string]string{"nerdctl/name": name}), TaskPaused())
	r := nsjAt(t, c, name, "true")
	r.ok(t)
	want := "`nerdctl -a " + c.Address + " -n nsj-nerdctl unpause " + name + "`"
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("paused warning %q does not say %s", r.stderr, want)
	}
}

func TestTwoNerdctlNamesAreAmbiguous(t *testing.T) {
	c := sharedContainerd(t)
	name := uniqueID("twice")
	labels := WithLabels(map[string]string{"nerdctl/name": name})
	c.RunTask(t, "nsj-nerdctl-a", uniqueID("one"), labels)
	c.RunTask(t, "nsj-nerdctl-b", uniqueID("two"), labels)
	r := nsjAt(t, c, name, "true")
	r.fails(t, 125, `"`+name+`" names 2 containers`)
	for _, want := range []string{"nsj -n nsj-nerdctl-a " + name, "nsj -n nsj-nerdctl-b " + name} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("ambiguity error %q does not say %q", r.stderr, want)
		}
	}
}

func TestContainerAfterTheCommandSaysTheOrder(t *testing.T) {
	c := sharedContainerd(t)
	id := uniqueID("web")
	c.RunTask(t, "nsj-order", id)
	r := nsjAt(t, c, "-n", "nsj-order", "ps", "-ef", id)
	r.fails(t, 125, `"ps" was taken as the container, but no container is called so, and "-ef" is not a command`)
	if want := "nsj -a " + c.Address + " -n nsj-order " + id + " ps -ef"; !strings.Contains(r.stderr, want) {
		t.Fatalf("error %q does not show the right order %q", r.stderr, want)
	}
	nsjAt(t, c, "-n", "nsj-order", "ps", "-ef", "nothing-"+id).fails(t, 125, "nsj [flags] CONTAINER ps -ef nothing-"+id)
	// A container really called ps is the target, and -ef the command.
	c.RunTask(t, "nsj-order-ps", "ps")
	nsjAt(t, c, "-n", "nsj-order-ps", "ps", "-ef").fails(t, 127, "-ef: command not found")
	if got := strings.TrimSpace(nsjAt(t, c, "-n", "nsj-order-ps", "ps", "hostname").ok(t)); got != "ps" {
		t.Fatalf("nsj ps hostname in the container called ps printed %q", got)
	}
}
