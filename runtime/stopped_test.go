package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/nsj-dev/nsj/runtime/containerd"
)

// snapStore is a fakeStore whose snapshotter answers for key "KEY-ID".
type snapStore struct{ *fakeStore }

func (s snapStore) snapshotMounts(_ context.Context, ns, snapshotter, key string) ([]containerd.Mount, error) {
	return []containerd.Mount{{Type: "overlay", Source: "overlay", Options: []string{"lowerdir=/" + ns + "/" + snapshotter + "/" + key}}}, nil
}

func TestFindSnapshot(t *testing.T) {
	w := world()
	for i, c := range w.ctrs["default"] {
		if c.ID != "web" && c.ID != "notask" && c.ID != "done" && c.ID != "made" {
			continue
		}
		w.ctrs["default"][i].Snapshotter, w.ctrs["default"][i].SnapshotKey = "overlayfs", "KEY-"+c.ID
	}
	w.ctrs["default"] = append(w.ctrs["default"], ctr("plain")) // a spec's directory as root, no task
	c := testClient(snapStore{w}, "default", true)
	for _, tt := range []struct{ ref, wantName, wantErr string }{
		{"done", "container default/done (stopped)", ""},
		{"made", "container default/made (created)", ""},
		{"notask", "container default/notask (no task)", ""},
		{"web", "", "its task runs again"},
		{"plain", "", ErrNoSnapshot.Error()},
		{"nothing", "", "no task"},
	} {
		s, err := c.FindSnapshot(context.Background(), tt.ref)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.ref, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.ref, err)
		}
		want := []containerd.Mount{{Type: "overlay", Source: "overlay", Options: []string{fmt.Sprintf("lowerdir=/default/overlayfs/KEY-%s", tt.ref)}}}
		if s.Name != tt.wantName || !reflect.DeepEqual(s.Mounts, want) || s.Spec == nil {
			t.Errorf("%s: %+v", tt.ref, s)
		}
	}
	if _, err := testClient(w, "default", true).FindSnapshot(context.Background(), "done"); err == nil || errors.Is(err, ErrNoSnapshot) {
		t.Errorf("a store without snapshots: %v", err)
	}
}
