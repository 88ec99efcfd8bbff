// Package ident is the one rule for the words nsj looks containers up by:
// a containerd namespace, a container ID or a prefix of one, a Docker
// container name, a Kubernetes pod, namespace or container name. Whatever
// passes it is safe to put in a request path or a label filter as it is.
package ident

// Rule says what Valid accepts, for messages: "IDs " + Rule.
const Rule = "start with a letter or digit and hold only letters, digits, '_', '.' and '-'"

// Valid reports whether s follows Rule: a letter or digit (ASCII), then
// letters, digits, '_', '.' and '-'.
func Valid(s string) bool {
	for i, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '_' && r != '.' && r != '-') {
			return false
		}
	}
	return s != ""
}
