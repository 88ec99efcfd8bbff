package fscopy

import (
	"strings"
	"testing"
)

func TestTarNamesMayNotLeaveTheDestination(t *testing.T) {
	for name, want := range map[string]string{
		"a/b": "a/b", "./a/": "a", ".": "", "a/../b": "b",
		"/etc/passwd": "absolute", "..": "climbs", "../x": "climbs", "a/../../x": "climbs",
	} {
		got, err := tarName(name)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, want) || (err == nil) != (got == want) {
			t.Errorf("tarName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSplitLeavesTheLastNameUnresolved(t *testing.T) {
	for p, want := range map[string][2]string{
		"/etc/passwd": {"/etc/", "passwd"}, "/etc/": {"/etc/", ""}, "/": {"/", ""},
		"/a/..": {"/a/..", ""}, "/a/.": {"/a/.", ""}, "f": {".", "f"},
	} {
		if d, n := split(p); d != want[0] || n != want[1] {
			t.Errorf("split(%q) = %q, %q; want %q, %q", p, d, n, want[0], want[1])
		}
	}
}

func TestMapIDThroughAUserNamespace(t *testing.T) {
	m := [][3]uint32{{0, 100000, 65536}}
	if id, ok := mapID(m, 1234); !ok || id != 101234 {
		t.Errorf("1234 -> %d %v, want 101234", id, ok)
	}
	if _, ok := mapID(m, 70000); ok {
		t.Error("70000 is outside the map")
	}
	if id, ok := mapID([][3]uint32{{0, 0, 4294967295}}, 42); !ok || id != 42 {
		t.Errorf("identity: %d %v", id, ok)
	}
}

type recordSink struct{ rels []string }

func (r *recordSink) put(e *entry) error { r.rels = append(r.rels, e.rel); return nil }

func TestRenameTopTakesOneTopLevelEntry(t *testing.T) {
	rec := &recordSink{}
	s := &renameTop{next: rec, top: "new", where: "web:/tmp/new"}
	for _, rel := range []string{"old", "old/a", "old/a/b"} {
		if err := s.put(&entry{rel: rel}); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(rec.rels, " ") != "new new/a new/a/b" {
		t.Fatalf("renamed: %v", rec.rels)
	}
	if err := s.put(&entry{rel: "other"}); err == nil || !strings.Contains(err.Error(), "more than one top-level entry") {
		t.Fatalf("a second top-level entry: %v", err)
	}
}
