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
}

func newLineWriter(w io.Writer, mu *sync.Mutex) *lineWriter {
	return &lineWriter{w: w, mu: mu}
}

// Write keeps p, and writes what ends in a newline.
func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	end := bytes.LastIndexByte(l.buf, '\n')
	if end < 0 {
		return len(p), nil
	}
	l.mu.Lock()
	_, err := l.w.Write(l.buf[:end+1])
	l.mu.Unlock()
	l.buf = append(l.buf[:0], l.buf[end+1:]...)
	return len(p), err
}

// Flush writes what is left.
func (l *lineWriter) Flush() {
	if len(l.buf) == 0 {
		return
	}
	l.mu.Lock()
	l.w.Write(l.buf)
	l.mu.Unlock()
	l.buf = l.buf[:0]
}
