package containerd

import (
	"context"
	"net"
	"path/filepath"
	"reflect"
	"testing"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/api/types"
	"github.com/containerd/errdefs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpcSnapshots answers Mounts for one snapshot of namespace ns1.
type grpcSnapshots struct {
	snapshotsapi.UnimplementedSnapshotsServer
}

var overlayMounts = []*types.Mount{{
	Type: "overlay", Source: "overlay", Target: "ignored",
	Options: []string{"index=off", "workdir=/s/2/work", "upperdir=/s/2/fs", "lowerdir=/s/1/fs"},
}}

func (grpcSnapshots) Mounts(ctx context.Context, r *snapshotsapi.MountsRequest) (*snapshotsapi.MountsResponse, error) {
	if r.Snapshotter != "overlayfs" || r.Key != "k1" || namespaceOf(ctx) != "ns1" {
		return nil, status.Errorf(codes.NotFound, "snapshot %q of %q in %q: not found", r.Key, r.Snapshotter, namespaceOf(ctx))
	}
	return &snapshotsapi.MountsResponse{Mounts: overlayMounts}, nil
}

// TestSnapshotMounts reads a container's snapshot fields and its
// snapshot's mounts from a grpc-go server, and a missing snapshot's error.
func TestSnapshotMounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	containersapi.RegisterContainersServer(s, &grpcContainerd{ctrs: []*containersapi.Container{
		{ID: "a1", Snapshotter: "overlayfs", SnapshotKey: "k1", Image: "img"}}})
	snapshotsapi.RegisterSnapshotsServer(s, grpcSnapshots{})
	go s.Serve(l)
	t.Cleanup(s.Stop)
	c := NewConn(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	})
	t.Cleanup(func() { c.Close() })
	st := NewStore(c)
	ctx := context.Background()

	ctr, err := st.Container(ctx, "ns1", "a1")
	if err != nil {
		t.Fatal(err)
	}
	if ctr.Snapshotter != "overlayfs" || ctr.SnapshotKey != "k1" || ctr.Image != "img" {
		t.Fatalf("container: %+v", ctr)
	}
	got, err := st.SnapshotMounts(ctx, "ns1", ctr.Snapshotter, ctr.SnapshotKey)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{{Type: "overlay", Source: "overlay", Options: overlayMounts[0].Options}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mounts:\n got %+v\nwant %+v", got, want)
	}
	if _, err := st.SnapshotMounts(ctx, "ns1", "overlayfs", "gone"); !errdefs.IsNotFound(err) {
		t.Fatalf("a missing snapshot: %v, want not found", err)
	}
}
