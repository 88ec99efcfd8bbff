package main

import (
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/internal/complete"
	"github.com/nsj-dev/nsj/runtime"
)

// printCompletion is --completion SHELL: the script (package complete).
func printCompletion(shell string) error {
	b, err := complete.Script(shell)
	if err != nil {
		return usageErrorf("%w", err)
	}
	_, err = os.Stdout.Write(b)
	return err
}

// printCandidates is the hidden --complete: the scripts hand it the words
// typed so far, after --, and it prints the candidates for the last one,
// one a line.
func printCandidates(o *options) error {
	words := o.command
	if len(words) == 0 {
		words = []string{""}
	}
	for _, c := range complete.Candidates(newFlagSet(&options{}), words[:len(words)-1], words[len(words)-1], runtime.Open) {
		fmt.Println(c)
	}
	return nil
}
