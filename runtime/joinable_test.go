package runtime

import "testing"

func TestJoinableTakesRunningPausedAndPausingTasksOnly(t *testing.T) {
	for status, want := range map[string]bool{
		StatusRunning: true, StatusPaused: true, StatusPausing: true,
		StatusCreated: false, StatusStopped: false, StatusUnknown: false, StatusNoTask: false, "": false,
	} {
		if got := Joinable(status); got != want {
			t.Errorf("Joinable(%q) = %v, want %v", status, got, want)
		}
	}
}
