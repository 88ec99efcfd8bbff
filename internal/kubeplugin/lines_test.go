package kubeplugin

import (
	"bytes"
	"sync"
	"testing"
)

func TestLineWriterNamesTheNodeInNsjsOwnLinesOnly(t *testing.T) {
	var out bytes.Buffer
	w := newLineWriter(&out, &sync.Mutex{})
	w.tagNode("n2")
	for _, chunk := range []string{"ns/w3/app: nsj: said the pod\nnsj: 1 of 2 tas", "ks failed: ns/w3/app (exit 1)\nplain\nnsj: last"} {
		w.Write([]byte(chunk))
	}
	w.Flush()
	want := "ns/w3/app: nsj: said the pod\nnsj: node n2: 1 of 2 tasks failed: ns/w3/app (exit 1)\nplain\nnsj: node n2: last"
	if out.String() != want {
		t.Fatalf("wrote %q, want %q", out.String(), want)
	}

	out.Reset()
	plain := newLineWriter(&out, &sync.Mutex{}) // one node: lines as they are
	plain.Write([]byte("nsj: 1 of 1 task failed: ns/w1/app (exit 1)\n"))
	if got := out.String(); got != "nsj: 1 of 1 task failed: ns/w1/app (exit 1)\n" {
		t.Fatalf("one node: wrote %q, want the line unchanged", got)
	}
}
