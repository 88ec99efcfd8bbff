package forwardspec

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		text, listen, dial, err string
	}{
		{"8080:127.0.0.1:80", "127.0.0.1:8080", "127.0.0.1:80", ""},
		{"0.0.0.0:8080:localhost:80", "0.0.0.0:8080", "127.0.0.1:80", ""},
		{"[::1]:0:[fd00::2]:443", "[::1]:0", "[fd00::2]:443", ""},
		{"8080:[::ffff:10.0.0.1]:80", "127.0.0.1:8080", "10.0.0.1:80", ""},
		{"8080:db:80", "", "", "nsj resolves no names"},
		{"8080:127.0.0.1", "", "", "want [BIND:]PORT:HOST:HOSTPORT"},
		{"8080:127.0.0.1:80:", "", "", `address "8080"`},
		{"x:127.0.0.1:80", "", "", `port "x"`},
		{"8080:[fe80::1%eth0]:80", "", "", "nsj resolves no names"},
		{"8080:[::1]x:80", "", "", "a colon must follow ]"},
	} {
		s, err := Parse(Local, tc.text)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q): %v, want %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil || s.Listen.String() != tc.listen || s.Dial.String() != tc.dial {
			t.Errorf("Parse(%q) = %s -> %s, %v; want %s -> %s", tc.text, s.Listen, s.Dial, err, tc.listen, tc.dial)
		}
	}
}
