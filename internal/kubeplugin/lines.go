package kubeplugin

import (
	"bytes"
	"io"
	"sync"
)

// lineWriter passes whole lines to w, under mu, which the writers of the
// other nodes' runs share: lines of different nodes never mix inside a
// line. A last line without a newline is written by Flush.
type lineWriter struct {
	w   io.Writer
	mu  *sync.Mutex
	buf []byte
	tag []byte // "node NAME: ", put after the "nsj: " of nsj's own lines; nil: none
}

func newLineWriter(w io.Writer, mu *sync.Mutex) *lineWriter {
	return &lineWriter{w: w, mu: mu}
}

// nsjLine begins the lines a node's nsj --all writes about the run itself
// (its summary, its errors); a pod's lines begin with the pod's name.
var nsjLine = []byte("nsj: ")

// tagNode makes l name node in each line that begins with "nsj: ", as
// "nsj: node NODE: ...": on a run across several nodes, each node's nsj
// sums up its own tasks only, and its line must say which node it is.
func (l *lineWriter) tagNode(node string) { l.tag = []byte("node " + node + ": ") }

// Write keeps p, and writes what ends in a newline.
func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	end := bytes.LastIndexByte(l.buf, '\n')
	if end < 0 {
		return len(p), nil
	}
	out := l.tagged(l.buf[:end+1])
	l.mu.Lock()
	_, err := l.w.Write(out)
	l.mu.Unlock()
	l.buf = append(l.buf[:0], l.buf[end+1:]...)
	return len(p), err
}

// tagged is lines with l.tag put into nsj's own lines.
func (l *lineWriter) tagged(lines []byte) []byte {
	if l.tag == nil || !bytes.Contains(lines, nsjLine) {
		return lines
	}
	var out []byte
	for len(lines) > 0 {
		line := lines
		if i := bytes.IndexByte(lines, '\n'); i >= 0 {
			line = lines[:i+1]
		}
		lines = lines[len(line):]
		if rest, ok := bytes.CutPrefix(line, nsjLine); ok {
			out = append(append(append(out, nsjLine...), l.tag...), rest...)
		} else {
			out = append(out, line...)
		}
	}
	return out
}

// Flush writes what is left.
func (l *lineWriter) Flush() {
	if len(l.buf) == 0 {
		return
	}
	out := l.tagged(l.buf)
	l.mu.Lock()
	l.w.Write(out)
	l.mu.Unlock()
	l.buf = l.buf[:0]
}
