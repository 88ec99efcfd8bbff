package exit

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nsj-dev/nsj/internal/kubeplugin"
)

func TestCodeIsTheOneCarriedElseFailure(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{errors.New("plain"), Failure},
		{Errorf(NotFound, "%s: command not found", "x"), NotFound},
		{fmt.Errorf("joining: %w", &Error{NotExecutable, errors.New("denied")}), NotExecutable},
	} {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("Code(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	inner := errors.New("inner")
	if err := Errorf(Failure, "outer: %w", inner); !errors.Is(err, inner) || err.Error() != "outer: inner" {
		t.Errorf("Errorf does not wrap: %v", err)
	}
}

// kubectl-nsj is built without cgo, so it cannot read nsjoin.h: its own
// failure status is checked against nsj's here.
func TestKubectlNsjFailsWithNsjsFailureCode(t *testing.T) {
	if kubeplugin.ExitFailure != Failure {
		t.Errorf("kubeplugin.ExitFailure = %d, nsj's exit.Failure = %d", kubeplugin.ExitFailure, Failure)
	}
}
