// Command probe prints what a process inherits from whoever started it, one
// stable "key=value" line each, sorted, then END, for the differential test of
// integration/exec_diff_test.go: the same static binary is run in a
// container once by `ctr task exec` (runc exec) and once by nsj --fs
// container, and the two reports must agree but for the differences
// docs/security.md explains.
//
// Values that must differ between two processes are normalised here or
// printed raw for the test to normalise: no pid is printed, only whether
// the session and process group are the probe's own (self), of a process
// outside its pid namespace (outside: getsid gives 0) or of another one
// (other); namespace links are printed raw and the test compares them with
// the container init's. The probe opens nothing before it lists its
// descriptors and uses raw system calls throughout, so that the Go runtime
// adds no descriptor of its own to the list. (The go:debug lines keep the
// runtime from reading the cgroup files for GOMAXPROCS.)

//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	r := report{}
	r.fds() // first: before the probe opens anything
	r.status()
	r.namespaces()
	r.session()
	r.terminal()
	r.environ()
	r.file("cgroup", "/proc/self/cgroup")
	r.file("oom_score_adj", "/proc/self/oom_score_adj")
	r.file("loginuid", "/proc/self/loginuid")
	r.file("lsm", "/proc/self/attr/current")
	r.rlimits()
	r.dumpable()
	r.places()
	r.exe()
	r.print()
}

// report is the probe's findings by key.
type report map[string]string

func (r report) print() {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, r[k])
	}
	b.WriteString("END\n") // all was printed (on a terminal, before the hang-up)
	os.Stdout.WriteString(b.String())
}

// read is a small file's contents by raw system calls ("ERR:name" if it
// cannot be read), without its trailing newline.
func read(path string) string {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "ERR:" + errName(err)
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return "ERR:" + errName(err)
		}
		if n == 0 {
			return strings.TrimRight(string(out), "\n\x00")
		}
		out = append(out, buf[:n]...)
	}
}

func (r report) file(key, path string) {
	r[key] = strings.ReplaceAll(read(path), "\n", ";")
}

// errName is an error's errno name (EACCES), or its text.
func errName(err error) string {
	if e, ok := err.(unix.Errno); ok {
		if name := unix.ErrnoName(e); name != "" {
			return name
		}
	}
	return err.Error()
}

// status copies the lines of /proc/self/status that say what the process
// may do, and how deep its pid namespace is.
func (r report) status() {
	keep := map[string]bool{"Uid": true, "Gid": true, "Groups": true, "CapInh": true, "CapPrm": true,
		"CapEff": true, "CapBnd": true, "CapAmb": true, "NoNewPrivs": true, "Seccomp": true,
		"Seccomp_filters": true, "Umask": true, "SigBlk": true, "SigIgn": true, "Cpus_allowed_list": true}
	for _, line := range strings.Split(read("/proc/self/status"), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.Join(strings.Fields(v), " ")
		switch {
		case keep[k]:
			r["status."+k] = v
		case k == "NSpid":
			r["status.NSpid.levels"] = fmt.Sprint(len(strings.Fields(v)))
		}
	}
}

// namespaces prints every /proc/self/ns/* link raw.
func (r report) namespaces() {
	for _, name := range []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
		"time", "time_for_children", "user", "uts"} {
		link, err := os.Readlink("/proc/self/ns/" + name)
		if err != nil {
			link = "ERR:" + errName(err)
		}
		r["ns."+name] = link
	}
}

// dumpable is PR_GET_DUMPABLE: whether a process of the same user (and
// no more capabilities) may open the probe's /proc/PID files and trace it.
func (r report) dumpable() {
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		r["dumpable"] = "ERR:" + errName(err)
		return
	}
	r["dumpable"] = fmt.Sprint(d)
}

// relation says whose id id is: the probe's own, that of a process outside
// its pid namespace (0), or another's.
func relation(id, self int) string {
	switch id {
	case self:
		return "self"
	case 0:
		return "outside"
	}
	return "other"
}

func (r report) session() {
	pid := unix.Getpid()
	sid, err := unix.Getsid(0)
	if err != nil {
		r["sid"] = "ERR:" + errName(err)
	} else {
		r["sid"] = relation(sid, pid)
	}
	r["pgid"] = relation(unix.Getpgrp(), pid)
	r["ppid"] = relation(unix.Getppid(), pid)
}

// terminal says whether the probe has a controlling terminal, whether its
// process group is that terminal's foreground, and whether /dev/tty opens.
func (r report) terminal() {
	// /proc/self/stat: "pid (comm) state ppid pgrp session tty_nr tpgid ..."
	stat := read("/proc/self/stat")
	fields := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	if len(fields) < 6 { // not in the pid namespace of the /proc it sees
		fields = []string{"", "", "", "", stat, stat}
	}
	tty, tpgid := fields[4], fields[5]
	switch {
	case strings.HasPrefix(tty, "ERR:"):
		r["ctty"] = tty
	case tty == "0":
		r["ctty"] = "none"
	default:
		r["ctty"] = "yes"
		r["ctty.foreground"] = fmt.Sprint(tpgid == fmt.Sprint(unix.Getpgrp()))
	}
	fd, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		r["ctty.open"] = errName(err)
		return
	}
	unix.Close(fd)
	r["ctty.open"] = "ok"
}

// environ prints the environment that execve gave the probe, one key each.
func (r report) environ() {
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		r["env."+k] = v
	}
}

var rlimitNames = []string{"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
	"MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"}

func (r report) rlimits() {
	for res, name := range rlimitNames {
		var lim unix.Rlimit
		if err := unix.Prlimit(0, res, nil, &lim); err != nil {
			r["rlimit."+name] = "ERR:" + errName(err)
			continue
		}
		r["rlimit."+name] = limit(lim.Cur) + "/" + limit(lim.Max)
	}
}

func limit(v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return fmt.Sprint(v)
}

// places prints the working directory and the root: their paths, devices
// and inodes (the same in both runs when both are the container's).
func (r report) places() {
	for _, p := range []string{"cwd", "root"} {
		link, err := os.Readlink("/proc/self/" + p)
		if err != nil {
			link = "ERR:" + errName(err)
		}
		var st unix.Stat_t
		if err := unix.Stat("/proc/self/"+p+"/.", &st); err != nil {
			r[p] = link + " ERR:" + errName(err)
			continue
		}
		r[p] = fmt.Sprintf("%s dev=%d ino=%d", link, st.Dev, st.Ino)
	}
}
