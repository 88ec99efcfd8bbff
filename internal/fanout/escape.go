package fanout

import (
	"fmt"
	"unicode/utf8"
)

// What nsj --all shows of a container's output on a terminal. A container
// writes what it wants, and a terminal obeys control sequences: "\r\x1b[K"
// erases the line so that a forged "other-task: ..." takes its place, OSC 0
// retitles the window, OSC 52 sets the clipboard, bidi controls reorder what
// is shown. So, when the stream goes to a terminal, every byte a terminal
// could act on is shown as visible text instead:
//
//   - C0 controls but tab, and DEL: \xHH ("\r" is \x0d, ESC is \x1b);
//   - bytes that are not UTF-8 (raw C1 bytes 0x80-0x9f among them): \xHH;
//   - C1 controls written as UTF-8 (U+0080-U+009F) and the bidi controls
//     U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069: \uHHHH.
//
// Backslashes are left alone: the text stays readable (Windows paths,
// systemd's \x2d), and a container that prints the four characters \x1b
// fools no terminal. For the exact bytes, pipe nsj --all or use -o json.

// appendEscaped appends s to dst, escaped as above.
func appendEscaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == '\t' || (b >= 0x20 && b != 0x7f) {
				dst = append(dst, b)
			} else {
				dst = fmt.Appendf(dst, `\x%02x`, b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = fmt.Appendf(dst, `\x%02x`, b)
		case unsafeRune(r):
			dst = fmt.Appendf(dst, `\u%04x`, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// unsafeRune reports a C1 control or a bidi control: runes that UTF-8
// terminals may act on or that reorder the text around them.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// escapeJSONRunes rewrites, in JSON that encoding/json produced, the runes
// unsafeRune reports as \uHHHH escapes: the same strings to any JSON
// reader, nothing a terminal acts on when -o json goes to one (encoding/json
// escapes C0 controls itself, and replaces bytes that are not UTF-8 with
// U+FFFD). Outside strings such JSON is ASCII, so every rune is in one.
func escapeJSONRunes(b []byte) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return appendJSONRunes(append([]byte(nil), b[:i]...), b[i:])
		}
	}
	return b
}

func appendJSONRunes(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if unsafeRune(r) {
			dst = fmt.Appendf(dst, `\u%04x`, r)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
