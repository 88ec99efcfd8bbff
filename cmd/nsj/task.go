package main

import (
	"errors"

	"github.com/nsj-dev/nsj/nsjoin"
)

func taskTarget(o *options, sel nsjoin.Selection) (*target, error) {
	return nil, errors.New("containerd targets: not wired yet")
}

func list(o *options) error    { return errors.New("--list: not wired yet") }
func inspect(o *options) error { return errors.New("--inspect: not wired yet") }
