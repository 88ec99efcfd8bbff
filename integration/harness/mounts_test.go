package harness

import "testing"

func TestLineDiffShowsWhatWentAndWhatCame(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after []string
		want          string
	}{
		{"same", []string{"a", "b"}, []string{"a", "b"}, ""},
		{"reordered", []string{"a", "b"}, []string{"b", "a"}, ""},
		{"added", []string{"a"}, []string{"a", "b"}, "  + b"},
		{"removed", []string{"a", "b"}, []string{"b"}, "  - a"},
		{"both", []string{"1 2 0:5 / /x", "3"}, []string{"3", "9 2 0:7 / /y"}, "  - 1 2 0:5 / /x\n  + 9 2 0:7 / /y"},
	} {
		if got := LineDiff(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: LineDiff = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMountTableChangesNamesTheMountsThatDiffer(t *testing.T) {
	m := ReadMounts(t, "/proc/self/mountinfo")
	if d := m.Changes(t, nil); d != "" {
		t.Fatalf("the table changed by itself: %s", d)
	}
	m.Text += "99999 1 0:99 / /nsj-test-gone rw - tmpfs tmpfs rw\n"
	if d := m.Changes(t, nil); d != "/proc/self/mountinfo:\n  - 99999 1 0:99 / /nsj-test-gone rw - tmpfs tmpfs rw" {
		t.Fatalf("Changes = %q", d)
	}
	if d := m.Changes(t, func(l string) bool { return false }); d != "" {
		t.Fatalf("with nothing kept, Changes = %q", d)
	}
}
