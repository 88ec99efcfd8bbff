package containerd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/containerd/errdefs"
)

// The messages of containerd's API (github.com/containerd/containerd/api,
// services/*/v1/*.proto) that nsj sends and reads, in protobuf's wire
// format: only the fields nsj uses; the others are skipped.

// APIVersion names the part of containerd's API nsj speaks (--version).
const APIVersion = "containers, tasks, namespaces, version, snapshots (Mounts, for nsj cp) v1 (gRPC)"

// The gRPC methods nsj calls.
const (
	methodGetContainer   = "/containerd.services.containers.v1.Containers/Get"
	methodListContainers = "/containerd.services.containers.v1.Containers/List"
	// methodListContainerStream answers one message per container
	// (containerd 1.3 and later).
	methodListContainerStream = "/containerd.services.containers.v1.Containers/ListStream"
	methodGetTask             = "/containerd.services.tasks.v1.Tasks/Get"
	methodListTasks           = "/containerd.services.tasks.v1.Tasks/List"
	methodListNamespaces      = "/containerd.services.namespaces.v1.Namespaces/List"
	methodVersion             = "/containerd.services.version.v1.Version/Version"
)

// namespaceHeader is the gRPC metadata key that tells containerd the
// namespace of a call (containerd's namespaces.GRPCHeader).
const namespaceHeader = "containerd-namespace"

// Store makes the calls of containerd's API that nsj uses over a Conn.
type Store struct{ w *Conn }

// NewStore returns the store that calls containerd over c.
func NewStore(c *Conn) Store { return Store{c} }

func (s Store) Container(ctx context.Context, ns, id string) (Container, error) {
	var c Container
	err := s.get(ctx, ns, methodGetContainer, appendString(nil, 1, id), func(f field) error {
		var err error
		if f.num == 1 && f.bytes != nil { // GetContainerResponse.container
			c, err = decodeContainer(f.bytes)
		}
		return err
	})
	return c, err
}

// Containers lists the containers of namespace ns that match any of the
// filters, through Containers/ListStream (one message per container, so
// that no namespace is too large for gRPC's 16 MiB messages), or through
// Containers/List where the server lacks ListStream.
func (s Store) Containers(ctx context.Context, ns string, filters ...string) ([]Container, error) {
	var req []byte
	for _, f := range filters { // ListContainersRequest.filters
		req = appendString(req, 1, f)
	}
	out := []Container{}
	each := func(f field) error {
		if f.num != 1 || f.bytes == nil { // ListContainerMessage.container, ListContainersResponse.containers
			return nil
		}
		c, err := decodeContainer(f.bytes)
		out = append(out, c)
		return err
	}
	err := s.w.Call(ctx, ns, methodListContainerStream, req, func(msg []byte) error { return eachField(msg, each) })
	if errdefs.IsNotImplemented(err) && len(out) == 0 {
		err = s.get(ctx, ns, methodListContainers, req, each)
	}
	return out, err
}

func (s Store) Task(ctx context.Context, ns, id string) (Task, error) {
	t := Task{ID: id, Status: StatusUnknown}
	err := s.get(ctx, ns, methodGetTask, appendString(nil, 1, id), func(f field) error {
		if f.num != 1 || f.bytes == nil { // GetResponse.process
			return nil
		}
		p, err := decodeProcess(f.bytes)
		t.PID, t.Status = p.PID, p.Status
		return err
	})
	return t, err
}

func (s Store) Tasks(ctx context.Context, ns string) ([]Task, error) {
	out := []Task{}
	err := s.get(ctx, ns, methodListTasks, nil, func(f field) error {
		if f.num != 1 || f.bytes == nil { // ListTasksResponse.tasks
			return nil
		}
		p, err := decodeProcess(f.bytes)
		out = append(out, p)
		return err
	})
	return out, err
}

func (s Store) Namespaces(ctx context.Context) ([]string, error) {
	var out []string
	err := s.get(ctx, "", methodListNamespaces, nil, func(f field) error {
		if f.num != 1 || f.bytes == nil { // ListNamespacesResponse.namespaces
			return nil
		}
		return eachField(f.bytes, func(f field) error {
			if f.num == 1 && f.bytes != nil { // Namespace.name
				out = append(out, string(f.bytes))
			}
			return nil
		})
	})
	return out, err
}

func (s Store) Version(ctx context.Context) (string, error) {
	var v string
	err := s.get(ctx, "", methodVersion, nil, func(f field) error {
		if f.num == 1 && f.bytes != nil { // VersionResponse.version
			v = string(f.bytes)
		}
		return nil
	})
	return v, err
}

// get makes a unary call and hands each field of the response to fn.
func (s Store) get(ctx context.Context, ns, method string, req []byte, fn func(field) error) error {
	n := 0
	err := s.w.Call(ctx, ns, method, req, func(msg []byte) error {
		if n++; n > 1 {
			return errors.New("containerd answered a unary call with several messages")
		}
		return eachField(msg, fn)
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: containerd's answer has no message: %w", method, errdefs.ErrUnavailable)
	}
	return err
}

// decodeContainer reads a containerd.services.containers.v1.Container.
func decodeContainer(b []byte) (Container, error) {
	var c Container
	var created struct{ sec, nsec int64 }
	err := eachField(b, func(f field) error {
		switch {
		case f.bytes == nil:
		case f.num == 1:
			c.ID = string(f.bytes)
		case f.num == 2:
			k, v, err := decodeEntry(f.bytes)
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			c.Labels[k] = string(v)
			return err
		case f.num == 3:
			c.Image = string(f.bytes)
		case f.num == 5:
			a, err := decodeAny(f.bytes)
			c.Spec = &a
			return err
		case f.num == 6:
			c.Snapshotter = string(f.bytes)
		case f.num == 7:
			c.SnapshotKey = string(f.bytes)
		case f.num == 8: // google.protobuf.Timestamp created_at
			return eachField(f.bytes, func(f field) error {
				switch f.num {
				case 1:
					created.sec = int64(f.varint)
				case 2:
					created.nsec = int64(int32(f.varint))
				}
				return nil
			})
		case f.num == 10:
			k, v, err := decodeEntry(f.bytes)
			if err != nil {
				return err
			}
			a, err := decodeAny(v)
			if c.Extensions == nil {
				c.Extensions = map[string]Any{}
			}
			c.Extensions[k] = a
			return err
		}
		return nil
	})
	if created.sec != 0 || created.nsec != 0 {
		c.CreatedAt = time.Unix(created.sec, created.nsec).UTC()
	}
	return c, err
}

// decodeProcess reads a containerd.v1.types.Process.
func decodeProcess(b []byte) (Task, error) {
	var containerID, id string
	var pid, status uint64
	err := eachField(b, func(f field) error {
		switch f.num {
		case 1:
			containerID = string(f.bytes)
		case 2:
			id = string(f.bytes)
		case 3:
			pid = f.varint
		case 4:
			status = f.varint
		}
		return nil
	})
	if id == "" {
		id = containerID
	}
	return Task{ID: id, PID: uint32(pid), Status: statusName(status)}, err
}

// statusName names containerd.v1.types.Status values.
func statusName(s uint64) string {
	switch s {
	case 1:
		return StatusCreated
	case 2:
		return StatusRunning
	case 3:
		return StatusStopped
	case 4:
		return StatusPaused
	case 5:
		return StatusPausing
	}
	return StatusUnknown
}

// decodeEntry reads a map entry: key 1 (a string), value 2.
func decodeEntry(b []byte) (string, []byte, error) {
	var k string
	var v []byte
	err := eachField(b, func(f field) error {
		switch f.num {
		case 1:
			k = string(f.bytes)
		case 2:
			v = f.bytes
		}
		return nil
	})
	return k, v, err
}

// decodeAny reads a google.protobuf.Any.
func decodeAny(b []byte) (Any, error) {
	var a Any
	err := eachField(b, func(f field) error {
		switch f.num {
		case 1:
			a.TypeURL = string(f.bytes)
		case 2:
			a.Value = f.bytes
		}
		return nil
	})
	return a, err
}

// field is one field of a protobuf message: a length-delimited value
// (bytes non-nil, perhaps empty) or a varint.
type field struct {
	num    uint64
	bytes  []byte
	varint uint64
}

// eachField hands the fields of a protobuf message to fn, in order,
// skipping fixed-size ones (nsj reads none).
func eachField(b []byte, fn func(field) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errBadMessage
		}
		b = b[n:]
		f := field{num: tag >> 3}
		if f.num == 0 || f.num > maxFieldNumber {
			return errBadMessage
		}
		switch tag & 7 {
		case 0:
			if f.varint, n = binary.Uvarint(b); n <= 0 {
				return errBadMessage
			}
		case 1:
			n = 8
		case 2:
			l, m := binary.Uvarint(b)
			if m <= 0 || l > uint64(len(b)-m) {
				return errBadMessage
			}
			f.bytes, n = b[m:m+int(l):m+int(l)], m+int(l)
		case 5:
			n = 4
		default:
			return errBadMessage
		}
		if n > len(b) {
			return errBadMessage
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

var errBadMessage = errors.New("malformed protobuf message")

// maxFieldNumber is the largest field number read, as protobuf-go's
// protowire reads tags (2^31-1; protobuf's own numbers stop at 2^29-1, and
// nsj reads none above 10).
const maxFieldNumber = 1<<31 - 1

// appendString appends string field num (length-delimited) to b.
func appendString(b []byte, num uint64, s string) []byte {
	b = binary.AppendUvarint(b, num<<3|2)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
