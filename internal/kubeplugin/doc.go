// Package kubeplugin is what the kubectl plugin kubectl-nsj does, below
// its command line (cmd/kubectl-nsj): it resolves a pod's container to its
// node and containerd ID (resolve.go), finds the nsj-agent pod that the
// DaemonSet of docs/kubernetes runs on that node (agent.go), and runs
// "nsj -n k8s.io ID COMMAND" there through the API server's exec, streaming
// stdin, stdout, stderr and the exit code as kubectl exec does (exec.go);
// with -l, one nsj --all per node (fanout.go).
package kubeplugin
