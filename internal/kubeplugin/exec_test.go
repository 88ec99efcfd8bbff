package kubeplugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

func TestExecURLIsKubectlExecOfNsjInTheAgent(t *testing.T) {
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: "https://api.test:6443"})
	if err != nil {
		t.Fatal(err)
	}
	agent := agentPod("nsj-agent-x7k2p", "node-1", nil)
	argv := []string{"nsj", "-n", "k8s.io", webID, "tcpdump", "-i", "any"}
	tests := []struct {
		name   string
		s      Streams
		params map[string][]string
	}{
		{"pipe", Streams{}, map[string][]string{"stdout": {"true"}, "stderr": {"true"}}},
		{"stdin", Streams{In: os.Stdin}, map[string][]string{"stdin": {"true"}, "stdout": {"true"}, "stderr": {"true"}}},
		{"terminal", Streams{In: os.Stdin, TTY: true}, map[string][]string{"stdin": {"true"}, "stdout": {"true"}, "tty": {"true"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := ExecURL(cs, agent, argv, tt.s)
			if u.Host != "api.test:6443" || u.Path != "/api/v1/namespaces/nsj/pods/nsj-agent-x7k2p/exec" {
				t.Fatalf("URL %s", u)
			}
			q := u.Query()
			if !slices.Equal(q["command"], argv) || q.Get("container") != AgentContainer {
				t.Fatalf("command %q container %q", q["command"], q.Get("container"))
			}
			for _, k := range []string{"stdin", "stdout", "stderr", "tty"} {
				if !slices.Equal(q[k], tt.params[k]) {
					t.Errorf("%s=%q, want %q (URL %s)", k, q[k], tt.params[k], u)
				}
			}
		})
	}
}

// executor answers StreamWithContext with err.
type executor struct{ err error }

func (e executor) Stream(remotecommand.StreamOptions) error { return e.err }
func (e executor) StreamWithContext(context.Context, remotecommand.StreamOptions) error {
	return e.err
}

func TestStreamPassesTheCommandsExitStatus(t *testing.T) {
	agent := agentPod("a1", "node-1", nil)
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods/exec"}, "a1", errors.New("no"))
	tests := []struct {
		name string
		err  error
		code int
		want []string // in the plugin's message, if it is the plugin's failure
	}{
		{"success", nil, 0, nil},
		{"exit 3", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 3"), Code: 3}, 3, nil},
		{"nsj failed", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 125"), Code: 125}, 125, nil},
		{"not found in the image", utilexec.CodeExitError{Err: errors.New("exit code 127"), Code: 127}, 127, nil},
		{"exec forbidden", forbidden, ExitFailure, []string{"running nsj in the nsj-agent pod nsj/a1 on node node-1", "needs create on pods/exec in namespace nsj"}},
		{"connection lost", fmt.Errorf("error dialing backend: %w", errors.New("EOF")), ExitFailure, []string{"running nsj in the nsj-agent pod nsj/a1", "error dialing backend: EOF", "check the cluster connection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Stream(context.Background(), executor{tt.err}, agent, Streams{})
			if got := ExitCode(err); got != tt.code {
				t.Fatalf("exit status %d, want %d (%v)", got, tt.code, err)
			}
			if tt.want != nil {
				checkPluginError(t, err, tt.want...)
			} else if IsPluginError(err) {
				t.Fatalf("%v: the command's status is not the plugin's failure", err)
			}
		})
	}
}

const kubeconfig = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster: {server: "https://api.test:6443"}
- name: p
  cluster: {server: "https://prod.test:6443"}
users:
- name: u
  user: {token: t}
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: team-a}
- name: prod
  context: {cluster: p, user: u}
`

func TestLoadConfigFindsTheNamespaceAsKubectlDoes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      string // $KUBECONFIG
		o        kubeFlags
		host, ns string
	}{
		{"$KUBECONFIG, the context's namespace", path, kubeFlags{}, "https://api.test:6443", "team-a"},
		{"-n wins", path, kubeFlags{Namespace: "shop"}, "https://api.test:6443", "shop"},
		{"--kubeconfig", "", kubeFlags{Kubeconfig: path}, "https://api.test:6443", "team-a"},
		{"--context without a namespace", path, kubeFlags{Context: "prod"}, "https://prod.test:6443", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			t.Setenv("HOME", dir) // no ~/.kube/config of the machine's
			cfg, ns, err := LoadConfig(tt.o.Kubeconfig, tt.o.Context, tt.o.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != tt.host || ns != tt.ns {
				t.Fatalf("host %s namespace %s, want %s %s", cfg.Host, ns, tt.host, tt.ns)
			}
		})
	}
}

func TestLoadConfigExplainsABadKubeconfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  string
		o    kubeFlags
		want string
	}{
		{"none", "", kubeFlags{}, "no kubeconfig"},
		{"missing file", "", kubeFlags{Kubeconfig: filepath.Join(dir, "nope")}, "loading the kubeconfig"},
		{"unknown context", path, kubeFlags{Context: "staging"}, `context "staging" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			t.Setenv("HOME", dir)
			t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod
			_, _, err := LoadConfig(tt.o.Kubeconfig, tt.o.Context, tt.o.Namespace)
			checkPluginError(t, err, tt.want)
			if !strings.Contains(err.Error(), "kubeconfig") {
				t.Errorf("%v does not mention the kubeconfig", err)
			}
		})
	}
}

// kubeFlags are the flags LoadConfig takes: --kubeconfig, --context, -n.
type kubeFlags struct{ Kubeconfig, Context, Namespace string }
