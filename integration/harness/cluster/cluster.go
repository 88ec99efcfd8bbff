// Package cluster is the Kubernetes bed of the end-to-end tests and of
// `make cluster`: etcd, kube-apiserver (Node,RBAC), kubelet on a CRI
// containerd of its own (package harness), one node on the host's network
// or several, each in a network namespace of its own (nodes.go,
// network.go), and on demand kube-controller-manager, kube-scheduler and
// the nsj agent DaemonSet of docs/kubernetes; pods made through the API
// server; users bound to roles.
// It puts back what kubelet changes on the host (tunables, iptables chains,
// fixed directories, cgroups), and can record a detached cluster (State)
// and find it again (Attach) to stop it from another program.
package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Cluster is a Kubernetes cluster of the tests' own: etcd, kube-apiserver
// (Node,RBAC authorization) and a kubelet named localhost on a CRI
// containerd of its own (harness.NewCRI: its own socket, directories, CNI
// config and cgroup parent), every port on 127.0.0.1 (New); or several
// kubelets, each on its own containerd in its own network namespace
// (NewNodes). Its binaries
// come from `make k8s` (NSJ_K8S_DIR). No controller-manager or scheduler:
// pods name spec.nodeName, and each namespace gets its default service
// account and kube-root-ca.crt config map from Namespace.
type Cluster struct {
	CRI        *harness.CRI // the first node's
	Nodes      []*Node      // one (localhost) or more (NewNodes)
	Dir        string       // certificates, etcd data, kubelet root, logs
	Bin        string       // etcd, kube-apiserver, kubelet, kubectl
	Server     string       // https://127.0.0.1:PORT
	Kubeconfig string       // as system:masters
	Client     kubernetes.Interface

	pki     *pki
	daemons []*harness.Daemon // in start order
	host    *HostState
	net     *Network // a cluster of several nodes'; nil: every port on 127.0.0.1
	stop    harness.StopOnce

	controllers func() error // StartControllers, once
	agent       func() error // StartAgent, once
	usersMu     sync.Mutex   // User
}

// Version is what scripts/k8s.sh builds; NSJ_K8S_DIR overrides where.
const Version = "v1.37.2"

// BinDir is where `make k8s` left the binaries.
func BinDir() string {
	if d := os.Getenv("NSJ_K8S_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "nsj", "k8s-"+Version)
}

// Shared returns the cluster shared by the kubelet tests, starting
// it on first use (about 20 s); it is stopped after all tests (AtExit).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	Require(t)
	harness.BusyboxRootfs(t) // first, so that it is removed after the cluster stops
	c, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kubelet log ends:\n%s", c.daemons[2].Tail(40)) // etcd, kube-apiserver, kubelet, ...
		}
	})
	return c
}

var shared = harness.SharedBed("the one-node cluster", func() (*Cluster, error) {
	rootfs, err := harness.SharedRootfs()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c, err := New(BinDir(), rootfs)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "integration: one-node cluster up in %s\n", time.Since(start).Round(100*time.Millisecond))
	return c, nil
})

// Require checks what a cluster needs and returns where its
// binaries are (`make k8s`).
func Require(t testing.TB) string {
	t.Helper()
	harness.RequireRoot(t)
	harness.RequireBinaries(t, "containerd", "runc", "containerd-shim-runc-v2", "ip", "go")
	_, err := os.Stat(harness.LoopbackPlugin)
	harness.Need(t, err == nil, "needs the CNI loopback plugin (apt-get install containernetworking-plugins): %v", err)
	bin := BinDir()
	for _, b := range []string{"etcd", "kube-apiserver", "kubelet", "kubectl"} {
		_, err := os.Stat(filepath.Join(bin, b))
		harness.Need(t, err == nil, "the one-node cluster needs %s in %s: build it with `make k8s` (or set NSJ_K8S_DIR)", b, bin)
	}
	return bin
}

// New starts the cluster; on failure it stops what it started.
func New(bin, rootfs string) (*Cluster, error) {
	dir, err := os.MkdirTemp("/tmp", "nsj-k8s-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Bin: bin}
	c.controllers, c.agent = sync.OnceValue(c.startControllers), sync.OnceValue(c.startAgent)
	if err := c.setUp(rootfs); err != nil {
		if serr := c.Stop(); serr != nil {
			err = fmt.Errorf("%w\nstopping it: %v", err, serr)
		}
		return nil, err
	}
	return c, nil
}

func (c *Cluster) setUp(rootfs string) error {
	cri, err := harness.NewCRI(rootfs)
	if err != nil {
		return err
	}
	c.CRI = cri
	c.Nodes = []*Node{{Name: NodeName, IP: "127.0.0.1", CRI: cri}}
	ports, err := freePorts(5)
	if err != nil {
		return err
	}
	if err := c.startControlPlane(ports[0], ports[1], ports[2], "127.0.0.1"); err != nil {
		return err
	}
	if err := c.startKubelet(c.Nodes[0], ports[3], ports[4]); err != nil {
		return err
	}
	return c.Namespace("default")
}

// startControlPlane makes the certificates, starts etcd and the API
// server (on addr:api) and saves the host's state before any kubelet.
func (c *Cluster) startControlPlane(etcd, peer, api int, addr string) error {
	var err error
	if c.pki, err = newPKI(filepath.Join(c.Dir, "pki")); err != nil {
		return err
	}
	if err := c.startEtcd(etcd, peer); err != nil {
		return err
	}
	if err := c.startAPIServer(etcd, api, addr); err != nil {
		return err
	}
	c.host, err = SaveHost()
	return err
}

func (c *Cluster) startEtcd(port, peer int) error {
	client := fmt.Sprintf("http://127.0.0.1:%d", port)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	d, err := c.start("etcd", "--name", "nsj", "--data-dir", filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "nsj="+peerURL, "--listen-metrics-urls", "",
		"--unsafe-no-fsync", "--log-level", "warn")
	if err != nil {
		return err
	}
	return d.WaitFor(30*time.Second, httpOK(client+"/health", nil))
}

func (c *Cluster) startAPIServer(etcd, port int, addr string) error {
	p := c.pki
	if err := p.server("apiserver", "kube-apiserver", addr); err != nil {
		return err
	}
	for _, u := range [][]string{{"admin", "nsj-test-admin", "system:masters"},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"}} {
		if err := p.client(u[0], u[1], u[2]); err != nil {
			return err
		}
	}
	c.Server = fmt.Sprintf("https://%s:%d", addr, port)
	kubeletAddress := "Hostname,InternalIP" // the one node is localhost
	if c.net != nil {
		kubeletAddress = "InternalIP"
	}
	d, err := c.start("kube-apiserver", "--etcd-servers", fmt.Sprintf("http://127.0.0.1:%d", etcd),
		"--bind-address", addr, "--advertise-address", addr, "--secure-port", strconv.Itoa(port),
		"--cert-dir", filepath.Join(c.Dir, "apiserver"),
		"--tls-cert-file", p.path("apiserver.crt"), "--tls-private-key-file", p.path("apiserver.key"),
		"--client-ca-file", p.path("ca.crt"),
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", p.path("sa.pub"), "--service-account-signing-key-file", p.path("sa.key"),
		"--service-cluster-ip-range", "10.96.0.0/16", "--endpoint-reconciler-type", "none",
		"--kubelet-client-certificate", p.path("apiserver-kubelet-client.crt"),
		"--kubelet-client-key", p.path("apiserver-kubelet-client.key"),
		"--kubelet-certificate-authority", p.path("ca.crt"),
		"--kubelet-preferred-address-types", kubeletAddress,
		"--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
		"--enable-priority-and-fairness=false", "--allow-privileged=true")
	if err != nil {
		return err
	}
	if c.Kubeconfig, err = p.kubeconfig("admin", c.Server); err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(p.path("admin.crt"), p.path("admin.key"))
	if err != nil {
		return err
	}
	if err := d.WaitFor(60*time.Second, httpOK(c.Server+"/readyz", &cert)); err != nil {
		return err
	}
	config, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return err
	}
	c.Client, err = kubernetes.NewForConfig(config)
	return err
}

// start starts the cluster binary name, logging to Dir/name.log.
func (c *Cluster) start(name string, args ...string) (*harness.Daemon, error) {
	return c.startIn("", name, filepath.Join(c.Dir, name+".log"), args...)
}

// startIn starts the cluster binary name in the network namespace netns
// (a file; "": the host's), logging to log.
func (c *Cluster) startIn(netns, name, log string, args ...string) (*harness.Daemon, error) {
	bin := filepath.Join(c.Bin, name)
	if netns != "" { // nsenter joins the network namespace only, then executes bin: same PID
		args, bin = append([]string{"--net=" + netns, "--", bin}, args...), "nsenter"
	}
	d, err := harness.StartDaemon(name, log, bin, args...)
	if err != nil {
		return nil, err
	}
	c.daemons = append(c.daemons, d)
	return d, nil
}

// Namespace creates namespace ns with what the controller-manager would
// add: the default service account and the kube-root-ca.crt config map.
func (c *Cluster) Namespace(ns string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ca, err := os.ReadFile(c.pki.path("ca.crt"))
	if err != nil {
		return err
	}
	objs := []func() error{
		func() error {
			_, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
			return err
		},
		func() error {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt"}, Data: map[string]string{"ca.crt": string(ca)}}
			_, err := c.Client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
			return err
		},
	}
	for _, create := range objs {
		if err := create(); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("set up namespace %s: %w", ns, err)
		}
	}
	return nil
}

// Stop deletes every pod (kubelet stops them), stops kubelet, the API
// server and etcd by PID, stops the CRI containerd (which removes what is
// left, the cgroups under its parent and the mounts under its directory),
// unmounts what kubelet left under Dir, removes Dir and puts back what
// kubelet changed on the host. It runs once.
func (c *Cluster) Stop() error {
	return c.stop.Do(c.teardown)
}

func (c *Cluster) teardown() error {
	var errs []error
	var rest []*harness.Daemon // the controllers first: the DaemonSet's would make new pods
	for _, d := range c.daemons {
		if d.Name == "kube-controller-manager" || d.Name == "kube-scheduler" {
			errs = append(errs, d.Stop(10*time.Second))
		} else {
			rest = append(rest, d)
		}
	}
	if c.Client != nil && len(rest) == 2+len(c.Nodes) && !slices.ContainsFunc(rest[2:], (*harness.Daemon).Exited) {
		errs = append(errs, c.deletePods(time.Minute))
	}
	for i := len(rest) - 1; i >= 0; i-- {
		errs = append(errs, rest[i].Stop(10*time.Second))
	}
	for _, n := range c.Nodes {
		if n.CRI != nil {
			errs = append(errs, n.CRI.Stop())
		}
	}
	errs = append(errs, c.net.Remove(), c.host.Restore(), harness.UnmountUnder(c.Dir))
	if err := os.RemoveAll(c.Dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// deletePods deletes every pod and waits until kubelet has stopped them
// and they are gone from the API server.
func (c *Cluster) deletePods(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	nss, err := c.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	grace := int64(1) // not 0: kubelet, not the API server, ends them
	for _, ns := range nss.Items {
		err := c.Client.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &grace}, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("delete the pods of %s: %w", ns.Name, err)
		}
	}
	for {
		pods, err := c.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err == nil && len(pods.Items) == 0 {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("pods still there %s after deleting them: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// PIDs are the process IDs of the cluster's daemons, in start order.
func (c *Cluster) PIDs() []int {
	var pids []int
	for _, d := range c.daemons {
		pids = append(pids, d.Proc.PID)
	}
	return pids
}
