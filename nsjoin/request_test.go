package nsjoin

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// wire writes join requests record by record, without Encode, so that tests
// can build inputs Encode would never produce. bytes() fills in the header's
// length field; bytesWithLength() lets a test lie about it.
type wire struct{ b []byte }

func newWire() *wire { return &wire{b: []byte(magic + "\x00\x00\x00\x00")} }

// record appends a record header with the given reserved field and declared
// length, followed by payload (which need not be that long).
func (w *wire) record(kind, reserved uint16, n uint32, payload []byte) *wire {
	w.b = binary.NativeEndian.AppendUint16(w.b, kind)
	w.b = binary.NativeEndian.AppendUint16(w.b, reserved)
	w.b = binary.NativeEndian.AppendUint32(w.b, n)
	w.b = append(w.b, payload...)
	return w
}

func (w *wire) rec(kind uint16, payload []byte) *wire {
	return w.record(kind, 0, uint32(len(payload)), payload)
}

func (w *wire) str(kind uint16, s string) *wire { return w.rec(kind, []byte(s)) }
func (w *wire) path(s string) *wire             { return w.str(kindPath, s) }
func (w *wire) arg(s string) *wire              { return w.str(kindArg, s) }
func (w *wire) env(s string) *wire              { return w.str(kindEnv, s) }
func (w *wire) dir(s string) *wire              { return w.str(kindDir, s) }
func (w *wire) flags(f uint32) *wire            { return w.rec(kindFlags, u32(f)) }
func (w *wire) ns(fd, flag uint32) *wire        { return w.rec(kindNS, append(u32(fd), u32(flag)...)) }
func (w *wire) raw(b ...byte) *wire             { w.b = append(w.b, b...); return w }

func (w *wire) bytes() []byte { return w.bytesWithLength(uint32(len(w.b))) }

func (w *wire) bytesWithLength(n uint32) []byte {
	out := bytes.Clone(w.b)
	binary.NativeEndian.PutUint32(out[4:], n)
	return out
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// minimal is the smallest valid request: a path and one argument.
func minimal() *wire { return newWire().path("/bin/true").arg("true") }

// rawEncode writes r the way Encode lays it out, but without validating it.
func rawEncode(r *JoinRequest) []byte {
	w := newWire()
	for _, ns := range r.Namespaces {
		flag, _ := CloneFlag(ns.Type)
		w.ns(uint32(ns.FD), uint32(flag))
	}
	if r.RootNS != 0 || r.RootAt != "" {
		w.root(uint32(r.RootNS), r.RootAt)
	}
	if r.ExecFD != 0 {
		w.execFD(uint32(r.ExecFD))
	}
	w.b = r.appendConfine(w.b)
	w.path(r.Path)
	for _, a := range r.Args {
		w.arg(a)
	}
	for _, e := range r.Env {
		w.env(e)
	}
	if r.Dir != "" {
		w.dir(r.Dir)
	}
	return w.flags(r.flags()).bytes()
}

// normalized treats nil and empty slices alike: the decoders return nil for
// absent records.
func normalized(r *JoinRequest) JoinRequest {
	c := *r
	if len(c.Namespaces) == 0 {
		c.Namespaces = nil
	}
	if len(c.Args) == 0 {
		c.Args = nil
	}
	if len(c.Env) == 0 {
		c.Env = nil
	}
	return c
}

func sameRequest(a, b *JoinRequest) bool {
	return reflect.DeepEqual(normalized(a), normalized(b))
}

// summary summarizes a request for failure messages without dumping
// megabytes of arguments.
func summary(r *JoinRequest) string {
	if r == nil {
		return "<nil>"
	}
	short := func(s string) string {
		if len(s) > 60 {
			return fmt.Sprintf("%q...(%d bytes)", s[:60], len(s))
		}
		return fmt.Sprintf("%q", s)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "{ns=%v path=%s dir=%s proc=%v sysfs=%v debug=%v root=%d:%s containerfs=%v exec=%d keepcreds=%v args=[",
		r.Namespaces, short(r.Path), short(r.Dir), r.MountProc, r.MountSysfs, r.Debug, r.RootNS, short(r.RootAt), r.ContainerFS, r.ExecFD, r.KeepCreds)
	fmt.Fprintf(&sb, " host=%v group=%v confine=%+v", r.HostPrivileges, r.signalGroup, r.Confine)
	for i, a := range r.Args {
		if i == 8 {
			fmt.Fprintf(&sb, " ...%d more", len(r.Args)-i)
			break
		}
		sb.WriteString(" " + short(a))
	}
	sb.WriteString(" ] env=[")
	for i, e := range r.Env {
		if i == 8 {
			fmt.Fprintf(&sb, " ...%d more", len(r.Env)-i)
			break
		}
		sb.WriteString(" " + short(e))
	}
	sb.WriteString(" ]}")
	return sb.String()
}

// validRequests are requests Encode accepts; shared with the fuzz seeds.
func validRequests() map[string]*JoinRequest {
	many := make([]string, 10000)
	for i := range many {
		many[i] = fmt.Sprintf("arg%d", i)
	}
	reqs := map[string]*JoinRequest{
		"no namespaces": {Path: "/bin/true", Args: []string{"true"}},
		"every joinable type incl user": {
			Namespaces: []NamespaceFD{{"net", 3}, {"pid", 4}, {"uts", 5}, {"ipc", 6}, {"cgroup", 7}, {"time", 8}, {"user", 9}},
			Path:       "/usr/bin/ip", Args: []string{"ip", "a"},
		},
		"highest fd": {Namespaces: []NamespaceFD{{"net", 1 << 20}}, Path: "/bin/sh", Args: []string{"sh"}},
		"empty env":  {Path: "/bin/env", Args: []string{"env"}, Env: []string{}},
		"env": {
			Path: "/bin/env", Args: []string{"env"},
			Env: []string{"PATH=/usr/bin:/bin", "EMPTY=", "A==b", "NSJ_ROOT=/proc/1/root"},
		},
		"dir":              {Path: "/bin/pwd", Args: []string{"pwd"}, Dir: "/tmp"},
		"every flag":       {Path: "/bin/ls", Args: []string{"ls", "/sys/class/net"}, MountProc: true, MountSysfs: true, Debug: true},
		"mount proc":       {Namespaces: []NamespaceFD{{"pid", 10}}, Path: "/bin/ps", Args: []string{"ps", "-ef"}, MountProc: true},
		"signal the group": {Namespaces: []NamespaceFD{{"pid", 10}}, Path: "/bin/sh", Args: []string{"sh"}, MountProc: true, signalGroup: true},
		"empty arguments":  {Path: "/bin/echo", Args: []string{"echo", "", ""}},
		"relative path":    {Path: "true", Args: []string{"true"}},
		"unicode": {
			Path: "/opt/ünïcødé/bin/日本", Args: []string{"日本", "Здравствуй", "🙂", "\xff\xfe not utf-8"},
			Env: []string{"ЯЗЫК=русский", "EMOJI=🐳"}, Dir: "/tmp/目录",
		},
		"long argument ~1MiB": {Path: "/bin/echo", Args: []string{"echo", strings.Repeat("x", 1<<20)}},
		"10000 arguments":     {Path: "/bin/echo", Args: append([]string{"echo"}, many...)},
		"everything": {
			Namespaces: []NamespaceFD{{"user", 42}, {"net", 3}, {"pid", 1000}},
			Path:       "/usr/sbin/tcpdump", Args: []string{"tcpdump", "-i", "any", "-nvv"},
			Env: []string{"TERM=xterm", "HOME=/root"}, Dir: "/", MountProc: true, MountSysfs: true, Debug: true,
		},
	}
	reqs["keep credentials"] = &JoinRequest{
		Namespaces: []NamespaceFD{{"user", 3}, {"net", 4}}, Path: "/bin/id", Args: []string{"id"}, KeepCreds: true,
	}
	maps.Copy(reqs, fsValidRequests())
	return reqs
}

func TestEncodeRoundTripsThroughGoAndCDecoders(t *testing.T) {
	for name, req := range validRequests() {
		t.Run(name, func(t *testing.T) {
			b, err := req.Encode()
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			goReq, err := DecodeRequest(b)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			if !sameRequest(goReq, req) {
				t.Errorf("Go decoder:\n got %s\nwant %s", summary(goReq), summary(req))
			}
			cReq, err := decodeInC(b)
			if err != nil {
				t.Fatalf("C decoder: %v", err)
			}
			if !sameRequest(cReq, req) {
				t.Errorf("C decoder:\n got %s\nwant %s", summary(cReq), summary(req))
			}
		})
	}
}

func TestEncodeWritesTheDocumentedLayout(t *testing.T) {
	req := &JoinRequest{
		Namespaces: []NamespaceFD{{"net", 3}, {"user", 4}},
		Path:       "/bin/ip", Args: []string{"ip", "a"}, Env: []string{"A=1"}, Dir: "/tmp",
		MountProc: true, Debug: true,
	}
	want := newWire().
		ns(3, unix.CLONE_NEWNET).ns(4, unix.CLONE_NEWUSER).
		path("/bin/ip").arg("ip").arg("a").env("A=1").dir("/tmp").
		flags(flagMountProc | flagDebug).bytes()
	got, err := req.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Encode:\n got %q\nwant %q", got, want)
	}
	if string(got[:4]) != "NSJ1" || binary.NativeEndian.Uint32(got[4:]) != uint32(len(got)) {
		t.Errorf("header %q does not carry the magic and the total length %d", got[:8], len(got))
	}
}

// Both decoders accept records in any order and without a flags record:
// the format does not require Encode's order.
func TestDecodersAcceptRecordsInAnyOrder(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want *JoinRequest
	}{
		{"no flags record", minimal().bytes(), &JoinRequest{Path: "/bin/true", Args: []string{"true"}}},
		{"flags first", newWire().flags(flagMountSysfs).path("/p").arg("a").bytes(),
			&JoinRequest{Path: "/p", Args: []string{"a"}, MountSysfs: true}},
		{"args before path", newWire().arg("a").arg("b").path("/p").bytes(),
			&JoinRequest{Path: "/p", Args: []string{"a", "b"}}},
		{"dir and env before path", newWire().dir("/d").env("K=V").path("/p").arg("a").bytes(),
			&JoinRequest{Path: "/p", Args: []string{"a"}, Env: []string{"K=V"}, Dir: "/d"}},
		{"namespaces last", minimal().ns(5, unix.CLONE_NEWPID).ns(3, unix.CLONE_NEWNET).bytes(),
			&JoinRequest{Path: "/bin/true", Args: []string{"true"}, Namespaces: []NamespaceFD{{"pid", 5}, {"net", 3}}}},
		{"empty argument", newWire().path("/p").arg("").bytes(), &JoinRequest{Path: "/p", Args: []string{""}}},
		{"zero flags", minimal().flags(0).bytes(), &JoinRequest{Path: "/bin/true", Args: []string{"true"}}},
		{"root last", minimal().root(3, "/r").bytes(), &JoinRequest{Path: "/bin/true", Args: []string{"true"}, RootNS: 3, RootAt: "/r"}},
		{"container records before flags", newWire().execFD(4).ns(3, unix.CLONE_NEWNS).path("/p").arg("a").flags(flagContainerFS | flagHostPrivileges).bytes(),
			&JoinRequest{Path: "/p", Args: []string{"a"}, Namespaces: []NamespaceFD{{"mnt", 3}}, ExecFD: 4, ContainerFS: true, HostPrivileges: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range decoders {
				got, err := d.decode(tt.in)
				if err != nil {
					t.Fatalf("%s decoder: %v", d.name, err)
				}
				if !sameRequest(got, tt.want) {
					t.Errorf("%s decoder:\n got %s\nwant %s", d.name, summary(got), summary(tt.want))
				}
			}
		})
	}
}

var decoders = []struct {
	name   string
	decode func([]byte) (*JoinRequest, error)
}{
	{"Go", DecodeRequest},
	{"C", decodeInC},
}

// malformedRequests are inputs both decoders must reject; shared with the
// fuzz seeds.
func malformedRequests() []struct {
	name string
	in   []byte
} {
	valid := minimal().bytes()
	patched := func(off int, b ...byte) []byte {
		out := bytes.Clone(valid)
		copy(out[off:], b)
		return out
	}
	tooMany := minimal()
	for i := range 9 {
		// Only seven types are joinable, so nine namespaces repeat a type.
		tooMany.ns(uint32(3+i), flagOf(DefaultTypes[i%len(DefaultTypes)]))
	}
	eight := minimal()
	for i, typ := range append(slicesWithout(Types, "mnt"), "net") {
		eight.ns(uint32(3+i), flagOf(typ))
	}
	return append([]struct {
		name string
		in   []byte
	}{
		{"empty input", nil},
		{"magic alone", []byte("NSJ1")},
		{"bad magic", patched(0, 'X')},
		{"magic of another version", patched(3, '2')},
		{"lowercase magic", patched(0, 'n', 's', 'j')},
		{"length one too many", minimal().bytesWithLength(uint32(len(valid) + 1))},
		{"length one too few", minimal().bytesWithLength(uint32(len(valid) - 1))},
		{"length zero", minimal().bytesWithLength(0)},
		{"header alone with wrong length", newWire().bytesWithLength(9)},
		{"truncated record header (4 bytes)", minimal().raw(byte(kindArg), 0, 0, 0).bytes()},
		{"truncated record header (7 bytes)", minimal().raw(byte(kindArg), 0, 0, 0, 0, 0, 0).bytes()},
		{"truncated record header only", newWire().raw(1).bytes()},
		{"record length past end", minimal().record(kindArg, 0, 100, []byte("ab")).bytes()},
		{"record length one past end", minimal().record(kindArg, 0, 3, []byte("ab")).bytes()},
		{"record length 0xffffffff", minimal().record(kindArg, 0, 0xffffffff, []byte("ab")).bytes()},
		{"nonzero reserved field", minimal().record(kindArg, 1, 2, []byte("ab")).bytes()},
		{"reserved field 0x8000", minimal().record(kindEnv, 0x8000, 3, []byte("A=b")).bytes()},
		{"unknown kind 0", minimal().rec(0, nil).bytes()},
		{"unknown kind 7", minimal().str(7, "x").bytes()},
		{"unknown kind 0xffff", minimal().str(0xffff, "x").bytes()},
		{"NUL in path", newWire().path("/bin/\x00true").arg("true").bytes()},
		{"NUL at end of path", newWire().path("/bin/true\x00").arg("true").bytes()},
		{"NUL in argument", minimal().arg("a\x00b").bytes()},
		{"NUL in env", minimal().env("A=\x00").bytes()},
		{"NUL in dir", minimal().dir("/tmp\x00").bytes()},
		{"env without =", minimal().env("FOO").bytes()},
		{"env empty", minimal().env("").bytes()},
		{"env starting with =", minimal().env("=x").bytes()},
		{"env = alone", minimal().env("=").bytes()},
		{"duplicate namespace type", minimal().ns(3, unix.CLONE_NEWNET).ns(4, unix.CLONE_NEWNET).bytes()},
		{"duplicate namespace fd", minimal().ns(3, unix.CLONE_NEWNET).ns(3, unix.CLONE_NEWPID).bytes()},
		{"namespace fd 0", minimal().ns(0, unix.CLONE_NEWNET).bytes()},
		{"namespace fd 2", minimal().ns(2, unix.CLONE_NEWNET).bytes()},
		{"namespace fd above 1<<20", minimal().ns(1<<20+1, unix.CLONE_NEWNET).bytes()},
		{"namespace fd 0xffffffff", minimal().ns(0xffffffff, unix.CLONE_NEWNET).bytes()},
		{"mount namespace", minimal().ns(3, unix.CLONE_NEWNS).bytes()},
		{"namespace type 0", minimal().ns(3, 0).bytes()},
		{"namespace type of two flags", minimal().ns(3, unix.CLONE_NEWNET|unix.CLONE_NEWPID).bytes()},
		{"namespace type CLONE_VM", minimal().ns(3, unix.CLONE_VM).bytes()},
		{"no path", newWire().arg("true").bytes()},
		{"no arguments", newWire().path("/bin/true").bytes()},
		{"nothing but the header", newWire().bytes()},
		{"path twice", minimal().path("/bin/false").bytes()},
		{"path twice, same", minimal().path("/bin/true").bytes()},
		{"dir twice", minimal().dir("/a").dir("/b").bytes()},
		{"empty path", newWire().path("").arg("true").bytes()},
		{"empty dir", minimal().dir("").bytes()},
		{"flags with an unknown bit", minimal().flags(flagAll + 1).bytes()},
		{"flags with the top bit", minimal().flags(1 << 31).bytes()},
		{"namespace record of 4 bytes", minimal().rec(kindNS, u32(3)).bytes()},
		{"namespace record of 12 bytes", minimal().rec(kindNS, append(append(u32(3), u32(unix.CLONE_NEWNET)...), 0, 0, 0, 0)).bytes()},
		{"namespace record of 0 bytes", minimal().rec(kindNS, nil).bytes()},
		{"flags record of 0 bytes", minimal().rec(kindFlags, nil).bytes()},
		{"flags record of 2 bytes", minimal().rec(kindFlags, []byte{0, 0}).bytes()},
		{"flags record of 8 bytes", minimal().rec(kindFlags, make([]byte, 8)).bytes()},
		{"more than 8 namespaces", tooMany.bytes()},
		{"8 namespaces, one type twice", eight.bytes()},
		{"keep credentials without namespaces", minimal().flags(flagKeepCreds).bytes()},
		{"keep credentials without a user namespace", minimal().ns(3, unix.CLONE_NEWNET).flags(flagKeepCreds).bytes()},
	}, fsMalformedRequests()...)
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

func TestDecodersRejectMalformedRequests(t *testing.T) {
	for _, tt := range malformedRequests() {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range decoders {
				got, err := d.decode(tt.in)
				if err == nil {
					t.Errorf("%s decoder accepted %q as %s", d.name, tt.in, summary(got))
					continue
				}
				t.Logf("%s decoder: %v", d.name, err)
			}
		})
	}
}

// Encode rejects invalid requests, and both decoders reject the same request
// written record by record without Encode's checks.
func TestEncodeAndDecodersRejectInvalidRequests(t *testing.T) {
	for _, tt := range encodeRejections() {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.req.Encode(); err == nil {
				t.Fatalf("Encode accepted %s", summary(tt.req))
			}
			if !tt.wireable {
				return
			}
			b := rawEncode(tt.req)
			for _, d := range decoders {
				got, err := d.decode(b)
				if err == nil {
					t.Errorf("%s decoder accepted what Encode rejects: %s", d.name, summary(got))
					continue
				}
				t.Logf("%s decoder: %v", d.name, err)
			}
		})
	}
}

type encodeRejection struct {
	name     string
	req      *JoinRequest
	wireable bool // rawEncode can write it (every namespace type is known)
}

func encodeRejections() []encodeRejection {
	args := []string{"true"}
	nine := make([]NamespaceFD, 9)
	for i := range nine {
		nine[i] = NamespaceFD{Types[i%len(Types)], 3 + i}
	}
	return append([]encodeRejection{
		{"NUL in argument", &JoinRequest{Path: "/bin/true", Args: []string{"true", "a\x00b"}}, true},
		{"NUL in path", &JoinRequest{Path: "/bin/\x00true", Args: args}, true},
		{"NUL in env", &JoinRequest{Path: "/bin/true", Args: args, Env: []string{"A=\x00"}}, true},
		{"NUL in dir", &JoinRequest{Path: "/bin/true", Args: args, Dir: "/\x00"}, true},
		{"env without =", &JoinRequest{Path: "/bin/true", Args: args, Env: []string{"A=1", "FOO"}}, true},
		{"env starting with =", &JoinRequest{Path: "/bin/true", Args: args, Env: []string{"=x"}}, true},
		{"empty env entry", &JoinRequest{Path: "/bin/true", Args: args, Env: []string{""}}, true},
		{"mnt namespace", &JoinRequest{Namespaces: []NamespaceFD{{"mnt", 3}}, Path: "/bin/true", Args: args}, true},
		{"fd 2", &JoinRequest{Namespaces: []NamespaceFD{{"net", 2}}, Path: "/bin/true", Args: args}, true},
		{"fd 0", &JoinRequest{Namespaces: []NamespaceFD{{"net", 0}}, Path: "/bin/true", Args: args}, true},
		{"fd above 1<<20", &JoinRequest{Namespaces: []NamespaceFD{{"net", 1<<20 + 1}}, Path: "/bin/true", Args: args}, true},
		{"type twice", &JoinRequest{Namespaces: []NamespaceFD{{"net", 3}, {"net", 4}}, Path: "/bin/true", Args: args}, true},
		{"fd twice", &JoinRequest{Namespaces: []NamespaceFD{{"net", 3}, {"pid", 3}}, Path: "/bin/true", Args: args}, true},
		{"nine namespaces", &JoinRequest{Namespaces: nine, Path: "/bin/true", Args: args}, true},
		{"empty Args", &JoinRequest{Path: "/bin/true"}, true},
		{"empty Args slice", &JoinRequest{Path: "/bin/true", Args: []string{}}, true},
		{"empty Path", &JoinRequest{Args: args}, true},
		{"unknown namespace type", &JoinRequest{Namespaces: []NamespaceFD{{"network", 3}}, Path: "/bin/true", Args: args}, false},
		{"empty namespace type", &JoinRequest{Namespaces: []NamespaceFD{{"", 3}}, Path: "/bin/true", Args: args}, false},
	}, fsEncodeRejections()...)
}

// The header says FLAGS comes at most once, but neither decoder enforces it:
// the last record wins. This pins down that the two decoders at least agree.
func TestDecodersRejectRepeatedFlagsRecord(t *testing.T) {
	b := minimal().flags(flagDebug).flags(flagMountProc).bytes()
	if _, err := DecodeRequest(b); err == nil {
		t.Errorf("Go decoder accepted two flags records")
	}
	if _, err := decodeInC(b); err == nil {
		t.Errorf("C decoder accepted two flags records")
	}
}
