package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/sirupsen/logrus"
)

// failingStore is a fakeStore whose containers call fails with err in
// namespace bad.
type failingStore struct {
	*fakeStore
	bad string
	err error
}

func (f failingStore) containers(ctx context.Context, ns string, filters ...string) ([]container, error) {
	if ns == f.bad {
		return nil, f.err
	}
	return f.fakeStore.containers(ctx, ns, filters...)
}

// TestListLeavesOutAFailingNamespace: of all namespaces, one that
// containerd answers with an error (a namespace too large for one gRPC
// message, on a server without ListStream) is left out with a warning
// naming it; the others are listed. One namespace asked for, or a
// containerd that cannot be reached, still fails the list.
func TestListLeavesOutAFailingNamespace(t *testing.T) {
	tooLarge := fmt.Errorf("trying to send message larger than max (20000000 vs. 16777216): %w", errdefs.ErrResourceExhausted)
	var log bytes.Buffer
	logrus.SetOutput(&log)
	t.Cleanup(func() { logrus.SetOutput(os.Stderr) })

	ts, err := testClient(failingStore{world(), "k8s.io", tooLarge}, "default", false).List(context.Background(), true)
	namespaces := map[string]int{}
	for _, x := range ts {
		namespaces[x.Namespace]++
	}
	if err != nil || namespaces["default"] != 8 || namespaces["moby"] != 3 || namespaces["k8s.io"] != 0 {
		t.Errorf("got %v, %v; want default and moby listed", namespaces, err)
	}
	if w := log.String(); strings.Count(w, "\n") != 1 || !strings.Contains(w, `namespace \"k8s.io\" left out`) || !strings.Contains(w, "larger than max") {
		t.Errorf("warning %q: want one line naming k8s.io and why", w)
	}

	if _, err := testClient(failingStore{world(), "k8s.io", tooLarge}, "k8s.io", true).List(context.Background(), false); !errors.Is(err, errdefs.ErrResourceExhausted) {
		t.Errorf("one namespace: got %v, want its error", err)
	}
	down := fmt.Errorf("connection reset: %w", errdefs.ErrUnavailable)
	if _, err := testClient(failingStore{world(), "k8s.io", down}, "default", false).List(context.Background(), true); !errors.Is(err, ErrUnavailable) {
		t.Errorf("unreachable: got %v, want ErrUnavailable", err)
	}
}

// TestListNodeReadsOnlyNamespaces: --list (ListNode) reads of each spec
// only the namespaces, the same as the whole spec gives; List (for --all,
// which joins) reads the whole spec.
func TestListNodeReadsOnlyNamespaces(t *testing.T) {
	s := world()
	l, err := testClient(s, "k8s.io", true).ListNode(context.Background(), false)
	if err != nil || len(l.Tasks) != 3 {
		t.Fatalf("ListNode: %d, %v", len(l.Tasks), err)
	}
	full, err := testClient(s, "k8s.io", true).List(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range l.Tasks {
		if x.Spec != nil || full[i].Spec == nil || !reflect.DeepEqual(x.Namespaces, SpecNamespaces(full[i].Spec)) {
			t.Errorf("%s: listed spec %v, namespaces %v; List's spec %v", x.ID, x.Spec != nil, x.Namespaces, full[i].Spec != nil)
		}
	}
}
