package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
	"github.com/nsj-dev/nsj/runtime/containerd"
)

// Client is one connection to containerd, set to a namespace; without an
// address given, it also holds the node's other containerds (node.go).
type Client struct {
	address   string
	namespace string
	explicit  bool // namespace came from -n or $CONTAINERD_NAMESPACE
	timeout   time.Duration
	conn      *containerd.Conn
	store     store
	// others are the other containerds of the node that Find and List
	// search too: the other DefaultSockets that exist, when no address
	// was given (node.go).
	others  []*Client
	skipped bool // it did not answer and was left out (node.go)
	// proc is where the tasks' /proc/PID/ns are read, to tell the host's
	// namespaces (host.go): "/proc"; "" reads none (unit tests' fake PIDs).
	proc string

	docker        dockerAsker // the node's dockerd, found on first use (names.go)
	dockerChecked bool
	dockerSkip    error // why the dockerd DOCKER_HOST names is not asked
}

// Connect resolves the address (or, with none given, every default socket
// that exists) and namespace from opts and the environment and sets up the
// connection to containerd. It makes no call: the first
// call (Find, List) connects, and its errors say what is wrong with the
// socket (kind ErrUnavailable). nsj's start-up is measured; a Version call
// here would cost a round trip on every run.
func Connect(ctx context.Context, opts Options) (*Client, error) {
	addrs, _, err := ResolveAddresses(opts.Address, os.Getenv, os.Stat)
	if err != nil {
		return nil, err
	}
	ns, explicit := ResolveNamespace(opts.Namespace, os.Getenv)
	c := newClient(addrs[0], ns, explicit, opts.Timeout)
	for _, addr := range addrs[1:] {
		c.others = append(c.others, newClient(addr, ns, explicit, opts.Timeout))
	}
	return c, nil
}

// Open is Connect for one run of a command: the context it returns is
// bounded by opts.Timeout and covers the whole lookup, and done closes the
// client and releases the context. The command line chooses the options
// (-a, -n, --timeout) and hands Open to the packages that look targets up
// (plan.Ask.Connect, complete.Candidates).
func Open(opts Options) (context.Context, *Client, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	c, err := Connect(ctx, opts)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, c, func() { c.Close(); cancel() }, nil
}

// newClient sets up, without dialing, the client of the containerd at addr.
func newClient(addr, ns string, explicit bool, timeout time.Duration) *Client {
	c := &Client{address: addr, namespace: ns, explicit: explicit, timeout: timeout,
		conn: containerd.NewSocketConn(addr), proc: "/proc"}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	c.store = wireStore{containerd.NewStore(c.conn)}
	return c
}

// Close closes the connections.
func (c *Client) Close() error {
	err := c.conn.Close()
	for _, o := range c.others {
		o.conn.Close()
	}
	return err
}

// Address is the socket path of containerd.
func (c *Client) Address() string { return c.address }

// Namespace is the containerd namespace Find and List use.
func (c *Client) Namespace() string { return c.namespace }

// NamespaceGiven says whether the namespace came from -n or
// $CONTAINERD_NAMESPACE; if not, Find and List consider every namespace.
func (c *Client) NamespaceGiven() bool { return c.explicit }

// Version asks containerd for its version, such as "1.6.20~ds1".
func (c *Client) Version(ctx context.Context) (string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	v, err := containerd.NewStore(c.conn).Version(ctx)
	if err != nil {
		return "", c.callError(err, "ask containerd for its version")
	}
	return v, nil
}

// Namespaces lists containerd's namespaces, unsorted.
func (c *Client) Namespaces(ctx context.Context) ([]string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	names, err := c.store.namespaces(ctx)
	if err != nil {
		return nil, c.callError(err, "list containerd namespaces")
	}
	return names, nil
}

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// callError turns the error of a containerd call into one that says what went
// wrong. Errors that are not about reaching containerd are only wrapped.
func (c *Client) callError(err error, what string) error {
	if errdefs.IsCanceled(err) {
		return fmt.Errorf("%s: %w", what, err)
	}
	// The cause is kept only where the message does not already say it all.
	dialErr := c.conn.DialError()
	var msg string
	var h1 *containerd.HTTP1Answer
	switch {
	case errors.As(err, &h1):
		msg = wrongProtocol(c.address, h1, c.namespaceElsewhere(context.Background(), DockerNamespace))
	case errors.Is(dialErr, syscall.EACCES), errors.Is(dialErr, syscall.EPERM):
		msg = fmt.Sprintf("permission denied connecting to containerd at %s; run nsj as root", c.address)
	case errors.Is(dialErr, syscall.ECONNREFUSED):
		msg = fmt.Sprintf("containerd at %s refused the connection; is containerd running? (the socket may be left over from a stopped containerd; %s)", c.address, addressHint)
	case errors.Is(dialErr, syscall.ENOENT):
		msg = fmt.Sprintf("containerd socket %s disappeared; is containerd running?", c.address)
	case errdefs.IsDeadlineExceeded(err):
		msg = fmt.Sprintf("containerd at %s did not answer within %s; is it hung or overloaded?", c.address, c.timeout)
	case errdefs.IsUnavailable(err):
		return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf("cannot talk to containerd at %s", c.address), Err: err}
	default:
		return fmt.Errorf("%s (containerd at %s): %w", what, c.address, err)
	}
	return newError(ErrUnavailable, "%s", msg)
}
