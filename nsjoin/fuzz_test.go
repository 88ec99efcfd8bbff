package nsjoin

import (
	"bytes"
	"strings"
	"testing"
)

// maxSeed keeps the megabyte-sized requests out of the fuzz seeds.
const maxSeed = 4096

// FuzzDecode feeds arbitrary bytes to the Go decoder and to the
// constructor's C decoder: they must agree on accepting them, and on what
// they decode. An accepted request is not necessarily in Encode's canonical
// form (records come in any order, the flags record is optional), so it must
// re-encode to a request that decodes to the same thing, and Encode must be
// stable from then on.
func FuzzDecode(f *testing.F) {
	for _, req := range validRequests() {
		if b, err := req.Encode(); err == nil && len(b) <= maxSeed {
			f.Add(b)
		}
	}
	for _, tt := range malformedRequests() {
		f.Add(tt.in)
	}
	f.Add(newWire().flags(flagDebug).dir("/d").env("K=V").arg("a").ns(3, 0x40000000).path("/p").bytes())

	f.Fuzz(func(t *testing.T, b []byte) {
		goReq, goErr := DecodeRequest(b)
		cReq, cErr := decodeInC(b)
		if (goErr == nil) != (cErr == nil) {
			t.Fatalf("decoders disagree on %q: Go: %v; C: %v", b, goErr, cErr)
		}
		if goErr != nil {
			return
		}
		if !sameRequest(goReq, cReq) {
			t.Fatalf("decoders disagree on %q:\nGo %s\n C %s", b, summary(goReq), summary(cReq))
		}
		enc, err := goReq.Encode()
		if err != nil {
			t.Fatalf("decoded %s does not encode: %v", summary(goReq), err)
		}
		for _, d := range decoders {
			again, err := d.decode(enc)
			if err != nil {
				t.Fatalf("%s decoder rejects the re-encoded request %q: %v", d.name, enc, err)
			}
			if !sameRequest(again, goReq) {
				t.Fatalf("%s decoder: re-encoded request decodes to %s, want %s", d.name, summary(again), summary(goReq))
			}
		}
		again, _ := DecodeRequest(enc)
		if enc2, err := again.Encode(); err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("Encode is not stable: %q then %q (%v)", enc, enc2, err)
		}
	})
}

// FuzzRoundTrip builds a JoinRequest from fuzzed strings. Encode accepts it
// exactly when the C decoder accepts the same request written without
// Encode's checks; when it does, both decoders return the request unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("/bin/true", "true", "", "", uint8(0), uint8(0), uint16(3))
	f.Add("/usr/bin/ip", "ip\x1ea", "PATH=/bin\x1eA=b", "/tmp", uint8(7), uint8(0x7f), uint16(3))
	f.Add("/bin/sh", "sh\x1e-c\x1eecho 🙂", "LANG=C.UTF-8", "/", uint8(1), uint8(0x03), uint16(100))
	f.Add("/bin/x", "x\x00", "A", "", uint8(0), uint8(0x80), uint16(2))
	f.Add("", "", "=x", "/d\x00", uint8(8), uint8(0xff), uint16(0))
	f.Add("/p", "a", "K=V\x1eK2", "d", uint8(2), uint8(0x40), uint16(1<<15))
	f.Add("/bin/busybox", "sh", "TERM=xterm", "/etc", uint8(16|32), uint8(0x83), uint16(3))
	f.Add("/usr/bin/du", "du\x1e-sh", "", "/run/nsj/root", uint8(64|1), uint8(0x03), uint16(3))
	f.Add("/bin/busybox", "ls", "", "/r", uint8(16|32|64), uint8(0x80), uint16(5))
	f.Add("/p", "a", "", "run/../x", uint8(64|32), uint8(0x80), uint16(1<<15+2))
	f.Add("/usr/bin/id", "id", "", "", uint8(0), uint8(0x41), uint16(1<<14|3))
	f.Add("/usr/bin/id", "id", "", "", uint8(1), uint8(0x03), uint16(1<<14|3))
	f.Add("/bin/sh", "sh\x1e-c\x1esleep 1", "", "", uint8(1), uint8(0x03), uint16(1<<13|3))
	f.Add("/bin/busybox", "sh", "", "/sys/fs/cgroup/pids/x/cgroup.procs", uint8(16|32), uint8(0xc0), uint16(3))
	f.Add("/bin/busybox", "sh", "", "", uint8(16|32|128), uint8(0x80), uint16(3))

	f.Fuzz(func(t *testing.T, path, args, env, dir string, flags, nsMask uint8, fd uint16) {
		r := &JoinRequest{
			Path:       path,
			Args:       strings.Split(args, "\x1e"),
			Dir:        dir,
			MountProc:  flags&1 != 0,
			MountSysfs: flags&2 != 0,
			Debug:      flags&4 != 0,
		}
		if flags&8 != 0 {
			r.Args = nil
		}
		if env != "" {
			r.Env = strings.Split(env, "\x1e")
		}
		// Types includes mnt (bit 7), which only the container's filesystem
		// may join; fds start at fd%40, so low bits give fds 0-2, which are
		// refused, and fd up to 65535+9 test the upper range only a little.
		base := int(fd)
		if fd < 1<<15 {
			base = int(fd % 40)
		}
		for i, typ := range Types {
			if nsMask&(1<<i) != 0 {
				r.Namespaces = append(r.Namespaces, NamespaceFD{Type: typ, FD: base + i})
			}
		}
		// Flag bits 4-6: the container's filesystem, the fd of its binary,
		// and the container's root at dir, with fds after the namespaces'.
		r.ContainerFS = flags&16 != 0
		if flags&32 != 0 {
			r.ExecFD = base + 8
		}
		if flags&64 != 0 {
			r.RootNS, r.RootAt = base+9, dir
		}
		// Bit 7: host privileges; without it the container's filesystem
		// comes with a confinement whose cgroup fd follows the others.
		if flags&128 != 0 {
			r.HostPrivileges = true
		} else if r.ContainerFS {
			r.Confine = fuzzConfinement(base+10, nsMask, dir)
		}
		// fd bit 14: keep the credentials, valid only with the user namespace.
		r.KeepCreds = fd&(1<<14) != 0
		// fd bit 13: signal the process group (a join nsj --all started).
		r.signalGroup = fd&(1<<13) != 0

		enc, encErr := r.Encode()
		raw := rawEncode(r)
		for _, d := range decoders {
			got, err := d.decode(raw)
			if (err == nil) != (encErr == nil) {
				t.Fatalf("Encode: %v, but the %s decoder on the unchecked encoding: %v\nrequest %s", encErr, d.name, err, summary(r))
			}
			if err == nil && !sameRequest(got, r) {
				t.Fatalf("%s decoder:\n got %s\nwant %s", d.name, summary(got), summary(r))
			}
		}
		if encErr != nil {
			return
		}
		if !bytes.Equal(enc, raw) {
			t.Fatalf("Encode wrote %q, the documented layout is %q", enc, raw)
		}
	})
}
