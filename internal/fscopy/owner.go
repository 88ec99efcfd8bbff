package fscopy

import (
	"fmt"

	"github.com/nsj-dev/nsj/nsjoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultUmask is the umask of a container whose spec gives none (runc's).
const defaultUmask = 0o022

// OwnerOf is who files written into a running container belong to: its
// spec's process.user (numeric ids; no name is ever looked up, so no NSS
// code of the container runs in nsj), mapped through p's user namespace,
// and its umask (process.user.umask, default 0022). A nil spec (-t PID)
// means root with the default umask.
func OwnerOf(spec *specs.Spec, p *nsjoin.Process) (Owner, error) {
	var uid, gid uint32
	umask := uint32(defaultUmask)
	if spec != nil && spec.Process != nil {
		u := spec.Process.User
		uid, gid = u.UID, u.GID
		if u.Umask != nil {
			umask = *u.Umask & 0o777
		}
	}
	uids, err := p.ReadIDMap("uid")
	if err != nil {
		return Owner{}, err
	}
	gids, err := p.ReadIDMap("gid")
	if err != nil {
		return Owner{}, err
	}
	hu, ok := mapID(uids, uid)
	if !ok {
		return Owner{}, fmt.Errorf("the container's uid %d has no host uid in its user namespace", uid)
	}
	hg, ok := mapID(gids, gid)
	if !ok {
		return Owner{}, fmt.Errorf("the container's gid %d has no host gid in its user namespace", gid)
	}
	return Owner{UID: hu, GID: hg, Umask: umask, Chown: true}, nil
}

// mapID maps id through the lines of a uid_map or gid_map.
func mapID(m [][3]uint32, id uint32) (uint32, bool) {
	for _, l := range m {
		if id >= l[0] && uint64(id) < uint64(l[0])+uint64(l[2]) {
			return l[1] + (id - l[0]), true
		}
	}
	return 0, false
}
