package containerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	namespacesapi "github.com/containerd/containerd/api/services/namespaces/v1"
	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	versionapi "github.com/containerd/containerd/api/services/version/v1"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/errdefs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const sandboxMeta = "io.cri-containerd.sandbox.metadata"

// grpcContainerd is containerd's API served by grpc-go itself, from the
// API module's stubs: what the wire client must understand.
type grpcContainerd struct {
	containersapi.UnimplementedContainersServer
	ctrs []*containersapi.Container
}

func namespaceOf(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	return strings.Join(md.Get(namespaceHeader), ",")
}

func (g *grpcContainerd) Get(ctx context.Context, r *containersapi.GetContainerRequest) (*containersapi.GetContainerResponse, error) {
	for _, c := range g.ctrs {
		if c.ID == r.ID && namespaceOf(ctx) == "ns1" {
			return &containersapi.GetContainerResponse{Container: c}, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "container %q in namespace %q: not found", r.ID, namespaceOf(ctx))
}

func (g *grpcContainerd) List(ctx context.Context, r *containersapi.ListContainersRequest) (*containersapi.ListContainersResponse, error) {
	if len(r.Filters) == 0 {
		return &containersapi.ListContainersResponse{Containers: g.ctrs}, nil
	}
	if strings.Join(r.Filters, "|") != "id~=^a|labels.x" {
		return nil, status.Errorf(codes.InvalidArgument, "filters %q", r.Filters)
	}
	return &containersapi.ListContainersResponse{Containers: g.ctrs}, nil
}

type grpcTasks struct {
	tasksapi.UnimplementedTasksServer
}

func (g grpcTasks) Get(ctx context.Context, r *tasksapi.GetRequest) (*tasksapi.GetResponse, error) {
	return &tasksapi.GetResponse{Process: &tasktypes.Process{ContainerID: r.ContainerID, Pid: 4242, Status: tasktypes.Status_PAUSING}}, nil
}

func (g grpcTasks) List(ctx context.Context, r *tasksapi.ListTasksRequest) (*tasksapi.ListTasksResponse, error) {
	return &tasksapi.ListTasksResponse{Tasks: []*tasktypes.Process{
		{ID: "a1", Pid: 1, Status: tasktypes.Status_RUNNING}, {ContainerID: "a2", Pid: 2, Status: tasktypes.Status_STOPPED}}}, nil
}

type grpcNamespaces struct {
	namespacesapi.UnimplementedNamespacesServer
}

type grpcVersion struct {
	versionapi.UnimplementedVersionServer
}

func (g grpcNamespaces) List(ctx context.Context, r *namespacesapi.ListNamespacesRequest) (*namespacesapi.ListNamespacesResponse, error) {
	return &namespacesapi.ListNamespacesResponse{Namespaces: []*namespacesapi.Namespace{{Name: "default"}, {Name: "k8s.io"}}}, nil
}

func (grpcVersion) Version(context.Context, *emptypb.Empty) (*versionapi.VersionResponse, error) {
	return &versionapi.VersionResponse{Version: "2.4.2", Revision: "r"}, nil
}

// serveGRPC serves g on a unix socket and returns a connection to it.
func serveGRPC(t *testing.T, g *grpcContainerd) *Conn { return serveGRPCWith(t, g) }

// serveGRPCWith serves containers service g and the others.
func serveGRPCWith(t *testing.T, g containersapi.ContainersServer) *Conn {
	path := filepath.Join(t.TempDir(), "c.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	containersapi.RegisterContainersServer(s, g)
	tasksapi.RegisterTasksServer(s, grpcTasks{})
	namespacesapi.RegisterNamespacesServer(s, grpcNamespaces{})
	versionapi.RegisterVersionServer(s, grpcVersion{})
	go s.Serve(l)
	t.Cleanup(s.Stop)
	c := NewConn(func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestWireSpeaksGRPC makes each call of the wire client to a grpc-go
// server, several times over one connection, with answers large enough to
// span frames.
func TestWireSpeaksGRPC(t *testing.T) {
	spec := []byte(`{"ociVersion":"1.2.0","linux":{"namespaces":[{"type":"network","path":"/run/netns/x"},{"type":"pid"}]},"annotations":{"big":"` + strings.Repeat("z", 100000) + `"}}`)
	created := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	g := &grpcContainerd{ctrs: []*containersapi.Container{{
		ID: "a1", Image: "img", Labels: map[string]string{"x": "1", "y": ""},
		Spec:       &anypb.Any{TypeUrl: "types.containerd.io/opencontainers/runtime-spec/1/Spec", Value: spec},
		CreatedAt:  timestamppb.New(created),
		Extensions: map[string]*anypb.Any{sandboxMeta: {TypeUrl: "meta", Value: []byte(`{}`)}},
	}, {ID: "a2"}}}
	c := serveGRPC(t, g)
	s, ctx := NewStore(c), context.Background()
	want := Container{ID: "a1", Image: "img", Labels: map[string]string{"x": "1", "y": ""},
		Spec:      &Any{TypeURL: "types.containerd.io/opencontainers/runtime-spec/1/Spec", Value: spec},
		CreatedAt: created, Extensions: map[string]Any{sandboxMeta: {TypeURL: "meta", Value: []byte(`{}`)}}}
	for range 3 {
		got, err := s.Container(ctx, "ns1", "a1")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("container: got %+v, %v", got.ID, err)
		}
		ctrs, err := s.Containers(ctx, "ns1", "id~=^a", "labels.x")
		if err != nil || len(ctrs) != 2 || !reflect.DeepEqual(ctrs[0], want) || ctrs[1].ID != "a2" || ctrs[1].Spec != nil {
			t.Fatalf("containers: got %d, %v", len(ctrs), err)
		}
		ts, err := s.Task(ctx, "ns1", "a1")
		if err != nil || ts != (Task{ID: "a1", PID: 4242, Status: StatusPausing}) {
			t.Fatalf("task: got %+v, %v", ts, err)
		}
		tss, err := s.Tasks(ctx, "ns1")
		if err != nil || !reflect.DeepEqual(tss, []Task{{"a1", 1, StatusRunning}, {"a2", 2, StatusStopped}}) {
			t.Fatalf("tasks: got %+v, %v", tss, err)
		}
		nss, err := s.Namespaces(ctx)
		if err != nil || !reflect.DeepEqual(nss, []string{"default", "k8s.io"}) {
			t.Fatalf("namespaces: got %v, %v", nss, err)
		}
		if v, err := s.Version(ctx); err != nil || v != "2.4.2" {
			t.Fatalf("version: got %q, %v", v, err)
		}
	}
	_, err := s.Container(ctx, "ns2", "a1")
	if !errdefs.IsNotFound(err) || err.Error() != `container "a1" in namespace "ns2": not found` {
		t.Errorf("not found: got %v", err)
	}
	_, err = s.Containers(ctx, "ns1", "bad")
	if !errdefs.IsInvalidArgument(err) || err.Error() != `filters ["bad"]: invalid argument` {
		t.Errorf("invalid argument: got %v", err)
	}
	// The connection survives error statuses.
	if _, err := s.Task(ctx, "ns1", "a1"); err != nil {
		t.Errorf("after errors: %v", err)
	}
	// Past half its window, the connection's window is restored first.
	c.recv = window/2 + 1
	if _, err := s.Container(ctx, "ns1", "a1"); err != nil || c.recv > 200000 {
		t.Errorf("after a window update: %v (received %d)", err, c.recv)
	}
}

// TestWireCanceled: a call whose context ends returns the context's error.
func TestWireCanceled(t *testing.T) {
	c := NewConn(func(ctx context.Context) (net.Conn, error) {
		a, b := net.Pipe()
		go func() { <-ctx.Done(); b.Close() }()
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		return a, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := NewStore(c).Task(ctx, "ns", "x")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context canceled", err)
	}
}

// grpcStreaming is grpcContainerd with Containers/ListStream, which
// containerd 1.3 and later serve.
type grpcStreaming struct{ *grpcContainerd }

func (g grpcStreaming) ListStream(r *containersapi.ListContainersRequest, s containersapi.Containers_ListStreamServer) error {
	for _, c := range g.ctrs {
		if err := s.Send(&containersapi.ListContainerMessage{Container: c}); err != nil {
			return err
		}
	}
	return nil
}

// TestListStream: a namespace whose records exceed 16 MiB (300 containers
// with 69 KB of labels) is listed through ListStream; through List alone
// (a server without ListStream), its one message is refused.
func TestListStream(t *testing.T) {
	var ctrs []*containersapi.Container
	for i := range 300 {
		ctrs = append(ctrs, &containersapi.Container{ID: fmt.Sprintf("c%03d", i), Labels: map[string]string{"big": strings.Repeat("x", 69<<10)}})
	}
	g := &grpcContainerd{ctrs: ctrs}
	c := serveGRPCWith(t, grpcStreaming{g})
	got, err := NewStore(c).Containers(context.Background(), "ns1")
	if err != nil || len(got) != 300 || got[299].ID != "c299" || len(got[0].Labels["big"]) != 69<<10 {
		t.Fatalf("ListStream: got %d containers, %v", len(got), err)
	}
	_, err = NewStore(serveGRPCWith(t, g)).Containers(context.Background(), "ns1")
	if !errors.Is(err, errTooLarge) {
		t.Errorf("List of 20 MiB: got %v, want nsj's 16 MiB limit", err)
	}
}
