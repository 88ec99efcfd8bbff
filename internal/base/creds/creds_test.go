package creds

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseStatus(t *testing.T) {
	const status = "Name:\tsh\nUid:\t1000\t1001\t1001\t1001\nGid:\t50\t51\t51\t51\nGroups:\t3 4 \n" +
		"CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n" +
		"CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n"
	c, err := parseStatus(bufio.NewScanner(strings.NewReader(status)))
	if err != nil {
		t.Fatal(err)
	}
	if c.UID != 1001 || c.GID != 51 || !slices.Equal(c.Groups, []uint32{3, 4}) || !c.NoNewPrivs || c.Seccomp != 2 {
		t.Errorf("user %d:%d groups %v nnp %v seccomp %d", c.UID, c.GID, c.Groups, c.NoNewPrivs, c.Seccomp)
	}
	if c.Effective != 0xa80425fb || c.Bounding != 0xa80425fb || c.Inheritable != 0 {
		t.Errorf("caps eff %x bnd %x inh %x", c.Effective, c.Bounding, c.Inheritable)
	}
	if c.Effective.Has(CapSysAdmin) || !c.Effective.Has(CapNetRaw) {
		t.Errorf("Has: %v", c.Effective.Names())
	}
}

func TestParseStatusRejects(t *testing.T) {
	for _, status := range []string{
		"",
		"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapBnd:\tzz\nCapEff:\t0\n",
		"Uid:\t0\nGid:\t0\t0\t0\t0\nCapBnd:\t0\nCapEff:\t0\n",
		"Gid:\t0\t0\t0\t0\nCapBnd:\t0\nCapEff:\t0\n",
	} {
		if _, err := parseStatus(bufio.NewScanner(strings.NewReader(status))); err == nil {
			t.Errorf("%q: no error", status)
		}
	}
}

func TestOfPIDReadsOwnProcess(t *testing.T) {
	c, err := OfPID(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if c.UID != uint32(os.Geteuid()) || c.GID != uint32(os.Getegid()) {
		t.Errorf("uid %d gid %d, want %d %d", c.UID, c.GID, os.Geteuid(), os.Getegid())
	}
}

func TestFromSpec(t *testing.T) {
	spec := &specs.Spec{Process: &specs.Process{
		User:            specs.User{UID: 7, GID: 8, AdditionalGids: []uint32{9}},
		NoNewPrivileges: true,
		Capabilities: &specs.LinuxCapabilities{
			Bounding:  []string{"CAP_CHOWN", "CAP_NET_RAW"},
			Effective: []string{"CAP_NET_RAW"},
		},
	}}
	c, err := FromSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	if c.UID != 7 || c.GID != 8 || !slices.Equal(c.Groups, []uint32{9}) || !c.NoNewPrivs {
		t.Errorf("%+v", c)
	}
	if !slices.Equal(c.Bounding.Names(), []string{"CAP_CHOWN", "CAP_NET_RAW"}) || c.Effective.Names()[0] != "CAP_NET_RAW" || c.Permitted != 0 {
		t.Errorf("bounding %v effective %v permitted %v", c.Bounding.Names(), c.Effective.Names(), c.Permitted)
	}
	spec.Process.Capabilities.Ambient = []string{"CAP_NOT_A_THING"}
	if _, err := FromSpec(spec); err == nil {
		t.Error("unknown capability accepted")
	}
	if _, err := FromSpec(&specs.Spec{}); err == nil {
		t.Error("spec without process accepted")
	}
}

func TestNames(t *testing.T) {
	for i := 0; i <= Last; i++ {
		if n, ok := Number(Name(i)); !ok || n != i {
			t.Errorf("%d: %s -> %d %v", i, Name(i), n, ok)
		}
	}
	if n, ok := Number("sys_admin"); !ok || n != CapSysAdmin {
		t.Errorf("sys_admin: %d %v", n, ok)
	}
	if Name(63) != "CAP_63" {
		t.Error(Name(63))
	}
}
