// Package base holds no code: its subpackages are nsj's leaves, the small
// rules and constants that the lower layers, nsjoin and runtime, share with
// the command lines above them (the exit codes, credentials, the namespace
// table, CRI's label keys, the pod container rule, the selector grammar,
// the ID rule). A leaf imports no other package of nsj but its fellow
// leaves; nsjoin and runtime import leaves and nothing of internal/ outside
// base. Packages directly in internal/ (plan, complete, kubeplugin, fanout,
// flagswitch, risk, ociseccomp) are the top layer, used by cmd/ only.
// layers_test.go checks both rules.
package base
