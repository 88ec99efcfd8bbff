package harness

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/containerd/containerd/v2/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ContainerdState is what a later program needs to find a detached
// containerd again and stop it (nsj-cluster down): its directory, cgroup
// parent, process and the directories outside Dir it made.
type ContainerdState struct {
	Dir          string
	CgroupParent string
	Proc         Proc
	NewDirs      []string
}

// Saved is the state to record for Attach.
func (c *Containerd) Saved() ContainerdState {
	return ContainerdState{Dir: c.Dir, CgroupParent: c.CgroupParent, Proc: c.proc, NewDirs: c.newDirs}
}

// AttachCRI finds again the CRI containerd that s describes, started by
// another program, so that Stop removes it as it would its own.
func AttachCRI(s ContainerdState) (*CRI, error) {
	c := &CRI{Containerd: &Containerd{
		Dir: s.Dir, Address: filepath.Join(s.Dir, "c.sock"),
		Root: filepath.Join(s.Dir, "root"), State: filepath.Join(s.Dir, "state"),
		RuncRoot: filepath.Join(s.Dir, "runc"), LogPath: filepath.Join(s.Dir, "containerd.log"),
		CgroupParent: s.CgroupParent, PID: s.Proc.PID, proc: s.Proc, newDirs: s.NewDirs,
	}}
	if c.exited() {
		return c, nil // Stop cleans up what is left
	}
	var err error
	if c.Client, err = client.New(c.Address, client.WithTimeout(5*time.Second)); err != nil {
		return nil, fmt.Errorf("containerd client for %s: %w", c.Address, err)
	}
	conn, err := grpc.NewClient("unix://"+c.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	c.conn, c.Runtime, c.Images = conn, cri.NewRuntimeServiceClient(conn), cri.NewImageServiceClient(conn)
	return c, nil
}
