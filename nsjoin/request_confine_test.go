package nsjoin

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/internal/base/creds"
	"golang.org/x/sys/unix"
)

// fuzzConfinement is a confinement whose values come from the fuzzer: the
// cgroup fd, the capability sets and groups from mask, the cgroup path.
func fuzzConfinement(cgroupFD int, mask uint8, path string) *Confinement {
	c := &Confinement{Creds: creds.Creds{
		Bounding: creds.Caps(mask) << 1, Effective: creds.Caps(mask), Permitted: creds.Caps(mask) << 32,
		UID: uint32(mask) * 1000, GID: uint32(mask), NoNewPrivs: mask&1 != 0,
	}, OOMScoreAdj: int(mask)*2000/255 - 1000}
	for i := range int(mask % 4) {
		c.Creds.Groups = append(c.Creds.Groups, uint32(i*7))
	}
	if mask&2 != 0 {
		c.Rlimits = []Rlimit{{Resource: int(mask % 20), Soft: uint64(mask), Hard: 1 << 40}}
	}
	if mask&4 != 0 {
		c.Seccomp = []unix.SockFilter{{Code: 0x06, K: unix.SECCOMP_RET_ALLOW}}
	}
	if mask&8 != 0 {
		c.Cgroups = []CgroupFD{{FD: cgroupFD, Path: path}}
	}
	return c
}

// confined is a valid --fs container request with every confinement record.
func confined() *JoinRequest {
	return &JoinRequest{
		Namespaces: []NamespaceFD{{"mnt", 3}, {"pid", 4}}, ExecFD: 5, ContainerFS: true,
		Path: "/bin/busybox", Args: []string{"sh"},
		Confine: &Confinement{
			Creds: creds.Creds{Bounding: 0xa80425fb, Effective: 0xa80425fb, Permitted: 0xa80425fb,
				UID: 1234, GID: 1234, Groups: []uint32{10, 20}, NoNewPrivs: true},
			Rlimits:     []Rlimit{{Resource: unix.RLIMIT_NOFILE, Soft: 1024, Hard: 1024}},
			Seccomp:     []unix.SockFilter{{Code: 0x20, K: 4}, {Code: 0x06, K: unix.SECCOMP_RET_ALLOW}},
			Cgroups:     []CgroupFD{{FD: 6, Path: "/sys/fs/cgroup/pids/default/web/cgroup.procs"}},
			OOMScoreAdj: -17,
		},
	}
}

func TestConfinementRoundTripsThroughGoAndCDecoders(t *testing.T) {
	b, err := confined().Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range decoders {
		got, err := d.decode(b)
		if err != nil {
			t.Fatalf("%s decoder: %v", d.name, err)
		}
		if !sameRequest(got, confined()) {
			t.Errorf("%s decoder:\n got %s\nwant %s", d.name, summary(got), summary(confined()))
		}
	}
}

// TestCredsRecordLayout pins the CREDS and OOM_SCORE_ADJ records byte for
// byte (nsjoin.h).
func TestCredsRecordLayout(t *testing.T) {
	r := &JoinRequest{Confine: &Confinement{Creds: creds.Creds{Bounding: 1, Effective: 2, Permitted: 3,
		Inheritable: 4, Ambient: 5, UID: 6, GID: 7, NoNewPrivs: true, Groups: []uint32{8}}, OOMScoreAdj: -998}}
	got := r.appendConfine(nil)
	want := binary.NativeEndian.AppendUint16(nil, kindCreds)
	want = binary.NativeEndian.AppendUint16(want, 0)
	want = binary.NativeEndian.AppendUint32(want, credsFixedLen+4)
	for _, v := range []uint64{1, 2, 3, 4, 5} {
		want = binary.NativeEndian.AppendUint64(want, v)
	}
	for _, v := range []uint32{6, 7, credsNoNewPrivs, 1, 8} {
		want = binary.NativeEndian.AppendUint32(want, v)
	}
	want = binary.NativeEndian.AppendUint16(want, kindOOMScoreAdj)
	want = binary.NativeEndian.AppendUint16(want, 0)
	want = binary.NativeEndian.AppendUint32(want, 4)
	want = binary.NativeEndian.AppendUint32(want, 0xfffffc1a) // -998
	if string(got) != string(want) {
		t.Errorf("CREDS and OOM_SCORE_ADJ records\n got %x\nwant %x", got, want)
	}
}

// The container's filesystem is confined or, on purpose, not: never by
// omission; a confinement belongs to the container's filesystem only.
func TestDecodersRefuseAContainerFilesystemWithoutAConfinement(t *testing.T) {
	creds := (&JoinRequest{Confine: &Confinement{}}).appendConfine(nil)
	oom := func(v int32) []byte { return u32(uint32(v)) }
	credsOnly := creds[:recordHeadLen+credsFixedLen]
	rlimit := make([]byte, 24)
	ctr := func() *wire { return minimal().ns(3, unix.CLONE_NEWNS).execFD(4) }
	tests := []struct {
		name string
		in   []byte
	}{
		{"neither", ctr().flags(flagContainerFS).bytes()},
		{"both", ctr().raw(creds...).flags(flagContainerFS | flagHostPrivileges).bytes()},
		{"creds without the container", minimal().raw(creds...).bytes()},
		{"host privileges without the container", minimal().flags(flagHostPrivileges).bytes()},
		{"rlimit before creds", ctr().rec(kindRlimit, rlimit).raw(creds...).flags(flagContainerFS).bytes()},
		{"creds twice", ctr().raw(creds...).raw(creds...).flags(flagContainerFS).bytes()},
		{"short creds", ctr().rec(kindCreds, make([]byte, credsFixedLen-1)).flags(flagContainerFS).bytes()},
		{"groups count too big", ctr().rec(kindCreds, append(make([]byte, 52), 1, 0, 0, 0)).flags(flagContainerFS).bytes()},
		{"unknown creds bits", ctr().rec(kindCreds, append(make([]byte, 48), 2, 0, 0, 0, 0, 0, 0, 0)).flags(flagContainerFS).bytes()},
		{"rlimit resource 16", ctr().raw(creds...).rec(kindRlimit, append(u32(16), make([]byte, 20)...)).flags(flagContainerFS).bytes()},
		{"rlimit soft above hard", ctr().raw(creds...).rec(kindRlimit, append(make([]byte, 8), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).flags(flagContainerFS).bytes()},
		{"seccomp of 7 bytes", ctr().raw(creds...).rec(kindSeccomp, make([]byte, 7)).flags(flagContainerFS).bytes()},
		{"cgroup without path", ctr().raw(creds...).rec(kindCgroup, u32(5)).flags(flagContainerFS).bytes()},
		{"cgroup fd is the exec fd", ctr().raw(creds...).rec(kindCgroup, append(u32(4), "/x"...)).flags(flagContainerFS).bytes()},
		{"creds without oom_score_adj", ctr().raw(credsOnly...).flags(flagContainerFS).bytes()},
		{"oom_score_adj before creds", ctr().rec(kindOOMScoreAdj, oom(0)).raw(credsOnly...).flags(flagContainerFS).bytes()},
		{"oom_score_adj twice", ctr().raw(creds...).rec(kindOOMScoreAdj, oom(0)).flags(flagContainerFS).bytes()},
		{"oom_score_adj 1001", ctr().raw(credsOnly...).rec(kindOOMScoreAdj, oom(1001)).flags(flagContainerFS).bytes()},
		{"oom_score_adj -1001", ctr().raw(credsOnly...).rec(kindOOMScoreAdj, oom(-1001)).flags(flagContainerFS).bytes()},
		{"oom_score_adj of 8 bytes", ctr().raw(credsOnly...).rec(kindOOMScoreAdj, make([]byte, 8)).flags(flagContainerFS).bytes()},
		{"oom_score_adj without the container", minimal().raw(creds...).bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range decoders {
				if _, err := d.decode(tt.in); err == nil {
					t.Errorf("%s decoder accepted it", d.name)
				}
			}
		})
	}
}

func TestEncodeRefusesAnUnconfinedContainerFilesystem(t *testing.T) {
	r := confined()
	r.Confine = nil
	if _, err := r.Encode(); err == nil || !strings.Contains(err.Error(), "confinement") {
		t.Errorf("Encode without a confinement: %v, want an error", err)
	}
}
