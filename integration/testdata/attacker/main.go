// Command attacker plays the hostile container in nsj's security tests
// (integration/security_test.go, docs/security.md). The tests build it
// statically and run it as the init process of a container; nsj then joins
// that container again and again while the attacker tries to get hold of
// every process it did not start, as the runc CVEs did:
//
//   - -mode peek: open /proc/PID/{environ,mem,exe,cwd,root,fd} and every
//     /proc/PID/fd/N (CVE-2016-9962: a process inspected while it joins),
//     and, to check what docs/security.md says anyone may read, cmdline and
//     mountinfo;
//   - -mode exe: as peek, and write to /proc/PID/exe at once and, through
//     the saved descriptor, after the process has exited (CVE-2019-5736). It
//     writes only to files named by -victims (device:inode pairs), copies
//     that the test made for the purpose, and only appends a marker line;
//   - -mode inject (inject.go): trace the process named -comm and make it
//     append a marker line to -victim-path, if that names one of -victims.
//
// With -secret (default: $ATTACKER_SECRET), every command line it reads is
// searched for that string (what nsj's user passed with -e): SECRET lines
// say where it was found; CMDLINE lines (the first 20 of each) and
// "cmdline-of NAME" counts say whose command lines it read, by the base
// name of their first argument.
//
// It logs what it got to -log. When the file -stop appears (the test
// creates it once no nsj runs any longer) it tries the saved descriptors a
// last time, writes a summary (SUMMARY and VICTIM lines, then DONE) and
// waits to be killed. As the container's init it reaps the orphans it
// inherits.
//
// -mode fifo makes /dev/urandom a FIFO and logs FIFO-OPENED whenever a
// process opens it for reading (fifo.go): nsj must never start its Go
// runtime among the container's files.
//
// -mode fds is unrelated: run by nsj as the command, it prints its own open
// file descriptors, one "FD TARGET" line each. -mode tiocsti, run by nsj as
// the command, types -inject into its terminal (tty.go); -mode idle is a
// container's init that does nothing; -mode ptrace-tiocsti, the container's
// init, traces a process named -comm that dropped its capabilities and makes
// it type -inject (inject_amd64.go). -mode grabtty, the container's init,
// opens the terminal of the commands nsj runs and keeps it (grabtty.go);
// -mode ctty has a command named -comm open its controlling terminal,
// /dev/tty, and keeps that (ctty_amd64.go).
// -mode report, or the names cat and curl, is the program a
// container plants for --fs container (planted.go). (The go:debug lines keep the
// Go runtime from holding cgroup files open for GOMAXPROCS.)

//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// kinds are the /proc/PID entries tried on every process, with open flags.
var kinds = []struct {
	name  string
	flags int
}{
	{"environ", unix.O_RDONLY},
	{"mem", unix.O_RDONLY},
	{"exe", unix.O_PATH},
	{"cwd", unix.O_PATH | unix.O_DIRECTORY},
	{"root", unix.O_PATH | unix.O_DIRECTORY},
	{"fd", unix.O_RDONLY | unix.O_DIRECTORY},
	// Readable by anyone, whoever the process: for docs/security.md.
	{"cmdline", unix.O_RDONLY},
	{"mountinfo", unix.O_RDONLY},
}

// counts of one kind of attempt.
type counts struct{ ok, denied, gone, other int }

type attacker struct {
	mode    string
	log     *os.File
	victims map[string]*victim // by "dev:ino"
	counts  map[string]*counts
	self    int
	secret  string
}

func main() {
	if isPlanted() {
		report()
		return
	}
	mode := flag.String("mode", "peek", "peek, exe, fifo, fds, report, tiocsti, ptrace-tiocsti, grabtty, ctty or idle")
	logPath := flag.String("log", "", "file to log to")
	stop := flag.String("stop", "", "stop when this file exists")
	victims := flag.String("victims", "", "comma-separated device:inode of the files -mode exe and inject may write to")
	victimComm := flag.String("comm", "sleep", "-mode ptrace-tiocsti, inject and ctty: the name of the process to trace")
	inject := flag.String("inject", "echo INJECTED-$((6*7))\n", "what -mode tiocsti types")
	secret := flag.String("secret", os.Getenv("ATTACKER_SECRET"), "a string to look for in every command line")
	victimPath := flag.String("victim-path", "", "-mode inject: the victim's path in the command's root")
	flag.Parse()
	switch *mode {
	case "fds":
		listFds()
		return
	case "tiocsti":
		injectInput(*inject)
		return
	case "idle":
		idle()
	case "report":
		report()
		return
	}
	runtime.GOMAXPROCS(1)
	log, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	a := &attacker{mode: *mode, log: log, victims: map[string]*victim{}, counts: map[string]*counts{}, self: os.Getpid(), secret: *secret}
	for _, v := range strings.Split(*victims, ",") {
		if v != "" {
			a.victims[v] = &victim{id: v, nowErr: map[string]int{}, laterErr: map[string]int{}}
		}
	}
	if a.mode == "exe" {
		a.victims[memfdVictim] = &victim{id: memfdVictim, nowErr: map[string]int{}, laterErr: map[string]int{}}
	}
	if *mode == "ptrace-tiocsti" { // no reaper: it would take the tracee's stops
		a.logf("READY mode=%s pid=%d", a.mode, a.self)
		a.injectThroughTrace(*victimComm, *inject, *stop)
	}
	a.logf("READY mode=%s pid=%d", a.mode, a.self)
	if a.mode == "ctty" { // no reaper either (ctty_amd64.go)
		a.stealControllingTerminal(*victimComm, *stop)
	}
	if a.mode == "grabtty" {
		go reapForever()
		a.grabTerminal(*stop)
	}
	if a.mode == "inject" { // no reaper either
		a.injectLoop(*victimComm, *victimPath, *stop)
		select {}
	}
	go reapForever()
	if a.mode == "fifo" {
		a.fifoTrap(*stop)
	}
	for !exists(*stop) {
		for _, pid := range a.candidates() {
			a.attack(pid)
		}
		a.retryPending(false)
	}
	a.retryPending(true)
	a.summary()
	select {}
}

// candidates are the PIDs in /proc and, to be there the moment a process is
// forked, the next few PIDs after the last one the namespace handed out.
func (a *attacker) candidates() []int {
	seen := map[int]bool{}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if last, err := strconv.Atoi(f[len(f)-1]); err == nil {
			for p := last - 1; p <= last+2; p++ {
				seen[p] = true
			}
		}
	}
	if ents, err := os.ReadDir("/proc"); err == nil {
		for _, e := range ents {
			if p, err := strconv.Atoi(e.Name()); err == nil {
				seen[p] = true
			}
		}
	}
	var out []int
	for p := range seen {
		if p > 1 && p != a.self && !exists(fmt.Sprintf("/proc/self/task/%d", p)) {
			out = append(out, p)
		}
	}
	return out
}

// attack tries every kind on pid and counts the outcome by the process's
// name, so that the test can tell nsj ("nsj") from its command.
func (a *attacker) attack(pid int) {
	name := comm(pid)
	if name == "" {
		return // no such process
	}
	for _, k := range kinds {
		path := fmt.Sprintf("/proc/%d/%s", pid, k.name)
		fd, err := unix.Open(path, k.flags|unix.O_CLOEXEC, 0)
		a.count(k.name, name, pid, path, err)
		if err != nil {
			continue
		}
		switch k.name {
		case "fd":
			a.attackFds(pid, name, fd)
		case "cmdline":
			a.readCmdline(pid, name, fd)
		case "exe":
			if a.mode == "exe" && a.grab(pid, fd) {
				continue // kept open for later
			}
		}
		unix.Close(fd)
	}
}

// attackFds opens every entry of an fd directory that could be listed.
func (a *attacker) attackFds(pid int, name string, dirfd int) {
	buf := make([]byte, 4096)
	n, err := unix.Getdents(dirfd, buf)
	if err != nil || n <= 0 {
		return
	}
	_, _, entries := unix.ParseDirent(buf[:n], -1, nil)
	for _, entry := range entries {
		path := fmt.Sprintf("/proc/%d/fd/%s", pid, entry)
		fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		a.count("fd/N", name, pid, path, err)
		if err == nil {
			unix.Close(fd)
		}
	}
}

// readCmdline reads an open /proc/PID/cmdline and looks for the secret.
func (a *attacker) readCmdline(pid int, name string, fd int) {
	buf := make([]byte, 1<<16)
	n, err := unix.Read(fd, buf)
	if err != nil || n <= 0 || a.secret == "" {
		return
	}
	args := strings.Split(string(buf[:n]), "\x00")
	argv0 := args[0][strings.LastIndex(args[0], "/")+1:]
	key := "cmdline-of " + argv0
	if a.counts[key] == nil {
		a.counts[key] = &counts{}
	}
	if a.counts[key].ok++; a.counts[key].ok <= 20 {
		a.logf("CMDLINE argv0=%s pid=%d comm=%s", argv0, pid, name)
	}
	if strings.Contains(string(buf[:n]), a.secret) {
		a.logf("SECRET pid=%d comm=%s cmdline=%q", pid, name, strings.Join(args, " "))
	}
}

// count records an attempt under "KIND COMM".
func (a *attacker) count(kind, name string, pid int, path string, err error) {
	key := kind + " " + name
	c := a.counts[key]
	if c == nil {
		c = &counts{}
		a.counts[key] = c
	}
	switch {
	case err == nil:
		c.ok++
		if c.ok <= 20 {
			target, _ := os.Readlink(path)
			a.logf("OK kind=%s pid=%d comm=%s target=%q", kind, pid, name, target)
		}
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		c.denied++
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ESRCH):
		c.gone++
	default:
		c.other++
		if c.other <= 20 {
			a.logf("ERROR kind=%s pid=%d comm=%s: %v", kind, pid, name, err)
		}
	}
}

func (a *attacker) summary() {
	names := make([]string, 0, len(a.counts))
	for k := range a.counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c := a.counts[k]
		kind, name, _ := strings.Cut(k, " ")
		a.logf("SUMMARY kind=%s comm=%s ok=%d denied=%d gone=%d other=%d", kind, name, c.ok, c.denied, c.gone, c.other)
	}
	for _, v := range a.victims {
		a.logf("VICTIM %s grabs=%d now_ok=%d now_err=%s later_ok=%d later_err=%s",
			v.id, v.grabs, v.nowOK, errCounts(v.nowErr), v.laterOK, errCounts(v.laterErr))
	}
	a.logf("DONE")
}

func (a *attacker) logf(format string, args ...any) {
	fmt.Fprintf(a.log, format+"\n", args...)
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

func exists(path string) bool {
	var st unix.Stat_t
	return unix.Stat(path, &st) == nil
}

// reapForever waits for the orphans that nsj's commands leave to the
// container's init.
func reapForever() {
	for {
		var ws unix.WaitStatus
		if pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// listFds prints this process's open fds but the one that lists them.
func listFds() {
	dirfd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	buf := make([]byte, 1<<16)
	n, err := unix.Getdents(dirfd, buf)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	_, _, names := unix.ParseDirent(buf[:n], -1, nil)
	for _, name := range names {
		if name == strconv.Itoa(dirfd) {
			continue
		}
		target, _ := os.Readlink("/proc/self/fd/" + name)
		fmt.Printf("%s %s\n", name, target)
	}
}
