// Command cni-eth0 is the integration tests' CNI plugin. On ADD it creates,
// inside the pod's network namespace only, a veth pair (eth0 and its peer
// eth0-peer: the test kernels have no dummy driver) with an address derived
// from the container ID on eth0 (in the network configuration's "subnet",
// a /24, if it names one: a cluster node's pod CIDR), and prints a CNI result; nothing is added
// to the host's namespace and no traffic can leave the pod. DEL, CHECK and
// STATUS have nothing to do: the interfaces go with the namespace.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

var versions = []string{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}

type config struct {
	CNIVersion string `json:"cniVersion"`
	Subnet     string `json:"subnet"` // A.B.C.0/24; "": 192.0.2.0/24
}

type iface struct {
	Name    string `json:"name"`
	Sandbox string `json:"sandbox"`
}

type ipConfig struct {
	Address   string `json:"address"`
	Interface *int   `json:"interface"`
	Version   string `json:"version,omitempty"` // 0.3.x results need it
}

type result struct {
	CNIVersion string     `json:"cniVersion"`
	Interfaces []iface    `json:"interfaces"`
	IPs        []ipConfig `json:"ips"`
}

func main() {
	if err := run(); err != nil {
		json.NewEncoder(os.Stdout).Encode(map[string]any{"cniVersion": "1.0.0", "code": 999, "msg": err.Error()})
		os.Exit(1)
	}
}

func run() error {
	var cfg config
	cmd := os.Getenv("CNI_COMMAND")
	if cmd == "VERSION" {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"cniVersion": "1.0.0", "supportedVersions": versions})
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(in, &cfg); err != nil {
		return fmt.Errorf("network configuration: %w", err)
	}
	if cmd != "ADD" {
		return nil
	}
	netns, name := os.Getenv("CNI_NETNS"), os.Getenv("CNI_IFNAME")
	sum := sha256.Sum256([]byte(os.Getenv("CNI_CONTAINERID")))
	prefix, err := subnetPrefix(cfg.Subnet)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("%s.%d/24", prefix, 2+int(sum[0])%250)
	if err := inNetns(netns, [][]string{
		{"ip", "link", "add", name, "type", "veth", "peer", "name", name + "-peer"},
		{"ip", "addr", "add", addr, "dev", name},
		{"ip", "link", "set", name + "-peer", "up"},
		{"ip", "link", "set", name, "up"},
	}); err != nil {
		return err
	}
	zero := 0
	ip := ipConfig{Address: addr, Interface: &zero}
	if cfg.CNIVersion < "0.4" && cfg.CNIVersion != "" {
		ip.Version = "4"
	}
	return json.NewEncoder(os.Stdout).Encode(result{CNIVersion: cfg.CNIVersion,
		Interfaces: []iface{{Name: name, Sandbox: netns}}, IPs: []ipConfig{ip}})
}

// subnetPrefix is the first three bytes of subnet, a /24, as A.B.C; of
// TEST-NET-1 (never routed) if subnet is "".
func subnetPrefix(subnet string) (string, error) {
	if subnet == "" {
		return "192.0.2", nil
	}
	ip, n, err := net.ParseCIDR(subnet)
	if err != nil {
		return "", fmt.Errorf("subnet %q: %w", subnet, err)
	}
	if ones, _ := n.Mask.Size(); ip.To4() == nil || ones != 24 {
		return "", fmt.Errorf("subnet %q: want an IPv4 /24 such as 198.19.1.0/24", subnet)
	}
	b := n.IP.To4()
	return fmt.Sprintf("%d.%d.%d", b[0], b[1], b[2]), nil
}

// inNetns runs commands in the network namespace at path: this thread joins
// it and stays locked (and is never reused), so the children it forks start
// there.
func inNetns(path string, cmds [][]string) error {
	runtime.LockOSThread()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns %s: %w", path, err)
	}
	for _, args := range cmds {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %w: %s", args, err, out)
		}
	}
	return nil
}
