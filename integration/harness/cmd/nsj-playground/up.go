package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/containerd/containerd/v2/pkg/oci"
	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/runtime"
)

// namespace is the containerd namespace of the playground's containers:
// containerd's default, as nerdctl's.
const namespace = "default"

// up starts the playground, or prints the lines of the one already up.
func up(d stateDir, bin string) error {
	s, ok, err := d.load()
	if err != nil {
		return err
	}
	if ok {
		if !s.Containerd.Proc.Alive() {
			return fmt.Errorf("the playground recorded in %s is not running (its containerd, pid %d, is gone): remove it with make playground-down, then start it again", d, s.Containerd.Proc.PID)
		}
		fmt.Fprintln(os.Stderr, "nsj-playground: the playground is already up")
		printTry(s)
		return nil
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if err := linkFree(); err != nil {
		return err
	}
	harness.Detached = true
	start := time.Now()
	c, err := harness.NewContainerd()
	if err != nil {
		return err
	}
	s = State{Containerd: c.Saved(), Bin: bin}
	if err := d.save(s); err != nil { // from now on, down can remove it
		return fmt.Errorf("%w (stopping the containerd: %v)", err, c.Stop())
	}
	if err := populate(c); err != nil {
		return fmt.Errorf("%w\n(the playground is partly up: make playground-down removes it)", err)
	}
	fmt.Fprintf(os.Stderr, "nsj-playground: up in %s\n", time.Since(start).Round(100*time.Millisecond))
	printTry(s)
	return nil
}

// populate makes the root filesystems in c's directory (Stop removes
// them) and starts web, db and app.
func populate(c *harness.Containerd) error {
	busybox, distroless := filepath.Join(c.Dir, "busybox"), filepath.Join(c.Dir, "distroless")
	for dir, build := range map[string]func(string) error{busybox: harness.BuildBusyboxRootfs, distroless: harness.BuildDistrolessRootfs} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		if err := build(dir); err != nil {
			return fmt.Errorf("root filesystem %s: %w", dir, err)
		}
	}
	containers := []struct {
		name, rootfs string
		args         []string
	}{
		{"web", busybox, []string{"sh", "-c", "httpd -p 8080 -h /etc && exec sleep 1000000"}},
		{"db", busybox, []string{"sleep", "1000000"}},
		{"app", distroless, []string{"/sleep", "1000000"}},
	}
	for _, ctr := range containers {
		tk, err := c.StartTask(namespace, newID(), harness.WithRootfs(ctr.rootfs), harness.WithArgs(ctr.args...),
			harness.WithImageName("localhost/playground/"+ctr.name+":latest"),
			harness.WithLabels(map[string]string{runtime.NerdctlNameLabel: ctr.name}),
			harness.WithSpecOpts(oci.WithHostname(ctr.name)))
		if err != nil {
			return err
		}
		if err := setUpNetwork(ctr.name, tk.PID); err != nil {
			return err
		}
	}
	return nil
}

// newID is a container ID as nerdctl makes them: 64 hex digits.
func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// printTry prints the exports to paste and the commands to try.
func printTry(s State) {
	sock := filepath.Join(s.Containerd.Dir, "c.sock")
	fmt.Printf(`# A containerd of its own (not the node's) with three containers in namespace %q:
#   web  busybox httpd on :8080, eth0 %s (host side %s, %s)
#   db   busybox, loopback only
#   app  no shell, no tools (distroless-like)
# Paste these two lines into a root shell:
export CONTAINERD_ADDRESS=%s
export PATH=%s:$PATH
# then try:
nsj --list
nsj web ps -ef
nsj web ip addr show eth0
nsj web ss -tln
nsj db hostname
nsj --inspect app
nsj --fs container app busybox ls /
nsj web tcpdump -ni eth0 -c 4 port 8080    # then, in another shell: bash -c 'echo >/dev/tcp/%s/8080'
# make playground-down removes it all.
`, namespace, webAddr, hostLink, hostAddr, sock, s.Bin, webIP)
}
