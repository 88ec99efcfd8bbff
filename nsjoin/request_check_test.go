package nsjoin

import (
	"strings"
	"testing"
)

// Encode refuses numbers its u32 fields cannot hold: written as they are,
// they would wrap around to valid fds or resources.
func TestEncodeRefusesNumbersThatWouldWrap(t *testing.T) {
	const wraps = 1<<32 + 5 // 5 once cut to 32 bits
	for name, r := range map[string]*JoinRequest{
		"namespace fd": {Namespaces: []NamespaceFD{{"net", wraps}}, Path: "/bin/true", Args: []string{"true"}},
		"negative fd":  {Namespaces: []NamespaceFD{{"net", -1}}, Path: "/bin/true", Args: []string{"true"}},
		"exec fd": {Namespaces: []NamespaceFD{{"mnt", 3}}, ExecFD: wraps, ContainerFS: true, HostPrivileges: true,
			Path: "/bin/true", Args: []string{"true"}},
		"rlimit resource": func() *JoinRequest {
			r := confined()
			r.Confine.Rlimits = []Rlimit{{Resource: 1<<32 + 7}}
			return r
		}(),
	} {
		if _, err := r.Encode(); err == nil || !strings.Contains(err.Error(), "32-bit") {
			t.Errorf("%s: Encode: %v, want a 32-bit field error", name, err)
		}
	}
}

// What Encode refuses beyond that, it refuses because the constructor's
// decoder does, with the decoder's reason.
func TestEncodeGivesTheConstructorsReason(t *testing.T) {
	r := &JoinRequest{Namespaces: []NamespaceFD{{"net", maxFD + 1}}, Path: "/bin/true", Args: []string{"true"}}
	_, err := r.Encode()
	_, cErr := decodeInC(rawEncode(r))
	if err == nil || cErr == nil || !strings.HasSuffix(err.Error(), cErr.Error()) {
		t.Errorf("Encode: %v; the C decoder: %v", err, cErr)
	}
}
