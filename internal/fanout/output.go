package fanout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// fanOut writes the output of nsj --all: every line a command writes, as a
// whole (one write each, under a lock, so lines of different tasks never
// mix inside a line), prefixed with its task or as a JSON record, and the
// progress line when there is one.
type fanOut struct {
	mu             sync.Mutex
	stdout, stderr io.Writer
	format         string    // outputText, outputBare or outputJSON
	progress       *progress // nil: no progress line
	buf            []byte
	// ttyOut, ttyErr: stdout, stderr is a terminal; text written there is
	// escaped (all_escape.go).
	ttyOut, ttyErr bool
}

// Output formats of nsj --all.
const (
	outputText = "text" // "<task>: line", stderr lines on stderr
	outputBare = "bare" // --no-prefix: the lines as they are
	outputJSON = "json" // -o json: one record per line, all on stdout
)

// progressMin: the progress line is shown on a terminal from this many targets on.
const progressMin = 9

func newFanOut(o Options, tasks int) *fanOut {
	f := &fanOut{stdout: o.Stdout, stderr: o.Stderr, format: outputText}
	switch o.Format {
	case JSON:
		f.format = outputJSON
	case Bare:
		f.format = outputBare
	}
	f.ttyOut, f.ttyErr = isTerminal(o.Stdout), isTerminal(o.Stderr)
	if f.ttyErr && tasks >= progressMin {
		f.progress = &progress{total: tasks}
	}
	return f
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// maxLine bounds a line: longer ones are cut into several lines of this size.
const maxLine = 64 << 10

// lineRecord is a line of -o json output.
type lineRecord struct {
	Task   string `json:"task"`
	Stream string `json:"stream"` // stdout or stderr
	Line   string `json:"line"`   // without its newline
}

// exitRecord is the last record of a task in -o json output.
type exitRecord struct {
	Task      string `json:"task"`
	Namespace string `json:"namespace"`
	ID        string `json:"id"`
	Status    string `json:"status"`         // one of the status* constants
	Exit      *int   `json:"exit,omitempty"` // nsj's exit status for the task, if it ran
	Error     string `json:"error,omitempty"`
	TimedOut  bool   `json:"timed_out,omitempty"` // --task-timeout ended it
}

// pump reads r line by line until it ends and writes each line as the
// task's on stream ("stdout" or "stderr"). A last line without a newline
// gets one.
func (f *fanOut) pump(r io.Reader, task, stream string) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() { br.Reset(nil); readers.Put(br) }()
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			f.line(task, stream, bytes.TrimSuffix(line, []byte("\n")))
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// readers holds the line readers of finished pumps: each has a buffer of
// maxLine bytes, too much to allocate twice per task.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, maxLine) }}

// line writes one line of a task's output.
func (f *fanOut) line(task, stream string, text []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, tty := f.stdout, f.ttyOut
	if stream == "stderr" && f.format != outputJSON {
		w, tty = f.stderr, f.ttyErr
	}
	add := func(dst, s []byte) []byte { return append(dst, s...) }
	if tty {
		add = appendEscaped
	}
	b := f.buf[:0]
	switch f.format {
	case outputJSON:
		rec, _ := json.Marshal(lineRecord{task, stream, string(text)}) // strings always marshal
		b = append(escapeJSONRunes(rec), '\n')
	case outputText:
		b = append(add(b, []byte(task)), ": "...)
		b = append(add(b, text), '\n')
	default:
		b = append(add(b, text), '\n')
	}
	f.write(w, b)
	if cap(b) <= 2*maxLine {
		f.buf = b
	}
}

// exit writes the JSON record that ends a task (-o json only).
func (f *fanOut) exit(r *taskResult) {
	if f.format != outputJSON {
		return
	}
	rec := exitRecord{Task: r.name, Namespace: r.target.Namespace, ID: r.target.ID, Status: r.status, TimedOut: r.timedOut != 0}
	if r.status != statusNotStarted && r.err == nil {
		rec.Exit = &r.code
	}
	if r.err != nil {
		rec.Error = r.err.Error()
	}
	b, _ := json.Marshal(rec)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.write(f.stdout, append(b, '\n'))
}

// write writes b, keeping the progress line, if any, below it.
func (f *fanOut) write(w io.Writer, b []byte) {
	if f.progress == nil {
		w.Write(b)
		return
	}
	io.WriteString(f.stderr, clearLine)
	w.Write(b)
	io.WriteString(f.stderr, f.progress.String())
}

// clearLine returns a terminal's cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// progress counts tasks for the progress line.
type progress struct {
	total, running, done, failed int
}

func (p *progress) String() string {
	s := fmt.Sprintf("nsj: %d/%d tasks done, %d running", p.done, p.total, p.running)
	if p.failed > 0 {
		s += fmt.Sprintf(", %d failed", p.failed)
	}
	return s
}

// started and finished update the progress line, if any.
func (f *fanOut) started() { f.update(func(p *progress) { p.running++ }) }

func (f *fanOut) finished(failed bool) {
	f.update(func(p *progress) {
		p.running--
		p.done++
		if failed {
			p.failed++
		}
	})
}

func (f *fanOut) update(change func(*progress)) {
	if f.progress == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f.progress)
	io.WriteString(f.stderr, clearLine+f.progress.String())
}

// close erases the progress line, if any.
func (f *fanOut) close() {
	if f.progress == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	io.WriteString(f.stderr, clearLine)
}
