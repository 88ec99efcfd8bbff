// Package runtime finds the process and namespaces of a containerd task: it
// connects to containerd (resolving the socket and namespace the way ctr
// does), resolves a container ID or unique ID prefix to a running task, lists
// containers and selects the running ones by label (for nsj --all), reads
// from each container's OCI spec which namespaces it has of its own, and
// checks again after joining that the task has not restarted.
//
// containerd is called through package runtime/containerd (the protocol and
// its records), behind the store interface (store.go).
package runtime

import "github.com/nsj-dev/nsj/runtime/containerd"

// APIVersion names the part of containerd's API nsj speaks (--version).
const APIVersion = containerd.APIVersion
