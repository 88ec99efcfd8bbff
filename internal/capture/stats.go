package capture

import (
	"strconv"
	"strings"

	"github.com/nsj-dev/nsj/internal/capture/pcapng"
)

// tcpdumpStats reads the counts that tcpdump prints on stderr as it exits
// (its pcap_stats): "N packets captured", "N packets received by filter",
// "N packets dropped by kernel" and, from some versions, "N packets
// dropped by interface". Lines that are not counts are returned as rest.
// Received goes to isb_ifrecv, the kernel's and the interface's drops
// together to isb_ifdrop, as Wireshark's dumpcap writes them; captured
// to isb_usrdeliv.
func tcpdumpStats(lines []string) (s pcapng.Stats, rest []string) {
	for _, line := range lines {
		n, what, ok := strings.Cut(strings.TrimSpace(line), " ")
		v, err := strconv.ParseUint(n, 10, 64)
		if !ok || err != nil {
			rest = append(rest, line)
			continue
		}
		what = strings.TrimPrefix(strings.TrimPrefix(what, "packets "), "packet ")
		switch what {
		case "captured":
			s.Delivered, s.Has = v, s.Has|pcapng.HasDelivered
		case "received by filter":
			s.Received, s.Has = v, s.Has|pcapng.HasReceived
		case "dropped by kernel", "dropped by interface":
			s.Dropped, s.Has = s.Dropped+v, s.Has|pcapng.HasDropped
		default:
			rest = append(rest, line)
		}
	}
	return s, rest
}
