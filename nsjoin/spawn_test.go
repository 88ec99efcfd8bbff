package nsjoin

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// The new process gets the request's files as fds 3 and up, in a copy of
// the request that names them so; the caller's request is left alone.
func TestRenumberedNamesTheFilesInTheirNewPlaces(t *testing.T) {
	show := func(r *JoinRequest) string {
		s := fmt.Sprint(r.RootNS, r.ExecFD, r.Namespaces)
		if r.Confine != nil {
			s += fmt.Sprint(" ", r.Confine.Cgroups)
		}
		return s
	}
	tests := []struct {
		name string
		req  JoinRequest
		from []int // the caller's fds, in the order they are moved
		want string
	}{
		{
			name: "namespaces",
			req:  JoinRequest{Namespaces: []NamespaceFD{{"net", 40}, {"pid", 17}}},
			from: []int{40, 17},
			want: "0 0 [{net 3} {pid 4}]",
		},
		{
			name: "root, binary and cgroups",
			req: JoinRequest{RootNS: 9, ExecFD: 12, Namespaces: []NamespaceFD{{"mnt", 30}},
				Confine: &Confinement{Cgroups: []CgroupFD{{FD: 50, Path: "/a"}, {FD: 51, Path: "/b"}}}},
			from: []int{9, 12, 30, 50, 51},
			want: "3 4 [{mnt 5}] [{6 /a} {7 /b}]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := show(&tt.req)
			var moved []int
			got := tt.req.renumbered(func(fd int) int { moved = append(moved, fd); return 2 + len(moved) })
			if s := show(got); s != tt.want {
				t.Errorf("renumbered: %s, want %s", s, tt.want)
			}
			if !slices.Equal(moved, tt.from) {
				t.Errorf("moved %v, want %v", moved, tt.from)
			}
			if after := show(&tt.req); after != before {
				t.Errorf("the caller's request changed: %s, was %s", after, before)
			}
		})
	}
}

func TestThroughParentNamesTheCallersFd(t *testing.T) {
	pid := os.Getpid()
	for in, want := range map[string]string{
		"/proc/self/fd/7/nsj": fmt.Sprintf("/proc/%d/fd/7/nsj", pid),
		"/proc/self/fd/9":     fmt.Sprintf("/proc/%d/fd/9", pid),
		"/usr/bin/nsj":        "/usr/bin/nsj",
	} {
		if got := throughParent(in); got != want {
			t.Errorf("throughParent(%q) = %q, want %q", in, got, want)
		}
	}
}
