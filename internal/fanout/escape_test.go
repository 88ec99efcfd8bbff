package fanout

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendEscapedShowsWhatATerminalWouldActOn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text", "LISTEN 0 4096 0.0.0.0:8080", "LISTEN 0 4096 0.0.0.0:8080"},
		{"tab stays", "a\tb", "a\tb"},
		{"UTF-8 text stays", "café ✓ 日本", "café ✓ 日本"},
		{"backslashes stay", `C:\x \\ \u`, `C:\x \\ \u`},
		{"erase line and forge a task", "\r\x1b[Kbbb-victim: LISTEN 0.0.0.0:31337", `\x0d\x1b[Kbbb-victim: LISTEN 0.0.0.0:31337`},
		{"OSC 0 title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"OSC 52 clipboard", "\x1b]52;c;ZWNobyBwd25lZA==\x1b\\", `\x1b]52;c;ZWNobyBwd25lZA==\x1b\`},
		{"NUL, backspace, vertical tab, form feed", "\x00\b\v\f", `\x00\x08\x0b\x0c`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"raw C1 CSI byte", "\x9b31m", `\x9b31m`},
		{"C1 CSI as UTF-8", "\u009b31m", `\u009b31m`},
		{"C1 range ends", "\u0080\u009f\u00a0", `\u0080\u009f` + "\u00a0"},
		{"bidi controls", "\u202eevil\u202c \u2066\u2069 \u200e\u200f\u061c", `\u202eevil\u202c \u2066\u2069 \u200e\u200f\u061c`},
		{"neighbours of bidi controls stay", "\u2029\u2065\u206a\u202f", "\u2029\u2065\u206a\u202f"},
		{"invalid UTF-8", "a\xffb\xc3(\xe2\x82", `a\xffb\xc3(\xe2\x82`},
		{"overlong encoding of ESC", "\xc0\x9b", `\xc0\x9b`},
		{"surrogate half", "\xed\xa0\x80", `\xed\xa0\x80`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendEscaped([]byte("p: "), []byte(tt.in))); got != "p: "+tt.want {
				t.Errorf("appendEscaped(%q) = %q, want %q", tt.in, got, "p: "+tt.want)
			}
		})
	}
}

// On a terminal the prefix and the line are escaped; elsewhere the bytes
// pass as they are; JSON escapes C1 and bidi controls and stays the same JSON.
func TestFanOutEscapesOnlyForATerminal(t *testing.T) {
	const evil = "ok\r\x1b[Kbbb-victim: LISTEN\u202e\x9b\n"
	tests := []struct {
		name, format, stream string
		ttyOut, ttyErr       bool
		stdout, stderr       string
	}{
		{"text on a terminal", outputText, "stdout", true, false, `web: ok\x0d\x1b[Kbbb-victim: LISTEN\u202e\x9b` + "\n", ""},
		{"text to a pipe", outputText, "stdout", false, true, "web: " + evil, ""},
		{"stderr on a terminal", outputText, "stderr", false, true, "", `web: ok\x0d\x1b[Kbbb-victim: LISTEN\u202e\x9b` + "\n"},
		{"stderr to a pipe", outputText, "stderr", true, false, "", "web: " + evil},
		{"bare on a terminal", outputBare, "stdout", true, true, `ok\x0d\x1b[Kbbb-victim: LISTEN\u202e\x9b` + "\n", ""},
		{"bare to a pipe", outputBare, "stdout", false, false, evil, ""},
		{"json", outputJSON, "stdout", true, true, `{"task":"web","stream":"stdout","line":"ok\r\u001b[Kbbb-victim: LISTEN\u202e\ufffd"}` + "\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			f := &fanOut{stdout: &stdout, stderr: &stderr, format: tt.format, ttyOut: tt.ttyOut, ttyErr: tt.ttyErr}
			f.pump(strings.NewReader(evil), "web", tt.stream)
			if stdout.String() != tt.stdout || stderr.String() != tt.stderr {
				t.Errorf("stdout %q, stderr %q; want %q, %q", stdout.String(), stderr.String(), tt.stdout, tt.stderr)
			}
		})
	}
}

func TestEscapeJSONRunesKeepsTheStrings(t *testing.T) {
	for _, s := range []string{"", "plain", "café", "\u009b[31m", "a\u202eb\u2066c", "\x1b\xff"} {
		rec, _ := json.Marshal(lineRecord{"web", "stdout", s})
		esc := escapeJSONRunes(rec)
		for _, r := range string(esc) {
			if unsafeRune(r) {
				t.Errorf("%q: %q still holds %U", s, esc, r)
			}
		}
		var a, b lineRecord
		if err := json.Unmarshal(rec, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(esc, &b); err != nil || a != b {
			t.Errorf("%q: escaped JSON %q decodes to %+v (%v), want %+v", s, esc, b, err, a)
		}
	}
}
