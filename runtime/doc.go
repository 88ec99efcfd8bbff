// Package runtime finds the process and namespaces of a containerd task: it
// connects to containerd (resolving the socket and namespace the way ctr
// does), resolves a container ID or unique ID prefix to a running task, lists
// containers and selects the running ones by label (for nsj --all), reads
// from each container's OCI spec which namespaces it has of its own, and
// checks again after joining that the task has not restarted.
//
// Only the containers, tasks, namespaces and version services are used, so
// containerd 1.6 servers work as well as 1.7 and 2.x. They are called
// through a small gRPC client of the package's own (wire.go, wiremsg.go),
// so that nsj does not link grpc-go and the protobuf runtime, whose
// initialisation every run would pay.
package runtime
