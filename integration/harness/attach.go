package harness

import (
	"fmt"
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
	var p Proc
	if c.daemon != nil {
		p = c.daemon.Proc
	}
	return ContainerdState{Dir: c.Dir, CgroupParent: c.CgroupParent, Proc: p, NewDirs: c.newDirs}
}

// AttachContainerd finds again the containerd that s describes, started
// by another program, so that Stop removes it as it would its own.
func AttachContainerd(s ContainerdState) (*Containerd, error) {
	c := containerdIn(s.Dir, "")
	c.CgroupParent, c.PID, c.newDirs = s.CgroupParent, s.Proc.PID, s.NewDirs
	if s.Proc.PID != 0 {
		c.daemon = &Daemon{Name: "containerd", Log: c.LogPath, Proc: s.Proc} // not our child
	}
	if c.exited() {
		return c, nil // Stop cleans up what is left
	}
	var err error
	if c.Client, err = client.New(c.Address, client.WithTimeout(5*time.Second)); err != nil {
		return nil, fmt.Errorf("containerd client for %s: %w", c.Address, err)
	}
	return c, nil
}

// AttachCRI finds again the CRI containerd that s describes, started by
// another program, so that Stop removes it as it would its own.
func AttachCRI(s ContainerdState) (*CRI, error) {
	ctd, err := AttachContainerd(s)
	if err != nil {
		return nil, err
	}
	c := &CRI{Containerd: ctd}
	if c.Client == nil {
		return c, nil // exited: Stop cleans up what is left
	}
	conn, err := grpc.NewClient("unix://"+c.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	c.conn, c.Runtime, c.Images = conn, cri.NewRuntimeServiceClient(conn), cri.NewImageServiceClient(conn)
	return c, nil
}
