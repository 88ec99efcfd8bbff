package main

import "github.com/spf13/pflag"

// switchValue is a boolean flag that --help shows as --name: pflag shows
// its own bool flags as --name[=true|false], though nobody needs to write
// the value. Parsing is the bool's own (--list, --list=false).
type switchValue struct{ pflag.Value }

// Type is pflag's name for a boolean flag that takes no value.
func (switchValue) Type() string { return "boolfunc" }

// IsBoolFlag lets the flag stand alone, without a value.
func (switchValue) IsBoolFlag() bool { return true }

// showSwitches makes every bool flag of fs a switchValue.
func showSwitches(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "bool" {
			f.Value = switchValue{f.Value}
		}
	})
}
