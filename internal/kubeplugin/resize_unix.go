//go:build !windows

package kubeplugin

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize sends on ch when the terminal's size changes.
func notifyResize(ch chan os.Signal) { signal.Notify(ch, syscall.SIGWINCH) }
