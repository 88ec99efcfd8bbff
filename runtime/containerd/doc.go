// Package containerd is nsj's client of containerd's gRPC API: the HTTP/2
// and gRPC transport over containerd's unix socket (wire.go), the protobuf
// messages of the few calls nsj makes (wiremsg.go), and the records they
// return (Container, Task). It answers what is asked and no more; finding
// and choosing a container is package runtime's.
//
// Only the containers, tasks, namespaces and version services are used, so
// containerd 1.6 servers work as well as 1.7 and 2.x. They are called
// through this small client rather than grpc-go and containerd's API stubs,
// so that nsj does not link grpc-go and the protobuf runtime, whose
// initialisation every run would pay (docs/design.md, "Speed").
package containerd
