package kubeplugin

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Located is one pod's container and the agent that reaches it: what
// kubectl nsj POD, kubectl nsj cp and kubectl nsj -R find before their exec.
type Located struct {
	Config *rest.Config
	Client kubernetes.Interface
	Target *Target
	Agent  *corev1.Pod
}

// Locate reads the kubeconfig as kubectl does (kubeconfig, kubeContext and
// namespace are --kubeconfig, --context and -n; "": not given), finds
// container of pod (""; the default one) and the nsj-agent pod in
// agentNamespace on its node, all within LookupTimeout.
func Locate(kubeconfig, kubeContext, namespace, pod, container, agentNamespace string) (*Located, error) {
	cfg, ns, err := LoadConfig(kubeconfig, kubeContext, namespace)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, Errorf("connecting to the cluster: %w; check the kubeconfig", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), LookupTimeout)
	defer cancel()
	t, err := FindTarget(ctx, cs, ns, pod, container)
	if err != nil {
		return nil, err
	}
	agent, err := FindAgent(ctx, cs, agentNamespace, t.Node)
	if err != nil {
		return nil, err
	}
	return &Located{Config: cfg, Client: cs, Target: t, Agent: agent}, nil
}
