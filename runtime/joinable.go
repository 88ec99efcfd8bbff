package runtime

// Joinable reports whether a task in this state can be joined: its init
// process runs (running), or is frozen (paused, or on its way there:
// pausing), so that its namespaces are there to enter. Every path that picks
// or offers tasks (Find, FindPod, Selector, shell completion) asks this.
func Joinable(status string) bool {
	switch status {
	case StatusRunning, StatusPaused, StatusPausing:
		return true
	}
	return false
}
