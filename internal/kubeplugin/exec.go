package kubeplugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
)

// LoadConfig reads the kubeconfig as kubectl does ($KUBECONFIG, else
// ~/.kube/config, or --kubeconfig; --context; in a pod, the service
// account) and returns it with the pod's namespace: -n, else the
// context's, else "default". kubeconfig, kubeContext and namespace are
// --kubeconfig, --context and -n ("": not given).
func LoadConfig(kubeconfig, kubeContext, namespace string) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	overrides.Context.Namespace = namespace
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		return nil, "", Errorf("no kubeconfig: none at $KUBECONFIG or ~/.kube/config; pass --kubeconfig FILE or set KUBECONFIG")
	}
	if err != nil {
		return nil, "", Errorf("loading the kubeconfig: %w; check --kubeconfig and --context (kubectl config get-contexts)", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, "", Errorf("reading the namespace from the kubeconfig: %w; pass -n NAMESPACE", err)
	}
	return cfg, ns, nil
}

// Streams are the plugin's stdio. With TTY, ErrOut is unused: a terminal
// has one output, and the remote command's stderr goes to it.
type Streams struct {
	In          io.Reader // nil: the command gets no stdin
	Out, ErrOut io.Writer
	TTY         bool
	Sizes       remotecommand.TerminalSizeQueue // with TTY: the local terminal's size, then each change
}

// ExecURL is the API request that runs argv in the agent pod's nsj
// container, as kubectl exec makes it.
func ExecURL(cs kubernetes.Interface, agent *corev1.Pod, argv []string, s Streams) *url.URL {
	return cs.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(agent.Namespace).Name(agent.Name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: AgentContainer,
			Command:   argv,
			Stdin:     s.In != nil,
			Stdout:    true,
			Stderr:    !s.TTY,
			TTY:       s.TTY,
		}, scheme.ParameterCodec).
		URL()
}

// NewExecutor streams over WebSocket, falling back to SPDY for API servers
// that do not upgrade to it (before Kubernetes 1.30), as kubectl does.
func NewExecutor(cfg *rest.Config, u *url.URL) (remotecommand.Executor, error) {
	spdy, err := remotecommand.NewSPDYExecutor(cfg, "POST", u)
	if err != nil {
		return nil, err
	}
	ws, err := remotecommand.NewWebSocketExecutor(cfg, "GET", u.String())
	if err != nil {
		return nil, err
	}
	return remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

// Stream runs the exec and returns nil when the command exits 0, a
// utilexec.CodeExitError with its status when it exits otherwise, and an
// *Error when the exec itself fails.
func Stream(ctx context.Context, ex remotecommand.Executor, agent *corev1.Pod, s Streams) error {
	opts := remotecommand.StreamOptions{Stdin: s.In, Stdout: s.Out, Stderr: s.ErrOut, Tty: s.TTY}
	if s.TTY {
		opts.Stderr, opts.TerminalSizeQueue = nil, s.Sizes
	}
	err := ex.StreamWithContext(ctx, opts)
	if err == nil || errors.As(err, new(utilexec.ExitError)) {
		return err
	}
	what := fmt.Sprintf("running nsj in the nsj-agent pod %s/%s on node %s", agent.Namespace, agent.Name, agent.Spec.NodeName)
	if ctx.Err() != nil {
		return Errorf("%s: interrupted (%w)", what, ctx.Err())
	}
	return apiError(err, what, "create on pods/exec in namespace "+agent.Namespace)
}

// ExitCode is the plugin's exit status for the result of a run: the
// command's status, else ExitFailure.
func ExitCode(err error) int {
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return 0
	case IsPluginError(err):
		return ExitFailure
	case errors.As(err, &exit):
		return exit.ExitStatus()
	}
	return ExitFailure
}
