package flagswitch

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// A bool flag reads as a switch in the usage and still parses as a bool.
func TestSwitchesShowNoValueAndParse(t *testing.T) {
	var on, off bool
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.BoolVarP(&on, "on", "o", false, "a switch")
	fs.BoolVar(&off, "off", true, "another")
	Show(fs)
	if u := fs.FlagUsages(); strings.Contains(u, "[=") {
		t.Errorf("usage shows a value on a switch:\n%s", u)
	}
	if err := fs.Parse([]string{"-o", "--off=false"}); err != nil || !on || off {
		t.Errorf("parse: %v, on %v, off %v", err, on, off)
	}
}
