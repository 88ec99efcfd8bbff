package plan

import (
	"slices"
	"testing"

	"github.com/nsj-dev/nsj/nsjoin"
)

// $NSJ_ROOT comes from the finished request, in one place: an NSJ_ROOT in
// nsj's own environment (inherited from an outer nsj shell) never decides it.
func TestNSJRootIsDecidedOnce(t *testing.T) {
	inherited := []string{"NSJ_ROOT=/proc/1/root", "HOME=/root"}
	tests := []struct {
		name    string
		req     nsjoin.JoinRequest
		userSet bool
		podRoot string
		want    string // "" with keep: the environment as it was
		keep    bool
	}{
		{name: "fresh /proc", req: nsjoin.JoinRequest{MountProc: true}, want: "/proc/1/root"},
		{name: "pod sharing its pid namespace", req: nsjoin.JoinRequest{MountProc: true}, podRoot: "/proc/7/root", want: "/proc/7/root"},
		{name: "--root-at", req: nsjoin.JoinRequest{MountProc: true, RootAt: "/run/ctr"}, podRoot: "/proc/7/root", want: "/run/ctr"},
		{name: "--fs container", req: nsjoin.JoinRequest{ContainerFS: true}, want: "/"},
		{name: "-e NSJ_ROOT", req: nsjoin.JoinRequest{MountProc: true, RootAt: "/run/ctr"}, userSet: true, keep: true},
		{name: "-e NSJ_ROOT, --fs container", req: nsjoin.JoinRequest{ContainerFS: true}, userSet: true, keep: true},
		{name: "no pid namespace", req: nsjoin.JoinRequest{}, podRoot: "/proc/7/root", keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.Env = slices.Clone(inherited)
			setNSJRoot(&req, tt.userSet, tt.podRoot)
			want := []string{"HOME=/root", "NSJ_ROOT=" + tt.want}
			if tt.keep {
				want = inherited
			}
			if !slices.Equal(req.Env, want) {
				t.Errorf("env %q, want %q", req.Env, want)
			}
		})
	}
}
