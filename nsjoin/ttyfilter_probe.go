package nsjoin

/*
#include "internal.h"
*/
import "C"

import (
	"fmt"
	"syscall"
)

// ttyFilterProbe runs, in a child with the filter of ttyfilter.c, the probe
// calls of nsj_tty_filter_probe and returns their errnos (0: success), as
// many as arrived: a child killed by a call returns fewer.
func ttyFilterProbe(n int) ([]syscall.Errno, error) {
	errs := make([]C.int, n)
	got, err := C.nsj_tty_filter_probe(&errs[0], C.int(n))
	if got < 0 {
		return nil, err
	}
	if got > 0 && errs[0] < 0 {
		return nil, fmt.Errorf("installing the filter: %w", syscall.Errno(-errs[0]))
	}
	out := make([]syscall.Errno, got)
	for i := range out {
		out[i] = syscall.Errno(errs[i])
	}
	return out, nil
}
