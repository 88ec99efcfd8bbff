package main

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
)

// web's network: a veth pair, hostLink on the host and eth0 in web's
// network namespace, on a /30 of 10/8. Nothing else on the host changes:
// no route but the link's own, no iptables rule, no named netns, no CNI
// state. The pair is gone when web's network namespace is.
const (
	hostLink = "nsjplay0"
	peerLink = "nsjplay0p" // eth0 once in web's namespace
	hostAddr = "10.199.213.1/30"
	webAddr  = "10.199.213.2/30"
	webIP    = "10.199.213.2"
)

// setUpNetwork gives the container named name (its init at pid) its
// network: loopback up for every one; web, its veth pair besides.
func setUpNetwork(name string, pid uint32) error {
	in := func(args ...string) []string {
		return append([]string{"nsenter", "-t", strconv.Itoa(int(pid)), "-n", "ip"}, args...)
	}
	if name == "app" {
		return nil // no network to speak of: loopback down, as it starts
	}
	steps := [][]string{in("link", "set", "lo", "up")}
	if name == "web" {
		steps = append(steps,
			[]string{"ip", "link", "add", hostLink, "type", "veth", "peer", "name", peerLink},
			[]string{"ip", "link", "set", peerLink, "netns", strconv.Itoa(int(pid))},
			in("link", "set", peerLink, "name", "eth0"),
			in("addr", "add", webAddr, "dev", "eth0"),
			in("link", "set", "eth0", "up"),
			[]string{"ip", "addr", "add", hostAddr, "dev", hostLink},
			[]string{"ip", "link", "set", hostLink, "up"},
		)
	}
	for _, step := range steps {
		if out, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w: %s", strings.Join(step, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// linkFree says whether the host has no link named hostLink, which up
// checks before it starts anything: down then removes the one it finds.
func linkFree() error {
	if _, err := net.InterfaceByName(hostLink); err == nil {
		return fmt.Errorf("the host already has a link %s: run make playground-down, or remove it (ip link del %s)", hostLink, hostLink)
	}
	return nil
}

// removeLink removes the host side of web's veth pair if it is still
// there (web's namespace outlived its container).
func removeLink() error {
	if linkFree() == nil {
		return nil
	}
	if out, err := exec.Command("ip", "link", "del", hostLink).CombinedOutput(); err != nil {
		return fmt.Errorf("ip link del %s: %w: %s", hostLink, err, strings.TrimSpace(string(out)))
	}
	return nil
}
