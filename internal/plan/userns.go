package plan

import (
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/nsjoin"
)

// --ns user: the command joins the container's user namespace and becomes
// its root (uid and gid 0 there), as nsenter -U does; --preserve-credentials
// keeps nsj's own uid, gid and groups instead, as nsenter's option of that
// name does. The constructor does either (nsjoin/userns.c).

// JoinsUser reports whether --ns (types, as typed) names the user
// namespace: it is never joined otherwise.
func JoinsUser(types []string) bool {
	return slices.ContainsFunc(types, func(n string) bool { return strings.TrimSpace(n) == "user" })
}

// keepCreds asks the constructor to keep nsj's credentials when the user
// namespace is joined at all (it is not when it is nsj's own).
func keepCreds(a *Ask, req *nsjoin.JoinRequest) {
	for _, ns := range req.Namespaces {
		if ns.Type == "user" {
			req.KeepCreds = a.PreserveCreds
		}
	}
}
