// Package forwardspec reads the forwards of nsj -L/-R and kubectl nsj -R,
// [BIND:]PORT:HOST:HOSTPORT in ssh's habit, without resolving any name.
// Portable, no cgo: kubectl-nsj uses it on any OS.
package forwardspec

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Direction is which side listens: Local (-L) listens on the host and
// dials inside the container's network namespace; Remote (-R) the reverse.
type Direction int

const (
	Local  Direction = iota // -L: listen on the host, dial in the container
	Remote                  // -R: listen in the container, dial on the host
)

// Flag is the option that gives a forward of this direction.
func (d Direction) Flag() string {
	if d == Remote {
		return "-R"
	}
	return "-L"
}

// Spec is one forward as the command line gives it: [BIND:]PORT:HOST:HOSTPORT.
type Spec struct {
	Dir    Direction
	Listen netip.AddrPort // BIND (default 127.0.0.1) and PORT
	Dial   netip.AddrPort // HOST and HOSTPORT
	Text   string         // as given, for messages
}

// String is the spec as the command line gives it: "-L 8080:127.0.0.1:80".
func (s Spec) String() string { return s.Dir.Flag() + " " + s.Text }

// Parse reads [BIND:]PORT:HOST:HOSTPORT. BIND and HOST are IP literals
// (an IPv6 one in brackets: [::1]) or localhost (127.0.0.1): no name is
// ever resolved, in either network namespace. PORT 0 asks the kernel for a
// free port.
func Parse(d Direction, text string) (Spec, error) {
	s := Spec{Dir: d, Text: text}
	fields, err := splitFields(text)
	if err != nil {
		return s, fmt.Errorf("%s %q: %w", d.Flag(), text, err)
	}
	bind := "127.0.0.1"
	if len(fields) == 4 {
		bind, fields = fields[0], fields[1:]
	}
	if len(fields) != 3 {
		return s, fmt.Errorf("%s %q: want [BIND:]PORT:HOST:HOSTPORT, e.g. %s 8080:127.0.0.1:80", d.Flag(), text, d.Flag())
	}
	if s.Listen, err = addrPort(bind, fields[0], true); err != nil {
		return s, fmt.Errorf("%s %q: %w", d.Flag(), text, err)
	}
	if s.Dial, err = addrPort(fields[1], fields[2], false); err != nil {
		return s, fmt.Errorf("%s %q: %w", d.Flag(), text, err)
	}
	return s, nil
}

// splitFields splits at the colons outside brackets, and unwraps [IPv6].
func splitFields(text string) ([]string, error) {
	var out []string
	for text != "" {
		if strings.HasPrefix(text, "[") {
			end := strings.Index(text, "]")
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in an IPv6 address")
			}
			out = append(out, text[1:end])
			text = text[end+1:]
			if text != "" && !strings.HasPrefix(text, ":") {
				return nil, fmt.Errorf("a colon must follow ]")
			}
			text = strings.TrimPrefix(text, ":")
			continue
		}
		field, rest, found := strings.Cut(text, ":")
		out = append(out, field)
		text = rest
		if found && rest == "" {
			out = append(out, "")
		}
	}
	return out, nil
}

// addrPort reads an address (IP literal or localhost) and a port; a
// listening port may be 0.
func addrPort(host, port string, listen bool) (netip.AddrPort, error) {
	var ap netip.AddrPort
	addr, err := parseHost(host)
	if err != nil {
		return ap, err
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || (n == 0 && !listen) {
		return ap, fmt.Errorf("port %q: want a number from 1 to 65535", port)
	}
	return netip.AddrPortFrom(addr, uint16(n)), nil
}

// parseHost reads an IP literal or localhost; nsj resolves no names.
func parseHost(host string) (netip.Addr, error) {
	if host == "localhost" {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("address %q: want an IP address or localhost (nsj resolves no names)", host)
	}
	return addr.Unmap(), nil
}

// Network is "tcp4" or "tcp6" for an address, so that Go never picks the
// other family (or looks anything up).
func Network(a netip.AddrPort) string {
	if a.Addr().Is4() {
		return "tcp4"
	}
	return "tcp6"
}

// TCPAddr is a as the net package takes it.
func TCPAddr(a netip.AddrPort) *net.TCPAddr { return net.TCPAddrFromAddrPort(a) }
