package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
)

// Client is one connection to containerd, set to a namespace.
type Client struct {
	address   string
	namespace string
	explicit  bool // namespace came from -n or $CONTAINERD_NAMESPACE
	timeout   time.Duration
	conn      *wireConn
	store     store
	dialer    *recordingDialer

	docker        dockerAsker // the node's dockerd, found on first use (names.go)
	dockerChecked bool
}

// Connect resolves the address and namespace from opts and the environment
// and sets up the connection to containerd. It makes no call: the first
// call (Find, List) connects, and its errors say what is wrong with the
// socket (kind ErrUnavailable). nsj's start-up is measured; a Version call
// here would cost a round trip on every run.
func Connect(ctx context.Context, opts Options) (*Client, error) {
	addr, err := ResolveAddress(opts.Address, os.Getenv, os.Stat)
	if err != nil {
		return nil, err
	}
	ns, explicit := ResolveNamespace(opts.Namespace, os.Getenv)
	c := &Client{address: addr, namespace: ns, explicit: explicit, timeout: opts.Timeout,
		dialer: &recordingDialer{path: addr}}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	// The first call dials; the dialer records its error so that it can
	// be told.
	c.conn = &wireConn{dial: c.dialer.dial}
	c.store = wireStore{c.conn}
	return c, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.close() }

// Address is the socket path of containerd.
func (c *Client) Address() string { return c.address }

// Namespace is the containerd namespace Find and List use.
func (c *Client) Namespace() string { return c.namespace }

// Version asks containerd for its version, such as "1.6.20~ds1".
func (c *Client) Version(ctx context.Context) (string, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	v, err := wireStore{c.conn}.version(ctx)
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
	dialErr := c.dialer.lastError()
	var msg string
	switch {
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

// recordingDialer dials the containerd socket and remembers the last error.
type recordingDialer struct {
	path string
	mu   sync.Mutex
	err  error
}

func (d *recordingDialer) dial(ctx context.Context) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "unix", d.path)
	d.mu.Lock()
	d.err = err
	d.mu.Unlock()
	return conn, err
}

func (d *recordingDialer) lastError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
