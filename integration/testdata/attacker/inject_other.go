//go:build !amd64

package main

// -mode inject is written for x86-64 registers only (inject.go).
func (a *attacker) injectLoop(name, path, stop string) {
	a.logf("ERROR -mode inject needs amd64")
	a.logf("DONE")
}
