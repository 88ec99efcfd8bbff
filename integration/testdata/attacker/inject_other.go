//go:build !amd64

package main

// injectThroughTrace is written for amd64 only.
func (a *attacker) injectThroughTrace(comm, text, stop string) {
	a.logf("UNSUPPORTED ptrace-tiocsti on this architecture")
	select {}
}

// -mode inject is written for x86-64 registers only (inject.go).
func (a *attacker) injectLoop(name, path, stop string) {
	a.logf("ERROR -mode inject needs amd64")
	a.logf("DONE")
}
