package kubeplugin

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/nsj-dev/nsj/internal/forwardspec"
	"github.com/nsj-dev/nsj/internal/streammux"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/remotecommand"
)

// kubectl nsj -R: the agent's nsj listens in the pod's network namespace
// (nsj --reverse-stdio -R ...) and carries each connection to it over the
// exec's stdin and stdout (package streammux); the plugin dials each one
// on the operator's machine, to its forward's HOST:HOSTPORT.

// reverseDialTimeout bounds each local dial.
const reverseDialTimeout = 10 * time.Second

// ReverseArgs is the agent's nsj command line for kubectl nsj -R specs.
func ReverseArgs(t *Target, specs []forwardspec.Spec, debug bool) []string {
	argv := []string{"nsj", "-n", ContainerdNamespace, "--reverse-stdio"}
	if debug {
		argv = append(argv, "--debug")
	}
	for _, s := range specs {
		argv = append(argv, "-R", s.Text)
	}
	return append(argv, "--", t.ContainerID)
}

// Reverse runs the exec of ReverseArgs until ctx ends (Ctrl-C: nil) or
// the agent's nsj does, dialing each connection it carries here. The
// agent's messages go to stderr, and so does a warning per failed dial.
func Reverse(ctx context.Context, ex remotecommand.Executor, agent *corev1.Pod, specs []forwardspec.Spec, stderr io.Writer) error {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	m := streammux.NewAcceptor(outR, inW)
	go m.Run()
	go acceptReverse(m, specs, stderr)
	err := Stream(ctx, ex, agent, Streams{In: inR, Out: outW, ErrOut: stderr})
	outW.Close() // ends Run, and with it every stream
	inR.Close()
	<-m.Done()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// acceptReverse dials each stream the agent opens.
func acceptReverse(m *streammux.Mux, specs []forwardspec.Spec, stderr io.Writer) {
	for {
		s, err := m.Accept()
		if err != nil {
			return
		}
		if int(s.Forward) >= len(specs) {
			s.CloseWithReason(fmt.Sprintf("no forward %d", s.Forward))
			continue
		}
		go dialReverse(s, specs[s.Forward], stderr)
	}
}

// dialReverse connects stream s to its forward's destination and carries
// it both ways, with half-close.
func dialReverse(s *streammux.Stream, spec forwardspec.Spec, stderr io.Writer) {
	defer s.Close()
	d := net.Dialer{Timeout: reverseDialTimeout}
	c, err := d.Dial(forwardspec.Network(spec.Dial), spec.Dial.String())
	if err != nil {
		fmt.Fprintf(stderr, "kubectl-nsj: warning: %s: %v\n", spec, err)
		s.CloseWithReason(err.Error())
		return
	}
	conn := c.(*net.TCPConn)
	defer conn.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		half(conn, s, s)
	}()
	half(s, conn, s)
	<-done
}

// half copies src to dst and half-closes dst; an error ends the stream.
func half(dst interface {
	io.Writer
	CloseWrite() error
}, src io.Reader, s *streammux.Stream) {
	if _, err := io.Copy(dst, src); err != nil {
		s.Close()
		return
	}
	dst.CloseWrite()
}
