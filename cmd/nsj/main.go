// Command nsj runs a host command inside a running container's namespaces.
// It parses the command line, works out the mode once (mode.go), checks
// that mode's flags in one place (validate.go), and calls a package: plan
// for a join (which finds the target through runtime and joins it with
// nsjoin's constructor, before the Go runtime runs), runtime for --list and
// --inspect, complete for shell completion; then it prints and exits.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/nsj-dev/nsj/internal/base/exit"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"
)

// exitFailure is nsj's own failure (package exit has the others).
const exitFailure = exit.Failure

// usageErrorf is the error of a command line nsj refuses (exit 125).
func usageErrorf(format string, args ...any) error {
	return exit.Errorf(exitFailure, format, args...)
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	keepStdFds()
	err := subcommand(args)
	if err == nil {
		return 0
	}
	if errors.Is(err, errCommandStatus) { // nsj -L ... TASK COMMAND: the command's own status
		return exit.Code(err)
	}
	fmt.Fprintf(os.Stderr, "nsj: %s\n", exit.OneLine(err.Error()))
	return exit.Code(err)
}

// subcommand runs nsj's subcommands, recognised only as the first word
// (nsj cp, nsj capture), else the modes of nsj's own flags. A container
// named cp or capture is reached with any flag first: nsj -n default cp ...
func subcommand(args []string) error {
	if len(args) > 0 && args[0] == "cp" {
		return cp(args[1:])
	}
	if len(args) > 0 && args[0] == "capture" { // capture.go
		return captureCommand(args[1:])
	}
	o, err := parseArgs(args)
	if err == nil {
		err = setupLogging(o)
	}
	if err == nil {
		err = dispatch(o)
	}
	return err
}

// dispatch runs the mode that parseArgs worked out.
func dispatch(o *options) error {
	switch o.mode {
	case modeHelp:
		return nil
	case modeVersion:
		printVersion()
		return nil
	case modeCompletion:
		return printCompletion(o.completion)
	case modeComplete:
		return printCandidates(o)
	case modeAll:
		return all(o)
	case modeList:
		return list(o)
	case modeListPods:
		return listPods(o)
	case modeInspect, modeInspectPod:
		return inspect(o)
	}
	return join(o)
}

// keepStdFds opens /dev/null on any of fds 0-2 that is closed, so that no
// file nsj opens later takes their place and reaches the command as stdio.
func keepStdFds() {
	for fd := 0; fd < 3; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			continue
		}
		null, err := unix.Open("/dev/null", unix.O_RDWR, 0)
		if err == nil && null != fd {
			unix.Dup2(null, fd)
			unix.Close(null)
		}
	}
}

func setupLogging(o *options) error {
	logrus.SetOutput(os.Stderr)
	logrus.SetFormatter(&lineFormatter{})
	level := o.logLevel
	if o.debug {
		level = "debug"
	}
	l, err := logrus.ParseLevel(level)
	if err != nil {
		return usageErrorf("--log-level %q: use %s", level, logLevels)
	}
	logrus.SetLevel(l)
	return nil
}

// logLevels are the levels that --log-level takes, as logrus reads them.
const logLevels = "trace, debug, info, warn, error, fatal or panic"

// lineFormatter writes "nsj: warning: message": one line, like nsj's errors.
type lineFormatter struct{}

func (lineFormatter) Format(e *logrus.Entry) ([]byte, error) {
	prefix := "nsj: "
	switch e.Level {
	case logrus.InfoLevel:
	case logrus.WarnLevel:
		prefix += "warning: "
	default:
		prefix += e.Level.String() + ": "
	}
	return []byte(prefix + exit.OneLine(e.Message) + "\n"), nil
}

func printVersion() {
	v := buildVersion()
	fmt.Printf("nsj %s\ncommit: %s\ngo: %s\ncontainerd API: %s\n", v.version, v.commit, v.goVersion, v.containerd)
}
