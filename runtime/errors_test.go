package runtime

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestErrorKinds(t *testing.T) {
	kinds := []error{ErrUnavailable, ErrNotFound, ErrAmbiguous, ErrNotRunning, ErrChanged}
	tests := []struct {
		name string
		err  error
		kind error
		text string
	}{
		{name: "plain", err: newError(ErrNotFound, "no task %q", "x"), kind: ErrNotFound, text: `no task "x"`},
		{name: "wrapped", err: fmt.Errorf("find: %w", newError(ErrAmbiguous, "two")), kind: ErrAmbiguous, text: "find: two"},
		{name: "with cause", err: &Error{Kind: ErrUnavailable, Msg: "cannot talk", Err: io.EOF}, kind: ErrUnavailable,
			text: "cannot talk: EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Error() != tt.text {
				t.Errorf("text %q, want %q", tt.err, tt.text)
			}
			for _, k := range kinds {
				if got := errors.Is(tt.err, k); got != (k == tt.kind) {
					t.Errorf("errors.Is(err, %v) = %v", k, got)
				}
			}
		})
	}
	if !errors.Is(&Error{Kind: ErrUnavailable, Err: io.EOF}, io.EOF) {
		t.Error("cause not unwrapped")
	}
}

func TestJoinNames(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{1, "n0"},
		{3, "n0, n1, n2"},
		{maxListed, "n0, n1, n2, n3, n4, n5, n6, n7, n8, n9"},
		{maxListed + 3, "n0, n1, n2, n3, n4, n5, n6, n7, n8, n9 and 3 more"},
	}
	for _, tt := range tests {
		var names []string
		for i := range tt.n {
			names = append(names, fmt.Sprintf("n%d", i))
		}
		if got := joinNames(names); got != tt.want {
			t.Errorf("%d names: got %q, want %q", tt.n, got, tt.want)
		}
	}
}
