package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The attacks on what a --fs container command holds of the host's
// (integration/fs_nsenv_test.go, docs/security.md defences 18 and 19):
//
//   - -mode hostreach -victim PID: a program the container planted, which
//     nsj's --fs container command runs with the container's credentials.
//     It counts the processes it may signal (kill(pid, 0) up to a little
//     past its own PID and the victim's), kills the victim (a host root
//     process the test started), opens an AF_PACKET socket (default
//     capabilities hold CAP_NET_RAW) and lists the network interfaces it
//     sees, then prints
//     REACH pid=P visible=N kill=ERR packet=ERR ifaces=lo,eth0
//     Outside the container's pid namespace its PID is the host's, it sees
//     the host's processes and may kill them; outside its network namespace
//     it sniffs the host's interfaces.
//   - -mode envpeek -log FILE -secret S: the container's init. It reads
//     /proc/PID/environ of every other process it sees, logging
//     ENVIRON pid=P comm=C the first time it reads one (so the test knows it
//     reached the command) and SECRET pid=P comm=C when S is in it.
//
// Both are dispatched from init, before main's flags: main.go's switch
// stays as it is.

func init() {
	if len(os.Args) < 3 || os.Args[1] != "-mode" {
		return
	}
	fs := flag.NewFlagSet(os.Args[2], flag.ExitOnError)
	victim := fs.Int("victim", 0, "-mode hostreach: the PID to kill")
	logPath := fs.String("log", "", "-mode envpeek: file to log to")
	secret := fs.String("secret", "", "-mode envpeek: the string to look for")
	fs.String("stop", "", "ignored (the tests' launcher passes it)")
	fs.String("victims", "", "ignored (the tests' launcher passes it)")
	switch os.Args[2] {
	case "hostreach":
		fs.Parse(os.Args[3:])
		hostReach(*victim)
		os.Exit(0)
	case "envpeek":
		fs.Parse(os.Args[3:])
		envPeek(*logPath, *secret)
	}
}

func hostReach(victim int) {
	limit := max(os.Getpid(), victim) + 4096
	visible := 0
	for pid := 1; pid <= limit; pid++ {
		if pid != os.Getpid() && !errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
			visible++
		}
	}
	killErr := unix.Kill(victim, unix.SIGKILL)
	fd, packetErr := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
	if packetErr == nil {
		unix.Close(fd)
	}
	var names []string
	ifaces, err := net.Interfaces()
	for _, i := range ifaces {
		names = append(names, i.Name)
	}
	if err != nil {
		names = append(names, "error:"+err.Error())
	}
	fmt.Printf("REACH pid=%d visible=%d kill=%s packet=%s ifaces=%s\n",
		os.Getpid(), visible, result(killErr), result(packetErr), strings.Join(names, ","))
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// envPeek never returns: it is the container's init until the test ends.
func envPeek(logPath, secret string) {
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(log, "READY mode=envpeek pid=%d\n", os.Getpid())
	seen := map[string]bool{}
	for {
		reapAll()
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
			if err != nil || len(env) == 0 {
				continue
			}
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			key := fmt.Sprintf("pid=%d comm=%s", pid, strings.TrimSpace(string(comm)))
			logOnce(log, seen, "ENVIRON "+key)
			if secret != "" && strings.Contains(string(env), secret) {
				logOnce(log, seen, "SECRET "+key)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func logOnce(log *os.File, seen map[string]bool, line string) {
	if !seen[line] {
		seen[line] = true
		fmt.Fprintln(log, line)
	}
}

// reapAll reaps the orphans an init inherits.
func reapAll() {
	for {
		if pid, _ := unix.Wait4(-1, nil, unix.WNOHANG, nil); pid <= 0 {
			return
		}
	}
}
