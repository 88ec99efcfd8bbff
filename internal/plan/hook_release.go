//go:build !nsjtest

package plan

// stopAt does nothing in a build without the nsjtest tag (make build, make
// release): the test hook _NSJ_TEST_STOP_AT is left out (hook_nsjtest.go).
func stopAt(string) {}
