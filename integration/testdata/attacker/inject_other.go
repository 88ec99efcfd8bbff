//go:build !amd64

package main

// injectThroughTrace is written for amd64 only.
func (a *attacker) injectThroughTrace(comm, text, stop string) {
	a.logf("UNSUPPORTED ptrace-tiocsti on this architecture")
	select {}
}
