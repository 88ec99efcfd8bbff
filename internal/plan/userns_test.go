package plan

import (
	"testing"

	"github.com/nsj-dev/nsj/nsjoin"
)

func TestPreserveCredentialsGoesWithTheUserNamespace(t *testing.T) {
	for _, tt := range []struct {
		name  string
		types []string // --ns
		keep0 bool     // --preserve-credentials
		joins []string // the namespaces actually opened
		keep  bool     // the request's KeepCreds
	}{
		{"user joined, kept", []string{"net", " user"}, true, []string{"net", "user"}, true},
		{"user joined, root", []string{"user", "net"}, false, []string{"user", "net"}, false},
		// nsj's own user namespace is not joined: nothing to keep.
		{"user namespace is nsj's own", []string{"user", "net"}, true, []string{"net"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &Ask{Types: tt.types, PreserveCreds: tt.keep0}
			req := &nsjoin.JoinRequest{}
			for i, typ := range tt.joins {
				req.Namespaces = append(req.Namespaces, nsjoin.NamespaceFD{Type: typ, FD: 3 + i})
			}
			keepCreds(a, req)
			if !JoinsUser(a.Types) || req.KeepCreds != tt.keep {
				t.Errorf("joinsUser %v, KeepCreds %v; want true, %v", JoinsUser(a.Types), req.KeepCreds, tt.keep)
			}
		})
	}
}
