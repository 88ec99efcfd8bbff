package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// injectInput is -mode tiocsti: run by nsj as the command (a container's
// binary that the operator starts through --fs container or $NSJ_ROOT), it
// pushes text into the input queue of its stdin's terminal with TIOCSTI, as
// if the operator had typed it, and says what the kernel answered. Once nsj
// has exited, the operator's shell reads the text as its next command line.
func injectInput(text string) {
	for i := 0; i < len(text); i++ {
		b := text[i]
		if err := unix.IoctlSetPointerInt(0, unix.TIOCSTI, int(b)); err != nil {
			fmt.Printf("TIOCSTI refused: %v\n", err)
			os.Exit(0)
		}
	}
	fmt.Println("TIOCSTI accepted")
}

// idle is -mode idle: the container's init, doing nothing but reaping.
func idle() {
	go reapForever()
	for {
		time.Sleep(time.Hour)
	}
}
