//go:build !amd64

package main

// -mode ctty is written for x86-64 registers only (ctty_amd64.go).
func (a *attacker) stealControllingTerminal(name, stop string) {
	a.logf("ERROR -mode ctty needs amd64")
	a.logf("DONE")
	select {}
}
