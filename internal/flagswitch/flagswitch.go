// Package flagswitch makes the boolean flags of a pflag.FlagSet read as
// switches in --help: --list, not --list[=true|false] as pflag shows its
// own bool flags, though nobody needs to write the value. nsj and kubectl
// nsj both use it, so that their --help read alike.
package flagswitch

import "github.com/spf13/pflag"

// switchValue is a bool flag's value that pflag shows as a switch. Parsing
// is the bool's own (--list, --list=false).
type switchValue struct{ pflag.Value }

// Type is pflag's name for a boolean flag that takes no value.
func (switchValue) Type() string { return "boolfunc" }

// IsBoolFlag lets the flag stand alone, without a value.
func (switchValue) IsBoolFlag() bool { return true }

// Show makes every bool flag of fs a switch in its usage.
func Show(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "bool" {
			f.Value = switchValue{f.Value}
		}
	})
}
