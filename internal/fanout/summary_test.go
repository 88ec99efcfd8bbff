package fanout

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSummary(t *testing.T) {
	ok := taskResult{name: "ok", status: statusOK}
	failed := func(name string, code int) taskResult {
		return taskResult{name: name, status: statusFailed, code: code}
	}
	many := []taskResult{ok}
	for _, n := range strings.Fields("a b c d e f g h i j k l") {
		many = append(many, failed(n, 1))
	}
	tests := []struct {
		name    string
		results []taskResult
		sig     os.Signal
		want    string
		code    int
	}{
		{"all ok", []taskResult{ok, ok}, nil, "", 0},
		{"failures and a stopped task", []taskResult{ok, failed("a", 2), {name: "b", status: statusStopped, code: 137}, failed("c", 125)}, nil,
			"3 of 4 tasks failed: a (exit 2), b (task stopped), c (exit 125)", 1},
		{"one task", []taskResult{failed("a", 3)}, nil, "1 of 1 task failed: a (exit 3)", 1},
		{"could not start", []taskResult{{name: "a", status: statusFailed, err: errors.New("starting nsj: no memory")}}, nil,
			"1 of 1 task failed: a (starting nsj: no memory)", 1},
		{"many", many, nil, "12 of 13 tasks failed: a (exit 1), b (exit 1), c (exit 1), d (exit 1), e (exit 1), f (exit 1), g (exit 1), h (exit 1), i (exit 1), j (exit 1) and 2 more", 1},
		{"interrupted", []taskResult{ok, failed("a", 130), {name: "b", status: statusNotStarted}}, syscall.SIGINT,
			"interrupted by SIGINT: 2 of 3 tasks failed or did not run: a (exit 130), b (not started)", 130},
		{"interrupted after the last task", []taskResult{ok}, syscall.SIGTERM, "", 0},
		{"timed out", []taskResult{ok, {name: "a", status: statusFailed, code: 143, timedOut: 2 * time.Second}, failed("b", 1)}, nil,
			"2 of 3 tasks failed: a (timed out after 2s), b (exit 1)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, code := summary(tt.results, tt.sig); got != tt.want || code != tt.code {
				t.Errorf("summary = %q, %d; want %q, %d", got, code, tt.want, tt.code)
			}
		})
	}
}
