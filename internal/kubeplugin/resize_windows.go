package kubeplugin

import "os"

// notifyResize does nothing: Windows has no SIGWINCH, so the remote
// terminal keeps the size it had at the start.
func notifyResize(chan os.Signal) {}
