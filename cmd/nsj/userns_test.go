package main

import (
	"testing"

	"github.com/nsj-dev/nsj/nsjoin"
)

func TestPreserveCredentialsGoesWithTheUserNamespace(t *testing.T) {
	for _, tt := range []struct {
		name  string
		args  []string
		joins []string // the namespaces actually opened
		keep  bool     // the request's KeepCreds
	}{
		{"user joined, kept", []string{"--ns", "net, user", "--preserve-credentials", "t1"}, []string{"net", "user"}, true},
		{"user joined, root", []string{"--ns", "user,net", "t1"}, []string{"user", "net"}, false},
		// nsj's own user namespace is not joined: nothing to keep.
		{"user namespace is nsj's own", []string{"--ns", "user,net", "--preserve-credentials", "t1"}, []string{"net"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			req := &nsjoin.JoinRequest{}
			for i, typ := range tt.joins {
				req.Namespaces = append(req.Namespaces, nsjoin.NamespaceFD{Type: typ, FD: 3 + i})
			}
			keepCreds(o, req)
			if !o.joinsUser() || req.KeepCreds != tt.keep {
				t.Errorf("joinsUser %v, KeepCreds %v; want true, %v", o.joinsUser(), req.KeepCreds, tt.keep)
			}
		})
	}
}
