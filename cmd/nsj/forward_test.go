package main

import (
	"strings"
	"testing"
)

func TestForwardFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" for accepted
	}{
		{[]string{"-L", "8080:127.0.0.1:80", "web"}, ""},
		{[]string{"-L", "8080:127.0.0.1:80", "-R", "0.0.0.0:9000:[::1]:9000", "web", "sh"}, ""},
		{[]string{"--reverse-stdio", "-R", "9000:127.0.0.1:9000", "web"}, ""},
		{[]string{"--reverse-stdio", "-R", "9000:127.0.0.1:9000", "web", "sh"}, "--reverse-stdio carries -R forwards alone"},
		{[]string{"--reverse-stdio", "-L", "9000:127.0.0.1:9000", "web"}, "--reverse-stdio carries -R forwards alone"},
		{[]string{"--reverse-stdio", "web", "sh"}, "--reverse-stdio carries -R forwards alone"},
		{[]string{"-L", "8080:127.0.0.1:80", "-w", "/tmp", "web"}, "-w shapes the command"},
		{[]string{"-L", "localhost:80", "web"}, `-L "localhost:80": want [BIND:]PORT:HOST:HOSTPORT`},
		{[]string{"-R", "1:2:3:4:5", "web"}, `want [BIND:]PORT:HOST:HOSTPORT`},
		{[]string{"web", "--forward=8080:127.0.0.1:80"}, "--forward after the container is a word of the command"},
	} {
		o, err := parseArgs(tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("nsj %s: %v", strings.Join(tc.args, " "), err)
		case tc.want == "" && len(o.specs) != len(o.forwards)+len(o.reverses):
			t.Errorf("nsj %s: %d specs parsed", strings.Join(tc.args, " "), len(o.specs))
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("nsj %s: %v, want %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
