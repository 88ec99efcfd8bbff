package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Options say how to reach containerd.
type Options struct {
	// Address is the -a/--address flag: a socket path, optionally with a
	// unix:// prefix. "" means $CONTAINERD_ADDRESS, else every one of
	// DefaultSockets that exists (node.go).
	Address string
	// Namespace is the -n/--namespace flag. "" means $CONTAINERD_NAMESPACE,
	// else "default" (and then Find also searches the other namespaces).
	Namespace string
	// Timeout bounds Connect, and separately each later call (Find, List,
	// Recheck). 0 means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout is used when Options.Timeout is 0.
const DefaultTimeout = 5 * time.Second

// DefaultNamespace is the containerd namespace used when none is given.
const DefaultNamespace = "default"

// Environment variables read by ResolveAddress and ResolveNamespace; they are
// the ones ctr reads.
const (
	EnvAddress   = "CONTAINERD_ADDRESS"
	EnvNamespace = "CONTAINERD_NAMESPACE"
)

// DefaultSockets are considered, in order, when no address is given: stock
// containerd, k3s, microk8s, and the containerd that older Docker runs.
var DefaultSockets = []string{
	"/run/containerd/containerd.sock",
	"/run/k3s/containerd/containerd.sock",
	"/var/snap/microk8s/common/run/containerd.sock",
	"/run/docker/containerd/containerd.sock",
}

const addressHint = "pass -a/--address or set " + EnvAddress

// ResolveAddress picks the containerd socket: the flag, else $CONTAINERD_ADDRESS
// (read with getenv), else the first of DefaultSockets that exists. It checks
// with exists (os.Stat in production) that the chosen path is a unix socket,
// and returns the address without any unix:// prefix. Errors are of kind
// ErrUnavailable.
func ResolveAddress(flag string, getenv func(string) string, exists func(string) (os.FileInfo, error)) (string, error) {
	addrs, _, err := ResolveAddresses(flag, getenv, exists)
	if err != nil {
		return "", err
	}
	return addrs[0], nil
}

// ResolveAddresses picks the containerd sockets nsj considers: the flag, else
// $CONTAINERD_ADDRESS (then given is true and there is one), else every one
// of DefaultSockets that exists, in their order. A default path that exists
// but is not a socket is an error only if no other default is usable. Errors
// are of kind ErrUnavailable.
func ResolveAddresses(flag string, getenv func(string) string, exists func(string) (os.FileInfo, error)) (addrs []string, given bool, err error) {
	switch {
	case flag != "":
		addr, err := checkSocket(SocketPath(flag), "-a/--address", exists)
		return []string{addr}, true, err
	case getenv(EnvAddress) != "":
		addr, err := checkSocket(SocketPath(getenv(EnvAddress)), EnvAddress, exists)
		return []string{addr}, true, err
	}
	var firstErr, denied error
	for _, p := range DefaultSockets {
		_, err := exists(p)
		switch {
		case errors.Is(err, fs.ErrPermission):
			if denied == nil {
				denied = newError(ErrUnavailable, "permission denied reaching %s%s: run nsj as root", p, parens(blockedBy(p)))
			}
			continue
		case err != nil:
			continue
		}
		addr, err := checkSocket(p, "default location", exists)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		addrs = append(addrs, addr)
	}
	switch {
	case len(addrs) > 0:
		return addrs, false, nil
	case firstErr != nil:
		return nil, false, firstErr
	case denied != nil:
		return nil, false, denied
	}
	return nil, false, newError(ErrUnavailable, "no containerd socket found (tried %s); is containerd running? If its socket is elsewhere, %s",
		strings.Join(DefaultSockets, ", "), addressHint)
}

// blockedBy names the directory on the way to path that this process may not
// search, such as "/run/containerd is 0700", or "" if none is found.
func blockedBy(path string) string {
	dir := "/"
	for _, part := range strings.Split(strings.Trim(filepath.Dir(path), "/"), "/") {
		dir = filepath.Join(dir, part)
		if unix.Access(dir, unix.X_OK) == nil {
			continue
		}
		fi, err := os.Stat(dir)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("%s is %04o", dir, fi.Mode().Perm())
	}
	return ""
}

// SocketPath strips the unix:// scheme from a containerd address.
func SocketPath(address string) string {
	return strings.TrimPrefix(address, "unix://")
}

// checkSocket returns path if it names a unix socket. from says where the
// path came from, for the error message.
func checkSocket(path, from string, exists func(string) (os.FileInfo, error)) (string, error) {
	fi, err := exists(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", newError(ErrUnavailable, "containerd socket %s (from %s) does not exist; is containerd running? Check the path, or %s", path, from, addressHint)
	case errors.Is(err, fs.ErrPermission):
		if dir := blockedBy(path); dir != "" {
			from += "; " + dir
		}
		return "", newError(ErrUnavailable, "cannot reach containerd socket %s (from %s): permission denied; run nsj as root", path, from)
	case err != nil:
		return "", &Error{Kind: ErrUnavailable, Err: err, Msg: fmt.Sprintf("check containerd socket %s (from %s)", path, from)}
	case fi.Mode().Type() == fs.ModeSocket && strings.HasSuffix(path, ttrpcSuffix):
		return "", newError(ErrUnavailable, "%s (from %s) is containerd's ttrpc socket, for its shims; nsj talks to its gRPC API: -a %s",
			path, from, strings.TrimSuffix(path, ttrpcSuffix))
	case fi.Mode().Type() != fs.ModeSocket:
		return "", newError(ErrUnavailable, "%s (from %s) is not a unix socket (it is a %s); point -a/--address or %s at containerd's socket",
			path, from, describeMode(fi.Mode()), EnvAddress)
	}
	return path, nil
}

// ttrpcSuffix ends the name of the socket containerd serves its shims on,
// beside its gRPC socket; ttrpc does not answer HTTP/2 at all.
const ttrpcSuffix = ".ttrpc"

// parens is " (s)", or "" for "".
func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "non-socket file"
}

// ResolveNamespace picks the containerd namespace: the flag, else
// $CONTAINERD_NAMESPACE, else DefaultNamespace. explicit is false only in the
// last case, where Find may search the other namespaces.
func ResolveNamespace(flag string, getenv func(string) string) (ns string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if env := getenv(EnvNamespace); env != "" {
		return env, true
	}
	return DefaultNamespace, false
}
