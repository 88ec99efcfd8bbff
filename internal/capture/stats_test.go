package capture

import (
	"reflect"
	"testing"

	"github.com/nsj-dev/nsj/internal/capture/pcapng"
)

func TestTcpdumpStatsAreReadOnceIntoNumbers(t *testing.T) {
	s, rest := tcpdumpStats([]string{
		"tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
		"12 packets captured",
		"1 packet received by filter",
		"3 packets dropped by kernel",
		"2 packets dropped by interface",
		"7 dwarves",
	})
	want := pcapng.Stats{Delivered: 12, Received: 1, Dropped: 5, Has: pcapng.HasDelivered | pcapng.HasReceived | pcapng.HasDropped}
	if s != want {
		t.Errorf("read %+v, want %+v", s, want)
	}
	if wantRest := []string{"tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes", "7 dwarves"}; !reflect.DeepEqual(rest, wantRest) {
		t.Errorf("left %q, want %q", rest, wantRest)
	}
	if s, _ := tcpdumpStats([]string{"tcpdump: The interface disappeared"}); s.Has != 0 {
		t.Errorf("counts read from no counts: %+v", s)
	}
}
