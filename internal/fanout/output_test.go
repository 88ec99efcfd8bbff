package fanout

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFanOutFormatsLines(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	tests := []struct {
		name, format, input, stream string
		stdout, stderr              string
	}{
		{"text", outputText, "a\nb\n", "stdout", "web: a\nweb: b\n", ""},
		{"text on stderr", outputText, "oops\n", "stderr", "", "web: oops\n"},
		{"a last line without newline", outputText, "a\nb", "stdout", "web: a\nweb: b\n", ""},
		{"an empty line", outputText, "\n", "stdout", "web: \n", ""},
		{"no output", outputText, "", "stdout", "", ""},
		{"bare", outputBare, "a\nb", "stderr", "", "a\nb\n"},
		{"a long line is cut", outputBare, long + "\n", "stdout", long[:maxLine] + "\n" + long[maxLine:] + "\n", ""},
		{"json", outputJSON, "a \"q\"\n", "stderr", `{"task":"web","stream":"stderr","line":"a \"q\""}` + "\n", ""},
		{"json of bytes that are not UTF-8", outputJSON, "\xff\n", "stdout", `{"task":"web","stream":"stdout","line":"\ufffd"}` + "\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			f := &fanOut{stdout: &stdout, stderr: &stderr, format: tt.format}
			f.pump(strings.NewReader(tt.input), "web", tt.stream)
			if stdout.String() != tt.stdout || stderr.String() != tt.stderr {
				t.Errorf("stdout %q, stderr %q; want %q, %q", stdout.String(), stderr.String(), tt.stdout, tt.stderr)
			}
		})
	}
}

func TestFanOutExitRecords(t *testing.T) {
	tk := &Target{Namespace: "default", ID: "web"}
	tests := []struct {
		result taskResult
		want   string
	}{
		{taskResult{name: "web", target: tk, status: statusOK}, `{"task":"web","namespace":"default","id":"web","status":"ok","exit":0}`},
		{taskResult{name: "web", target: tk, status: statusStopped, code: 137}, `{"task":"web","namespace":"default","id":"web","status":"stopped","exit":137}`},
		{taskResult{name: "web", target: tk, status: statusNotStarted}, `{"task":"web","namespace":"default","id":"web","status":"not-started"}`},
		{taskResult{name: "web", target: tk, status: statusFailed, err: fmt.Errorf("no pipe")}, `{"task":"web","namespace":"default","id":"web","status":"failed","error":"no pipe"}`},
		{taskResult{name: "web", target: tk, status: statusFailed, code: 143, timedOut: time.Second}, `{"task":"web","namespace":"default","id":"web","status":"failed","exit":143,"timed_out":true}`},
	}
	for _, tt := range tests {
		var stdout bytes.Buffer
		f := &fanOut{stdout: &stdout, format: outputJSON}
		f.exit(&tt.result)
		if stdout.String() != tt.want+"\n" {
			t.Errorf("exit record %q, want %q", stdout.String(), tt.want)
		}
		stdout.Reset()
		f.format = outputText
		if f.exit(&tt.result); stdout.Len() != 0 {
			t.Errorf("text output has an exit record: %q", stdout.String())
		}
	}
}

// Lines of tasks that write at once each reach the output in one write.
func TestFanOutNeverMixesLines(t *testing.T) {
	w := &writeRecorder{}
	f := &fanOut{stdout: w, stderr: w, format: outputText}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := fmt.Sprintf("t%02d", i)
			f.pump(strings.NewReader(strings.Repeat(task+" says hello\n", 200)), task, "stdout")
		}()
	}
	wg.Wait()
	if len(w.writes) != 20*200 {
		t.Fatalf("%d writes, want %d", len(w.writes), 20*200)
	}
	for _, b := range w.writes {
		task, rest, _ := strings.Cut(b, ": ")
		if rest != task+" says hello\n" {
			t.Fatalf("write %q mixes lines", b)
		}
	}
}

type writeRecorder struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeRecorder) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(b))
	return len(b), nil
}

// The progress line stays below the output and is erased at the end.
func TestFanOutProgressLine(t *testing.T) {
	var term bytes.Buffer // stdout and stderr on one terminal
	f := &fanOut{stdout: &term, stderr: &term, format: outputText, progress: &progress{total: 10}}
	f.started()
	f.started()
	f.line("a", "stdout", []byte("hi"))
	f.finished(false)
	f.finished(true)
	f.close()
	want := clearLine + "nsj: 0/10 tasks done, 1 running" +
		clearLine + "nsj: 0/10 tasks done, 2 running" +
		clearLine + "a: hi\n" + "nsj: 0/10 tasks done, 2 running" +
		clearLine + "nsj: 1/10 tasks done, 1 running" +
		clearLine + "nsj: 2/10 tasks done, 0 running, 1 failed" +
		clearLine
	if term.String() != want {
		t.Fatalf("the terminal got %q,\nwant %q", term.String(), want)
	}
}
