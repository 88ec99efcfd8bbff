package creds

import (
	"fmt"
	"strings"
)

// Capability numbers that nsj's checks name.
const (
	CapDacOverride = 1
	CapSetUID      = 7
	CapNetAdmin    = 12
	CapNetRaw      = 13
	CapSysPtrace   = 19
	CapSysAdmin    = 21
)

// names are the kernel's capability names by number (linux/capability.h).
var names = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// Last is the highest capability number nsj knows by name.
const Last = len(names) - 1

// Name is capability c's name, "CAP_N" for one nsj does not know.
func Name(c int) string {
	if c >= 0 && c < len(names) {
		return names[c]
	}
	return fmt.Sprintf("CAP_%d", c)
}

// Number is the capability named name ("CAP_SYS_ADMIN" or "SYS_ADMIN", any
// case).
func Number(name string) (int, bool) {
	n := strings.ToUpper(name)
	if !strings.HasPrefix(n, "CAP_") {
		n = "CAP_" + n
	}
	for i, known := range names {
		if known == n {
			return i, true
		}
	}
	return 0, false
}
