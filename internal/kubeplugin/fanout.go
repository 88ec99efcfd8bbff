package kubeplugin

import (
	"context"
	"fmt"
	"github.com/nsj-dev/nsj/internal/base/selector"
	"io"
	"k8s.io/apimachinery/pkg/labels"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/nsj-dev/nsj/internal/base/cri"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// kubectl nsj -l SELECTOR: the pods that the API server lists for the
// selector, grouped by node, and on each node one exec in the node's agent
// of "nsj --all --stop-at-eof --selector ... -- COMMAND", which picks the
// same pods there by their labels (nsj sees a container's pod labels) and
// prints what nsj --all prints. The exec's stdin is a pipe the plugin
// never writes: closing it is how a ^C reaches every node's nsj --all, as
// an exec whose stream is cut does not signal the process it started.

// interruptGrace is how long the nodes' runs have to end after a ^C
// closed their stdin; then, or on a second ^C, the execs are cut.
const interruptGrace = 15 * time.Second

// nodeRun is the run on one node.
type nodeRun struct {
	node  string
	agent *corev1.Pod
	argv  []string
	stdin *io.PipeWriter // closed to stop the run
	code  int
}

// FanOut is one kubectl nsj -l: what its command line asked for.
type FanOut struct {
	Selector       string   // -l: the pods' labels, as the API server reads them
	Namespace      string   // the pods' namespace; "": every one (-A)
	Container      string   // -c: only this container of each pod; "": every app container
	AgentNamespace string   // --agent-namespace: where the nsj-agent pods are
	Jobs           int      // -j: tasks at a time on each node; 0: nsj's default
	Output         string   // -o: "" (text) or "json"
	NoPrefix       bool     // --no-prefix
	Debug          bool     // --debug: say on stderr what runs where
	Command        []string // COMMAND [ARG...]
}

// Run runs f on every node that has a matching pod, through cfg's API
// server, and returns the highest exit status (streamNodes).
func (f *FanOut) Run(cfg *rest.Config) (int, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, Errorf("connecting to the cluster: %w; check the kubeconfig", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), LookupTimeout)
	defer cancel()
	nodes, err := PodNodes(ctx, cs, f.Namespace, f.Selector)
	if err != nil {
		return 0, err
	}
	argv, err := f.Args()
	if err != nil {
		return 0, err
	}
	runs, err := nodeRuns(ctx, cs, f.AgentNamespace, nodes, argv, f.Debug)
	if err != nil {
		return 0, err
	}
	return streamNodes(cfg, cs, runs), nil
}

// nodeRuns finds the agent on each node, for a run of argv there; with
// debug it says which.
func nodeRuns(ctx context.Context, cs kubernetes.Interface, agentNS string, nodes, argv []string, debug bool) ([]*nodeRun, error) {
	var runs []*nodeRun
	for _, node := range nodes {
		agent, err := FindAgent(ctx, cs, agentNS, node)
		if err != nil {
			return nil, err
		}
		runs = append(runs, &nodeRun{node: node, agent: agent, argv: argv})
		if debug {
			fmt.Fprintf(os.Stderr, "kubectl-nsj: node %s: running %q in pod %s/%s\n", node, argv, agent.Namespace, agent.Name)
		}
	}
	return runs, nil
}

// PodNodes lists the running pods that selector picks in namespace ns
// ("": every one) and returns their nodes, sorted; an error if there is none.
func PodNodes(ctx context.Context, cs kubernetes.Interface, ns, selector string) ([]string, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	where, scope := fmt.Sprintf("in namespace %s", ns), "-n "+ns
	if ns == "" {
		where, scope = "in any namespace", "-A"
	}
	if err != nil {
		return nil, apiError(err, fmt.Sprintf("listing the pods with labels %s %s", selector, where), "list on pods "+where)
	}
	seen := map[string]bool{}
	var nodes []string
	for i := range list.Items {
		p := &list.Items[i]
		if p.Status.Phase != corev1.PodRunning || p.Spec.NodeName == "" || seen[p.Spec.NodeName] {
			continue
		}
		seen[p.Spec.NodeName] = true
		nodes = append(nodes, p.Spec.NodeName)
	}
	if len(nodes) == 0 {
		return nil, Errorf("no running pod with labels %s %s (%d listed); see kubectl get pods -l %s %s",
			selector, where, len(list.Items), selector, scope)
	}
	sort.Strings(nodes)
	return nodes, nil
}

// Args is the command line of nsj --all in each node's agent: the
// Kubernetes app containers (not sandboxes) of pods with the selector's
// labels, in pod namespace f.Namespace ("": any), only container -c if given.
func (f *FanOut) Args() ([]string, error) {
	terms, err := SelectorLabels(f.Selector)
	if err != nil {
		return nil, err
	}
	argv := []string{"nsj", "-n", ContainerdNamespace, "--all", "--stop-at-eof",
		"--selector", cri.LabelKind + "=" + cri.KindContainer}
	if f.Debug {
		argv = append(argv, "--debug")
	}
	if f.Namespace != "" {
		argv = append(argv, "--pod-namespace", f.Namespace)
	}
	if f.Container != "" {
		argv = append(argv, "--selector", cri.LabelContainer+"="+f.Container)
	}
	for _, t := range terms {
		argv = append(argv, "--selector", t)
	}
	if f.Jobs > 0 {
		argv = append(argv, "-j", fmt.Sprint(f.Jobs))
	}
	if f.Output == "json" {
		argv = append(argv, "-o", "json")
	}
	if f.NoPrefix {
		argv = append(argv, "--no-prefix")
	}
	return append(append(argv, "--"), f.Command...), nil
}

// streamNodes runs every node's exec at once, its output lines whole on
// stdout and stderr (nsj's own lines naming their node when there are
// several: "nsj: node NODE: 1 of 2 tasks failed: ..."), and returns the highest of their exit statuses (an
// exec that failed counts as ExitFailure, after a line saying why). The
// first SIGINT, SIGTERM or SIGHUP closes every run's stdin; a second one,
// or interruptGrace later, cuts the execs.
func streamNodes(cfg *rest.Config, cs kubernetes.Interface, runs []*nodeRun) int {
	var outMu, errMu sync.Mutex
	ctx, cut := context.WithCancel(context.Background())
	defer cut()
	var wg sync.WaitGroup
	for _, r := range runs {
		in, stdin := io.Pipe()
		r.stdin = stdin
		out, errOut := newLineWriter(os.Stdout, &outMu), newLineWriter(os.Stderr, &errMu)
		if len(runs) > 1 {
			errOut.tagNode(r.node)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			runNode(ctx, cfg, cs, r, Streams{In: in, Out: out, ErrOut: errOut}, errOut, func() { out.Flush() })
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	watchInterrupt(runs, cut, done)
	return worstCode(runs)
}

// worstCode is the highest exit status of the nodes' runs.
func worstCode(runs []*nodeRun) int {
	code := 0
	for _, r := range runs {
		code = max(code, r.code)
	}
	return code
}

// runNode runs r's exec with s, then calls outDone (its stdout is all
// written), says on errOut what went wrong with the exec itself (nsj on the
// node has said the rest), and keeps the run's exit status in r.code.
func runNode(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, r *nodeRun, s Streams, errOut *lineWriter, outDone func()) {
	err := execNode(ctx, cfg, cs, r, s)
	outDone()
	if err != nil && IsPluginError(err) {
		fmt.Fprintf(errOut, "kubectl-nsj: node %s: %v\n", r.node, err)
	}
	errOut.Flush()
	r.code = ExitCode(err)
}

func execNode(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, r *nodeRun, s Streams) error {
	ex, err := NewExecutor(cfg, ExecURL(cs, r.agent, r.argv, s))
	if err != nil {
		return Errorf("preparing the exec in pod %s/%s: %w", r.agent.Namespace, r.agent.Name, err)
	}
	return Stream(ctx, ex, r.agent, s)
}

// watchInterrupt waits until done; on a signal it closes every run's
// stdin (each node's nsj --all then stops its commands and ends), and on
// a second one, or interruptGrace after the first, it cuts the execs.
func watchInterrupt(runs []*nodeRun, cut func(), done <-chan struct{}) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	select {
	case <-done:
		return
	case <-sigs:
	}
	for _, r := range runs {
		r.stdin.Close()
	}
	grace := time.NewTimer(interruptGrace)
	defer grace.Stop()
	select {
	case <-done:
		return
	case <-sigs:
	case <-grace.C:
	}
	cut()
	<-done
}

// SelectorLabels reads a label selector as the API server does and returns
// its terms as nsj --all --selector takes them, one a flag (all must
// match): nsj reads the same grammar (internal/base/selector) and applies it on
// the node to each container's pod labels. The comparisons < and >, which
// the API server takes but nsj does not, are refused here.
func SelectorLabels(sel string) ([]string, error) {
	parsed, err := labels.Parse(sel)
	if err != nil {
		return nil, Errorf("-l %q: %w; write KEY=VALUE, KEY!=VALUE, KEY, !KEY, KEY in (V1,V2) or KEY notin (V1,V2), joined by commas", sel, err)
	}
	reqs, _ := parsed.Requirements()
	if len(reqs) == 0 {
		return nil, Errorf("-l %q: no label; write KEY=VALUE[,KEY=VALUE...]", sel)
	}
	terms, err := selector.Parse(parsed.String())
	if err != nil {
		return nil, Errorf("-l %q: %w", sel, err)
	}
	out := make([]string, len(terms))
	for i, r := range terms {
		out[i] = r.String()
	}
	return out, nil
}
