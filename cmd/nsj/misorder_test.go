package main

import "testing"

func TestRewritePutsTheContainerFirst(t *testing.T) {
	for _, tc := range []struct {
		args         []string
		target, ctr  string
		command, cmd []string
		want         string
	}{
		{[]string{"ps", "-ef", "web"}, "ps", "web", []string{"-ef", "web"}, []string{"ps", "-ef"}, "web ps -ef"},
		{[]string{"-a", "/run/x.sock", "-n", "moby", "ip", "addr", "web", "show"}, "ip", "web",
			[]string{"addr", "web", "show"}, []string{"ip", "addr", "show"}, "-a /run/x.sock -n moby web ip addr show"},
	} {
		o := &options{target: tc.target, command: tc.command}
		if got := rewrite(tc.args, o, tc.ctr, tc.cmd); got != tc.want {
			t.Errorf("rewrite(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
