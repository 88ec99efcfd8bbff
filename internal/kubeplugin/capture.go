package kubeplugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/nsj-dev/nsj/internal/base/cri"
	"github.com/nsj-dev/nsj/internal/capture/pcapng"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// kubectl nsj capture: on each node with a chosen pod, one
// "nsj capture --stop-at-eof -w - ..." in the node's agent, as kubectl nsj
// -l runs nsj --all there; the plugin merges the nodes' pcap-ng streams
// into one (package pcapng: each node's interfaces renumbered, packets in
// time order within NodeWindow). Closing an exec's stdin stops its node's
// capture, as a ^C does nsj capture's.

// NodeWindow bounds how long a packet waits for quiet nodes: longer than
// nsj capture's own window, for the nodes' merge and the API server's
// streams on top. NodeMaxBytes bounds the packets waiting.
const (
	NodeWindow   = 3 * time.Second
	NodeMaxBytes = 64 << 20
)

// Capture is one kubectl nsj capture: the pods (Selector, or Pod) and
// nsj capture's own flags (Flags, passed on: -i, -s, --duration, -c).
type Capture struct {
	Selector       string // -l; "" with Pod
	Pod            string // POD: one pod, instead of Selector
	Namespace      string // the pods' namespace; "": every one (-A, with Selector)
	Container      string // -c: only this container of each pod
	AgentNamespace string
	Count          int      // --count: packets in all
	Flags          []string // nsj capture's flags for each node
	Filter         string
	Out            io.Writer
	Debug          bool
}

// Run captures on every node that has a chosen pod and returns the
// highest exit status of the nodes' captures.
func (c *Capture) Run(cfg *rest.Config) (int, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, Errorf("connecting to the cluster: %w; check the kubeconfig", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), LookupTimeout)
	defer cancel()
	var nodes []string
	if c.Pod != "" {
		p, err := cs.CoreV1().Pods(c.Namespace).Get(ctx, c.Pod, metav1.GetOptions{})
		if err != nil {
			return 0, apiError(err, fmt.Sprintf("getting pod %s/%s", c.Namespace, c.Pod), "get on pods in namespace "+c.Namespace)
		}
		nodes = []string{p.Spec.NodeName}
	} else if nodes, err = PodNodes(ctx, cs, c.Namespace, c.Selector); err != nil {
		return 0, err
	}
	argv, err := c.Args()
	if err != nil {
		return 0, err
	}
	runs, err := nodeRuns(ctx, cs, c.AgentNamespace, nodes, argv, c.Debug)
	if err != nil {
		return 0, err
	}
	return c.merge(cfg, cs, runs)
}

// Args is nsj capture's command line in each node's agent.
func (c *Capture) Args() ([]string, error) {
	argv := []string{"nsj", "capture", "--stop-at-eof", "-w", "-", "-n", ContainerdNamespace}
	if c.Pod != "" {
		ref := "pod/" + c.Pod
		if c.Container != "" {
			ref += "/" + c.Container
		}
		argv = append(argv, "--pod-namespace", c.Namespace)
		argv = append(argv, c.Flags...)
		return append(argv, ref, "--", c.Filter), nil
	}
	terms, err := SelectorLabels(c.Selector)
	if err != nil {
		return nil, err
	}
	argv = append(argv, "--all", "--selector", cri.LabelKind+"="+cri.KindContainer)
	if c.Namespace != "" {
		argv = append(argv, "--pod-namespace", c.Namespace)
	}
	if c.Container != "" {
		argv = append(argv, "--selector", cri.LabelContainer+"="+c.Container)
	}
	for _, t := range terms {
		argv = append(argv, "--selector", t)
	}
	argv = append(argv, c.Flags...)
	return append(argv, "--", c.Filter), nil
}

// merge runs every node's capture at once and merges their streams into
// c.Out; the first ^C (or the count, or the reader going away) closes
// every node's stdin, a second one or interruptGrace later cuts the execs.
func (c *Capture) merge(cfg *rest.Config, cs kubernetes.Interface, runs []*nodeRun) (int, error) {
	w, err := pcapng.NewWriter(c.Out, "kubectl nsj capture")
	if err != nil {
		return 0, err
	}
	m := pcapng.NewMerger(w, NodeWindow, NodeMaxBytes, c.Count)
	ctx, cut := context.WithCancel(context.Background())
	defer cut()
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) // EPIPE, not death
	var errMu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range runs {
		in, stdin := io.Pipe()
		r.stdin = stdin
		pr, pw := io.Pipe()
		src := m.Open()
		errOut := newLineWriter(os.Stderr, &errMu)
		if len(runs) > 1 {
			errOut.tagNode(r.node)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := pcapng.Relay(src, pr); err != nil && m.Err() == nil {
				fmt.Fprintf(errOut, "kubectl-nsj: node %s: %v\n", r.node, err)
			}
			io.Copy(io.Discard, pr)
		}()
		go func() {
			defer wg.Done()
			runNode(ctx, cfg, cs, r, Streams{In: in, Out: pw, ErrOut: errOut}, errOut, func() { pw.Close() })
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	go tickUntil(m, done, runs)
	watchInterrupt(runs, cut, done)
	if err := m.Finish(); err != nil && !errors.Is(err, syscall.EPIPE) {
		return 0, Errorf("writing the capture: %w", err)
	}
	return worstCode(runs), nil
}

// tickUntil flushes the merge every 50 ms until done; once the count is
// reached or the reader went away, it stops every node's capture.
func tickUntil(m *pcapng.Merger, done <-chan struct{}, runs []*nodeRun) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-m.Done():
			for _, r := range runs {
				r.stdin.Close()
			}
			<-done
			return
		case <-t.C:
			m.Tick()
		}
	}
}
